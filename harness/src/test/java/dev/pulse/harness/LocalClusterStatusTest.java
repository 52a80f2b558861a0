package dev.pulse.harness;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The loss guards' part of {@code bin/local-cluster}'s status line, read from real {@code /metrics} text. */
class LocalClusterStatusTest {

  @Test
  void lossGuard_readsSuspectsQuarantinedAndTheGuardState_fromTheMetrics() {
    String metrics = """
        # HELP pulse_task_executors_suspect Registered task executors that are silent now
        # TYPE pulse_task_executors_suspect gauge
        pulse_task_executors_suspect 4.0
        pulse_task_executors_quarantined 1.0
        pulse_loss_guard_state{state="DISABLED"} 0.0
        pulse_loss_guard_state{state="MASS_FAILURE"} 1.0
        pulse_loss_guard_state{state="NORMAL"} 0.0
        """;

    assertThat(LocalCluster.lossGuard(metrics)).isEqualTo("suspect 4, quarantined 1, loss guard MASS_FAILURE");
    assertThat(LocalCluster.lossGuard("")).isEqualTo("suspect ?, quarantined ?, loss guard ?");
  }

  @Test
  void lossGuard_understandsWhatTheResourceManagersMetricsWrite() {
    try (MiniCluster cluster = MiniCluster.builder().taskExecutors(1).build().start()) {
      // NORMAL, or OVERLOADED on a busy host: either way every part is read.
      assertThat(LocalCluster.lossGuard(cluster.metrics()))
          .matches("suspect 0, quarantined 0, loss guard (NORMAL|OVERLOADED)");
    }
  }
}
