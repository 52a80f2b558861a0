package dev.pulse.rm;

import dev.pulse.heartbeat.time.ManualMainThreadExecutor;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;

/**
 * A wall clock (UTC) that moves with a test's fake monotonic clock: {@code epochMillis} at the moment it is
 * made, then every nanosecond {@code main} advances. Lets a test turn the epoch milliseconds the core writes
 * (event times, {@code quarantinedUntil}) back into fake-clock instants. As thread-safe as {@code main}.
 */
final class FollowingClock extends Clock {

  private final ManualMainThreadExecutor main;
  private final long epochMillis;
  private final long startNanos;

  FollowingClock(ManualMainThreadExecutor main, long epochMillis) {
    this.main = main;
    this.epochMillis = epochMillis;
    this.startNanos = main.nanoTime();
  }

  /** The fake-clock instant at which this clock reads {@code millis}. */
  long nanosAt(long millis) {
    return startNanos + (millis - epochMillis) * 1_000_000;
  }

  @Override
  public ZoneId getZone() {
    return ZoneOffset.UTC;
  }

  @Override
  public Clock withZone(ZoneId zone) {
    return this;
  }

  @Override
  public Instant instant() {
    return Instant.ofEpochMilli(epochMillis + (main.nanoTime() - startNanos) / 1_000_000);
  }
}
