package dev.pulse.rpc;

import dev.pulse.heartbeat.time.MonotonicClock;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Counts the calls a server refused as malformed ({@code INVALID_ARGUMENT}) and logs them through a
 * {@link LogThrottle}: one WARN line at the first refusal, then at most one per period with the number
 * refused since the previous line and the latest description. A flood of garbage costs a counter
 * increment per call, not a log line.
 *
 * <p>Thread-safe.
 */
final class RefusalLog {

  private static final Logger LOG = LoggerFactory.getLogger(RefusalLog.class);

  /** At most one line per minute per server. */
  static final Duration DEFAULT_PERIOD = Duration.ofMinutes(1);

  private final LogThrottle throttle;

  RefusalLog(Duration period, MonotonicClock clock) {
    this.throttle = new LogThrottle(period, clock);
  }

  /**
   * One refused call.
   *
   * @param method full method name
   * @param peer the caller's address, or {@code null} if unknown
   * @param description the status description sent to the caller, already short
   */
  void refused(String method, Object peer, String description) {
    long count = throttle.record();
    if (count > 0) {
      LOG.warn("Refused {} malformed call(s) with INVALID_ARGUMENT since the last such line; latest: {} from {}: {}"
          + " (logged at most once per {} s)", count, method, peer, description, throttle.periodSeconds());
    }
  }

  /** Every call refused so far. */
  long total() {
    return throttle.total();
  }
}
