package dev.pulse.harness;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pulse.rm.ResourceManagerEvent;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Detection-time checks shared by the harness's own tests: measure from the fault to the event's
 * time, print it, and compare with SPEC 8's bound plus slack for a shared, loaded machine.
 */
final class Bounds {

  /** Extra time allowed over a SPEC bound on a loaded 2-core machine; the measured value is printed. */
  static final Duration SLACK = Duration.ofSeconds(1);

  private Bounds() {}

  /** threshold x interval + interval: a refused or cut-off task executor. */
  static Duration unreachable(MiniCluster cluster) {
    return cluster.heartbeatInterval().multipliedBy(cluster.rpcFailureThreshold() + 1L);
  }

  /** timeout + interval: a task executor that stopped answering. */
  static Duration hung(MiniCluster cluster) {
    return cluster.heartbeatTimeout().plus(cluster.heartbeatInterval());
  }

  /**
   * 2 x interval + backoff: a task executor cut off for {@code cut} is registered again after the heal. Its
   * registration backoff starts at 100 ms and doubles, so the wait it may be in after {@code cut} of failed
   * attempts is at most {@code cut} + 100 ms (30 s at most).
   */
  static Duration registeredAgain(MiniCluster cluster, Duration cut) {
    Duration backoff = cut.plusMillis(100);
    return cluster.heartbeatInterval().multipliedBy(2).plus(backoff.compareTo(Duration.ofSeconds(30)) > 0
        ? Duration.ofSeconds(30) : backoff);
  }

  /** Prints and checks the time from {@code faultAtMillis} to {@code event}. */
  static long assertDetectedWithin(String fault, long faultAtMillis, ResourceManagerEvent event, Duration bound) {
    long latency = event.time() - faultAtMillis;
    System.out.printf("%s -> %s %s after %d ms (bound %d ms + %d ms slack)%n", fault, event.type(), event.reason(),
        latency, bound.toMillis(), SLACK.toMillis());
    assertThat(latency).as(fault + " detection time in ms").isLessThanOrEqualTo(bound.plus(SLACK).toMillis());
    return latency;
  }

  /** The value of one Prometheus sample, e.g. {@code pulse_heartbeat_rpc_failures_total{kind="UNREACHABLE"}}. */
  static double metric(String metrics, String name, String labels) {
    String labelPart = labels.isEmpty() ? "(?:\\{[^}]*\\})?" : "\\{[^}]*" + Pattern.quote(labels) + "[^}]*\\}";
    Matcher m = Pattern.compile("(?m)^" + Pattern.quote(name) + labelPart + " (\\S+)$").matcher(metrics);
    return m.find() ? Double.parseDouble(m.group(1)) : 0;
  }
}
