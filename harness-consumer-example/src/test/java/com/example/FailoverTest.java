package com.example;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pulse.harness.MiniCluster;
import dev.pulse.harness.MiniClusterExtension;
import dev.pulse.harness.TaskExecutorNode;
import dev.pulse.proto.v1.Allocation;
import dev.pulse.rm.EventType;
import dev.pulse.rm.LossReason;
import dev.pulse.rm.ResourceManagerEvent;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class FailoverTest {

  // A fresh cluster for every test: a resource manager and 3 task executors with 2 slots each,
  // heartbeats every 200 ms, lost after 1 s of silence or 2 refused heartbeats in a row.
  @RegisterExtension
  final MiniClusterExtension extension = MiniClusterExtension.perTest(MiniCluster.builder()
      .taskExecutors(3)
      .slotsPerTaskExecutor(2)
      .heartbeatInterval(Duration.ofMillis(200))
      .heartbeatTimeout(Duration.ofSeconds(1)));

  @Test
  void killedTaskExecutor_losesItsSlots_andPausedOneComesBack(MiniCluster cluster) {
    List<Allocation> slots = cluster.slotPool().allocate("job-1", 6);
    assertThat(slots).hasSize(6);

    cluster.taskExecutor("te-0").kill();
    ResourceManagerEvent lost = cluster.awaitEvent(EventType.TASK_EXECUTOR_LOST, "te-0", Duration.ofSeconds(10));
    assertThat(lost.reason()).isEqualTo(LossReason.UNREACHABLE);
    assertThat(lost.slotsReleased()).isEqualTo(2);

    TaskExecutorNode te1 = cluster.taskExecutor("te-1");
    te1.pause();
    ResourceManagerEvent silent = cluster.awaitEvent(EventType.TASK_EXECUTOR_LOST, "te-1", Duration.ofSeconds(10));
    assertThat(silent.reason()).isEqualTo(LossReason.HEARTBEAT_TIMEOUT);

    te1.resume();
    cluster.awaitEvent(EventType.TASK_EXECUTOR_REGISTERED, "te-1", Duration.ofSeconds(10));
  }
}
