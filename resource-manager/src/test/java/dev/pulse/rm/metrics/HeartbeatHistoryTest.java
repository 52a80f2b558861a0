package dev.pulse.rm.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.pulse.heartbeat.RpcFailureKind;
import dev.pulse.rm.LossReason;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The steps behind the dashboard's heartbeat charts, from the metrics' cumulative meters. */
class HeartbeatHistoryTest {

  private final ResourceManagerMetrics metrics = new ResourceManagerMetrics();
  private final HeartbeatHistory history = new HeartbeatHistory(metrics, 3);

  @Test
  void sample_firstOnlySetsTheBaseline_thenEachStepHoldsWhatHappenedSinceThePrevious() {
    rtt(100, 50.0);                                  // before the baseline: in no step
    history.sample(1_000);
    assertThat(history.steps()).isEmpty();

    rtt(90, 1.0);                                    // (0.75, 1] ms
    rtt(10, 7.0);                                    // (6, 8] ms
    metrics.onTick(TimeUnit.MICROSECONDS.toNanos(200));
    metrics.onRpcFailed(RpcFailureKind.UNREACHABLE);
    metrics.taskExecutorLost("te-1", LossReason.UNREACHABLE, "gone");
    history.sample(3_000);

    List<HeartbeatHistory.Step> steps = history.steps();
    assertThat(steps).hasSize(1);
    HeartbeatHistory.Step step = steps.get(0);
    assertThat(step.time()).isEqualTo(3_000);
    assertThat(step.heartbeats()).isEqualTo(100);
    assertThat(step.rpcFailures()).isEqualTo(1);
    // p50: rank 50 of the 90 in (0.75, 1]: 0.75 + 0.25 * 50/90.
    assertThat(step.rttP50()).isCloseTo(0.75 + 0.25 * 50 / 90, within(1e-9));
    // p99: rank 99, the 9th of the 10 in (6, 8]: 6 + 2 * 9/10.
    assertThat(step.rttP99()).isCloseTo(7.8, within(1e-9));
    assertThat(step.tickLagP50()).isBetween(0.1, 0.25);
    assertThat(step.losses()).containsEntry("UNREACHABLE", 1L).containsEntry("HEARTBEAT_TIMEOUT", 0L);

    history.sample(5_000);
    HeartbeatHistory.Step quiet = history.steps().get(1);
    assertThat(quiet.heartbeats()).isZero();
    assertThat(quiet.rttP50()).isNull();
    assertThat(quiet.losses()).containsEntry("UNREACHABLE", 0L);
  }

  @Test
  void steps_keepsTheNewestUpToItsCapacity() {
    for (int t = 0; t <= 5; t++) {
      history.sample(t * 2_000L);
    }

    assertThat(history.steps()).extracting(HeartbeatHistory.Step::time).containsExactly(6_000L, 8_000L, 10_000L);
  }

  @Test
  void percentile_aboveTheLastBound_isTheLastBound() {
    double[] bounds = {1, 2};
    // cumulative: 0 at or below 1, 0 at or below 2, 4 in all: every sample above the last bound.
    assertThat(HeartbeatHistory.percentile(new long[] {0, 0, 4}, bounds, 0.5)).isEqualTo(2);
    assertThat(HeartbeatHistory.percentile(new long[] {0, 0, 0}, bounds, 0.5)).isNaN();
  }

  private void rtt(int count, double millis) {
    for (int i = 0; i < count; i++) {
      metrics.onRpcSucceeded(Math.round(millis * 1_000_000));
    }
  }
}
