package dev.pulse.te;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.DoubleSupplier;

/**
 * Exponential backoff with full jitter between registration attempts. The <em>ceiling</em> of the first
 * delay is {@code initial}, each following ceiling twice the last, never more than {@code max}; each delay
 * is a random fraction of its ceiling ("full jitter"), so that task executors cut off together do not
 * come back together: after a healed partition their registrations spread over the whole ceiling instead
 * of arriving as one storm. {@link #reset()} starts over. The task executor's registration
 * ({@link #forRegistration()}) has ceilings of 100 ms, 200 ms, 400 ms, ... 25.6 s, then 30 s for every
 * further attempt, and resets once a registration is accepted or refused with a retry hint
 * ({@link #nextDelay(Duration)}).
 *
 * <p>The randomness is injected: tests pass a seeded source, or {@code () -> 1.0} for the ceilings
 * themselves. Public so that simulated task executors (the fan-out benchmark's farm) retry by the same rule
 * as the real one. Not thread-safe: owned by the task executor's main thread.
 */
public final class RetryBackoff {

  static final Duration REGISTRATION_INITIAL = Duration.ofMillis(100);
  static final Duration REGISTRATION_MAX = Duration.ofSeconds(30);
  /** Longest wait before a task executor opens its heartbeat stream to the resource manager again. */
  public static final Duration HEARTBEAT_STREAM_MAX = Duration.ofSeconds(2);
  /** After a refusal with a retry hint, the jitter window is at least this fraction of the hint (a quarter). */
  static final int HINT_JITTER_SHARE = 4;

  private final Duration initial;
  private final Duration max;
  private final DoubleSupplier jitter;
  private Duration next;

  /**
   * Without jitter: every delay is its ceiling.
   *
   * @throws IllegalArgumentException unless {@code 0 < initial <= max}
   */
  RetryBackoff(Duration initial, Duration max) {
    this(initial, max, () -> 1.0);
  }

  /**
   * @param jitter returns a fraction in {@code [0, 1]}: each delay is that fraction of its ceiling
   * @throws IllegalArgumentException unless {@code 0 < initial <= max}
   */
  RetryBackoff(Duration initial, Duration max, DoubleSupplier jitter) {
    Objects.requireNonNull(initial, "initial");
    Objects.requireNonNull(max, "max");
    if (initial.isNegative() || initial.isZero() || initial.compareTo(max) > 0) {
      throw new IllegalArgumentException("need 0 < initial <= max, got initial " + initial + ", max " + max);
    }
    this.initial = initial;
    this.max = max;
    this.jitter = Objects.requireNonNull(jitter, "jitter");
    this.next = initial;
  }

  /** The task executor's registration policy (SPEC 4, 11): ceilings of 100 ms doubling up to 30 s, full jitter. */
  public static RetryBackoff forRegistration() {
    return forRegistration(() -> ThreadLocalRandom.current().nextDouble());
  }

  /**
   * The policy for opening the heartbeat stream to the resource manager again after it ended: ceilings of
   * 100 ms doubling up to {@link #HEARTBEAT_STREAM_MAX}, full jitter. Short, since while the stream is down the
   * resource manager's heartbeat requests fail (a few in a row and the task executor counts as unreachable).
   */
  public static RetryBackoff forHeartbeatStream() {
    return new RetryBackoff(REGISTRATION_INITIAL, HEARTBEAT_STREAM_MAX, () -> ThreadLocalRandom.current().nextDouble());
  }

  /** As {@link #forRegistration()}, with the fractions from {@code jitter} (a seeded source in tests). */
  static RetryBackoff forRegistration(DoubleSupplier jitter) {
    return new RetryBackoff(REGISTRATION_INITIAL, REGISTRATION_MAX, jitter);
  }

  /** The delay before the next attempt, at most its ceiling; each call doubles the ceiling after it, up to the cap. */
  public Duration nextDelay() {
    return jittered(nextCeiling());
  }

  /**
   * The delay before the next attempt when the last one was refused with a hint to wait at least
   * {@code retryAfter} (the resource manager sheds load): the hint, capped at {@code max}, plus a random
   * fraction of the larger of {@code initial} and a quarter of the hint. So no attempt comes before the
   * hint, and task executors told the same hint spread over a window of at least a quarter of it instead of
   * returning together when it ends. The hint takes the place of the backoff, as a server's pushback does in
   * gRPC's own retries: the resource manager answered, so it is up and has said when to come back, and the
   * ceiling starts over at {@code initial} (as after an accepted registration). Neither a ceiling grown while
   * it was unreachable nor one grown by its earlier refusals widens the window: the resource manager paces
   * its hints (each task executor refused in a burst is told a later return than the one before), so the
   * spread is already in the hints, and a window as wide as a 20 s hint, or a ceiling doubled by eight
   * refusals in a row, would hold the last of a start-up storm back by tens of seconds for nothing.
   */
  public Duration nextDelay(Duration retryAfter) {
    Duration hint = retryAfter.compareTo(max) > 0 ? max : retryAfter;
    reset();
    Duration quarter = hint.dividedBy(HINT_JITTER_SHARE);
    return hint.plus(jittered(initial.compareTo(quarter) >= 0 ? initial : quarter));
  }

  /** This attempt's ceiling; doubles the next one, up to the cap. */
  private Duration nextCeiling() {
    Duration ceiling = next;
    next = ceiling.compareTo(max.dividedBy(2)) >= 0 ? max : ceiling.multipliedBy(2);
    return ceiling;
  }

  /** A random fraction of {@code window} (full jitter). */
  private Duration jittered(Duration window) {
    double fraction = Math.min(1.0, Math.max(0.0, jitter.getAsDouble()));
    return Duration.ofNanos(Math.round(window.toNanos() * fraction));
  }

  /** Starts over at the initial delay, e.g. after a successful attempt. */
  public void reset() {
    next = initial;
  }
}
