package com.example;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pulse.harness.MiniCluster;
import dev.pulse.rm.EventType;
import dev.pulse.rm.LossReason;
import dev.pulse.rm.ResourceManagerEvent;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * A cluster of child JVMs started from this project's class path, which holds a logback-test.xml that
 * logs to stdout: the harness must still find each process's start-up line.
 */
class ChildProcessClusterTest {

  @Test
  void killedTaskExecutorProcess_isLost() {
    try (MiniCluster cluster = MiniCluster.builder().mode(MiniCluster.Mode.PROCESSES).taskExecutors(1)
        .build().start()) {
      cluster.slotPool().allocate("job-1", 1);

      cluster.taskExecutor("te-0").kill();

      ResourceManagerEvent lost = cluster.awaitEvent(EventType.TASK_EXECUTOR_LOST, "te-0", Duration.ofSeconds(30));
      assertThat(lost.reason()).isEqualTo(LossReason.UNREACHABLE);
      cluster.awaitEvent(EventType.ALLOCATION_LOST, "te-0", Duration.ofSeconds(30));
    }
  }
}
