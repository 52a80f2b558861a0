package dev.pulse.harness;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pulse.harness.MiniCluster.Mode;
import dev.pulse.rm.EventType;
import dev.pulse.rm.LossReason;
import dev.pulse.rm.ResourceManagerEvent;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** A task executor process restarted with the same resource id: the resource manager sees RESTARTED. */
class ProcessRestartTest {

  private static final Duration PATIENCE = Duration.ofSeconds(30);

  @Test
  void restartWithTheSameResourceId_losesTheOldInstanceAsRestarted() {
    // A new JVM takes longer to start than a killed one takes to be found unreachable: with failure
    // detection off and a long timeout, only the new instance's registration can end the old one.
    try (MiniCluster cluster = MiniCluster.builder().mode(Mode.PROCESSES).taskExecutors(1)
        .heartbeatTimeout(Duration.ofSeconds(60)).rpcFailureThreshold(-1).build().start()) {
      TaskExecutorNode te = cluster.taskExecutor(0);
      String oldInstance = te.instanceId();
      te.restart();

      ResourceManagerEvent lost = cluster.awaitEvent(EventType.TASK_EXECUTOR_LOST, "te-0", PATIENCE);
      assertThat(lost.reason()).isEqualTo(LossReason.RESTARTED);
      assertThat(lost.detail()).contains(oldInstance);
      cluster.awaitEvent(EventType.TASK_EXECUTOR_REGISTERED, "te-0", PATIENCE);
      assertThat(te.instanceId()).isNotEqualTo(oldInstance);
    }
  }
}
