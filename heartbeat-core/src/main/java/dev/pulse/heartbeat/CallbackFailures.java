package dev.pulse.heartbeat;

import dev.pulse.config.Durations;
import dev.pulse.heartbeat.time.MonotonicClock;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;

/**
 * What a heartbeat manager does when code it calls out to fails: a listener callback that throws, or
 * a target adapter that throws or returns {@code null} instead of a future. The manager carries on
 * (its one timer serves every target, so nothing a callback does may stop it); this class logs and
 * counts the failure.
 *
 * <p>Logging does not flood: the first failure of each {@link Callback} is a WARN with the stack
 * trace; later ones are DEBUG lines (with the trace), plus at most one WARN per {@link #SUMMARY_PERIOD}
 * and callback saying how many failed since the last WARN. Every failure is counted, in
 * {@link HeartbeatStats#callbackFailures()} and through {@link HeartbeatMetrics#onCallbackFailed}.
 *
 * <p>Thread-safety: confined to the manager's main-thread executor, like the manager.
 */
final class CallbackFailures {

  /** The calls a manager guards; {@link #label} is the method's name, used in logs and metrics. */
  enum Callback {
    NOTIFY_HEARTBEAT_TIMEOUT("notifyHeartbeatTimeout"),
    NOTIFY_TARGET_UNREACHABLE("notifyTargetUnreachable"),
    NOTIFY_TARGET_RESTARTED("notifyTargetRestarted"),
    NOTIFY_LOCAL_PAUSE("notifyLocalPause"),
    REPORT_PAYLOAD("reportPayload"),
    RETRIEVE_PAYLOAD("retrievePayload"),
    /** {@link HeartbeatTarget#requestHeartbeat}, the adapter's side. */
    REQUEST_HEARTBEAT("requestHeartbeat"),
    /** {@link HeartbeatTarget#receiveHeartbeat}, the adapter's side. */
    RECEIVE_HEARTBEAT("receiveHeartbeat");

    final String label;

    Callback(String label) {
      this.label = label;
    }
  }

  /** At most one WARN per callback in this period after the first; the rest are DEBUG. */
  static final Duration SUMMARY_PERIOD = Duration.ofMinutes(1);

  private final Logger log;
  private final ResourceId owner;
  private final MonotonicClock clock;
  private final HeartbeatMetrics metrics;
  private final long[] counts = new long[Callback.values().length];
  private final long[] countAtLastWarn = new long[Callback.values().length];
  private final long[] lastWarnAt = new long[Callback.values().length];
  private long total;

  CallbackFailures(Logger log, ResourceId owner, MonotonicClock clock, HeartbeatMetrics metrics) {
    this.log = log;
    this.owner = owner;
    this.clock = clock;
    this.metrics = metrics;
  }

  /**
   * Records that {@code callback} failed for {@code target} ({@code null} when the call concerns no
   * target, as a local pause does).
   */
  void record(Callback callback, ResourceId target, Throwable failure) {
    int i = callback.ordinal();
    counts[i]++;
    total++;
    metrics.onCallbackFailed(callback.label);
    Object about = target == null ? "heartbeat manager " + owner : target;
    long now = clock.nanoTime();
    if (counts[i] == 1) {
      log.warn("{} failed for {}; the heartbeat manager of {} carries on. Further failures of {} are logged at"
          + " DEBUG and summed up at most once every {}", callback.label, about, owner, callback.label,
          Durations.format(SUMMARY_PERIOD), failure);
    } else {
      log.debug("{} failed again for {} ({} failures so far)", callback.label, about, counts[i], failure);
      if (now - lastWarnAt[i] < SUMMARY_PERIOD.toNanos()) {
        return;
      }
      log.warn("{} failed {} more time(s) in the heartbeat manager of {}, the last for {}: {}", callback.label,
          counts[i] - countAtLastWarn[i], owner, about, failure.toString());
    }
    lastWarnAt[i] = now;
    countAtLastWarn[i] = counts[i];
  }

  /**
   * Records that a target adapter's {@code callback} returned {@code null} instead of a future.
   *
   * @return a failed future standing in for it: the RPC counts as failed, {@link RpcFailureKind#OTHER}
   */
  CompletableFuture<Void> returnedNull(Callback callback, ResourceId target) {
    IllegalStateException failure = new IllegalStateException(
        "HeartbeatTarget." + callback.label + " returned null instead of a future");
    record(callback, target, failure);
    return CompletableFuture.failedFuture(failure);
  }

  /** Failures of every callback so far. */
  long total() {
    return total;
  }
}
