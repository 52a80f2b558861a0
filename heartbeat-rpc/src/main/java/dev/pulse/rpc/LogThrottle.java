package dev.pulse.rpc;

import dev.pulse.heartbeat.time.MonotonicClock;
import java.time.Duration;
import java.util.Objects;

/**
 * Decides when an event that a caller can repeat at will may be logged: the first at once, then at
 * most once per period, with the number of events since the previous line. A flood then costs a
 * counter increment per event, not a log line.
 *
 * <p>There is no timer: the count is reported at the first event after the period has passed, so the
 * events that end a burst are reported with the next one, or never if none follows; {@link #total()}
 * counts them all.
 *
 * <p>Thread-safe; the caller logs after {@link #record()} returns, outside any lock.
 */
public final class LogThrottle {

  private final long periodNanos;
  private final MonotonicClock clock;
  private long total;
  /** Events since the last line. */
  private long unlogged;
  /** When the last line was allowed; meaningful once {@link #logged}. */
  private long lastLineNanos;
  private boolean logged;

  /**
   * @param period the least time between two lines, &gt; 0
   * @param clock the time source (a main thread's, or {@link MonotonicClock#system()})
   */
  public LogThrottle(Duration period, MonotonicClock clock) {
    if (period.isNegative() || period.isZero()) {
      throw new IllegalArgumentException("period must be > 0, was " + period);
    }
    this.periodNanos = period.toNanos();
    this.clock = Objects.requireNonNull(clock, "clock");
  }

  /**
   * Counts one event.
   *
   * @return 0 if it must not be logged; otherwise the number of events since the previous line, this
   *     one included, to log now
   */
  public synchronized long record() {
    long now = clock.nanoTime();
    total++;
    unlogged++;
    if (logged && now - lastLineNanos < periodNanos) {
      return 0;
    }
    long count = unlogged;
    unlogged = 0;
    lastLineNanos = now;
    logged = true;
    return count;
  }

  /** Every event recorded so far. */
  public synchronized long total() {
    return total;
  }

  /** The period in whole seconds, for log lines. */
  public long periodSeconds() {
    return periodNanos / 1_000_000_000L;
  }
}
