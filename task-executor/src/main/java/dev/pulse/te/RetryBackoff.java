package dev.pulse.te;

import java.time.Duration;
import java.util.Objects;

/**
 * Exponential backoff between registration attempts: the first delay is {@code initial}, each
 * following one twice the last, never more than {@code max}; {@link #reset()} starts over. The task
 * executor's registration ({@link #forRegistration()}) waits 100 ms, 200 ms, 400 ms, ... 25.6 s, then 30 s for
 * every further attempt, and resets once a registration is accepted.
 *
 * <p>Deterministic (no jitter), so that tests can assert exact delays. Not thread-safe: owned by the
 * task executor's main thread.
 */
final class RetryBackoff {

  static final Duration REGISTRATION_INITIAL = Duration.ofMillis(100);
  static final Duration REGISTRATION_MAX = Duration.ofSeconds(30);

  private final Duration initial;
  private final Duration max;
  private Duration next;

  /**
   * @throws IllegalArgumentException unless {@code 0 < initial <= max}
   */
  RetryBackoff(Duration initial, Duration max) {
    Objects.requireNonNull(initial, "initial");
    Objects.requireNonNull(max, "max");
    if (initial.isNegative() || initial.isZero() || initial.compareTo(max) > 0) {
      throw new IllegalArgumentException("need 0 < initial <= max, got initial " + initial + ", max " + max);
    }
    this.initial = initial;
    this.max = max;
    this.next = initial;
  }

  /** The task executor's registration policy (SPEC 4): 100 ms doubling up to 30 s. */
  static RetryBackoff forRegistration() {
    return new RetryBackoff(REGISTRATION_INITIAL, REGISTRATION_MAX);
  }

  /** The delay before the next attempt; each call doubles the one after it, up to the cap. */
  Duration nextDelay() {
    Duration delay = next;
    next = delay.compareTo(max.dividedBy(2)) >= 0 ? max : delay.multipliedBy(2);
    return delay;
  }

  /** Starts over at the initial delay, e.g. after a successful attempt. */
  void reset() {
    next = initial;
  }
}
