package com.example;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pulse.harness.MiniCluster;
import dev.pulse.harness.MiniClusterExtension;
import dev.pulse.proto.v1.Allocation;
import dev.pulse.rm.LossReason;
import dev.pulse.rm.ResourceManagerEvent;
import dev.pulse.rm.RestartPolicy;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class WorkMovesTest {

  // Two task executors with one slot each: a moved allocation can only go to the other one.
  @RegisterExtension
  final MiniClusterExtension extension = MiniClusterExtension.perTest(MiniCluster.builder()
      .taskExecutors(2)
      .slotsPerTaskExecutor(1));

  // At most 3 attempts; placed again 100 ms after a loss; failed if no slot is free within 10 s.
  private static final RestartPolicy RESTART = new RestartPolicy(3, Duration.ofMillis(100), Duration.ofSeconds(10));

  @Test
  void killedTaskExecutor_itsWorkMovesToAnother(MiniCluster cluster) {
    Allocation held = cluster.slotPool().allocate("job-1", 1, RESTART).get(0);

    cluster.taskExecutor(held.getTaskExecutorId()).kill();

    ResourceManagerEvent moved = cluster.awaitMove(held.getAllocationId(), Duration.ofSeconds(10));
    assertThat(moved.taskExecutorId()).isNotEqualTo(held.getTaskExecutorId()); // same allocation id
    assertThat(moved.detail()).endsWith("attempt 2 of 3");
  }

  @Test
  void crashLoopingWork_failsWithAttemptsExhausted(MiniCluster cluster) {
    Allocation held = cluster.slotPool().allocate("job-1", 1, RESTART).get(0);
    String holder = held.getTaskExecutorId();
    for (int attempt = 1; attempt < 3; attempt++) {
      cluster.taskExecutor(holder).restart(); // the work crashes its process; a new one comes up
      holder = cluster.awaitMove(held.getAllocationId(), Duration.ofSeconds(10)).taskExecutorId();
    }

    cluster.taskExecutor(holder).restart(); // the third crash spends the last attempt

    ResourceManagerEvent failed = cluster.awaitFailure(held.getAllocationId(), Duration.ofSeconds(10));
    assertThat(failed.reason()).isEqualTo(LossReason.ATTEMPTS_EXHAUSTED); // terminal: never placed again
  }
}
