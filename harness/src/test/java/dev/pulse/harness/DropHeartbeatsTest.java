package dev.pulse.harness;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pulse.heartbeat.time.Quietly;
import dev.pulse.rm.EventType;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Randomly dropped heartbeats: with a timeout of five intervals, losing 30% of the requests costs
 * nothing. The drops come from a seeded {@link java.util.Random}, so the sequence of dropped
 * requests is the same in every run.
 */
class DropHeartbeatsTest {

  @RegisterExtension
  final MiniClusterExtension extension = MiniClusterExtension.perTest(MiniCluster.builder()
      .taskExecutors(1)
      .heartbeatInterval(Duration.ofMillis(200))
      .heartbeatTimeout(Duration.ofMillis(1000))
      .faultSeed(42));

  @Test
  void dropThirtyPercent_withTimeoutOfFiveIntervals_losesNothing(MiniCluster cluster) {
    cluster.taskExecutor(0).dropHeartbeats(0.3);

    // Twenty intervals without a single loss.
    Duration watch = cluster.heartbeatInterval().multipliedBy(20);
    Quietly.during(watch, "no task executor is lost",
        () -> cluster.events().stream().noneMatch(e -> e.type() == EventType.TASK_EXECUTOR_LOST));

    double dropped = Bounds.metric(cluster.metrics(), "pulse_heartbeat_rpc_failures_total", "kind=\"DEADLINE_EXCEEDED\"");
    double sent = Bounds.metric(cluster.metrics(), "pulse_heartbeat_requests_total", "");
    System.out.printf("dropHeartbeats(0.3): %.0f of %.0f heartbeat requests dropped, no loss%n", dropped, sent);
    assertThat(dropped).isPositive();
    assertThat(cluster.resourceManager().overview().taskExecutors()).isEqualTo(1);
  }
}
