package dev.pulse.rpc;

import dev.pulse.heartbeat.time.MonotonicClock;
import java.time.Duration;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Counts the calls a server refused as malformed ({@code INVALID_ARGUMENT}) and logs them at most
 * once per period: the first refusal at once, later ones as one WARN line with the number refused
 * since the previous line and the latest description. A flood of garbage costs a counter increment
 * per call, not a log line.
 *
 * <p>The count is written at the first refusal after the period has passed (no timer): refusals that
 * end a burst are reported with the next one, or never if none follows; {@link #total()} counts all.
 *
 * <p>Thread-safe: the decision is taken under a lock, the line is logged after it is released.
 */
final class RefusalLog {

  private static final Logger LOG = LoggerFactory.getLogger(RefusalLog.class);

  /** At most one line per minute per server. */
  static final Duration DEFAULT_PERIOD = Duration.ofMinutes(1);

  private final long periodNanos;
  private final MonotonicClock clock;
  private long total;
  /** Refusals since the last line. */
  private long unlogged;
  /** When the last line was logged; meaningful once {@link #logged}. */
  private long lastLineNanos;
  private boolean logged;

  RefusalLog(Duration period, MonotonicClock clock) {
    if (period.isNegative() || period.isZero()) {
      throw new IllegalArgumentException("period must be > 0, was " + period);
    }
    this.periodNanos = period.toNanos();
    this.clock = Objects.requireNonNull(clock, "clock");
  }

  /**
   * One refused call.
   *
   * @param method full method name
   * @param peer the caller's address, or {@code null} if unknown
   * @param description the status description sent to the caller, already short
   */
  void refused(String method, Object peer, String description) {
    long now = clock.nanoTime();
    long count;
    long sinceNanos;
    boolean first;
    synchronized (this) {
      total++;
      unlogged++;
      if (logged && now - lastLineNanos < periodNanos) {
        return;
      }
      first = !logged;
      count = unlogged;
      sinceNanos = now - lastLineNanos;
      unlogged = 0;
      lastLineNanos = now;
      logged = true;
    }
    if (first) {
      LOG.warn("Refused a malformed call to {} from {} with INVALID_ARGUMENT: {} (further refusals are counted"
          + " and logged at most once per {} s)", method, peer, description, periodNanos / 1_000_000_000L);
    } else {
      LOG.warn("Refused {} malformed call(s) with INVALID_ARGUMENT in the last {} s; latest: {} from {}: {}", count,
          sinceNanos / 1_000_000_000L, method, peer, description);
    }
  }

  /** Every call refused so far. */
  synchronized long total() {
    return total;
  }
}
