package dev.pulse.rm;

import dev.pulse.config.Durations;
import java.time.Duration;

/**
 * Opt-in re-placement of an allocation whose task executor is lost (SPEC 10). Without one, a lost allocation
 * is reported {@code ALLOCATION_LOST} and re-placing its work is the job's business.
 *
 * <p>With one, the resource manager places the allocation on another task executor {@code backoff} after the
 * loss (same allocation id, {@code ALLOCATION_MOVED}). Each placement ended by a failure of its task executor
 * (heartbeat timeout, unreachable, restarted, recovery timeout) counts as one attempt, the first placement
 * included: a loss during attempt {@code maxAttempts} fails the allocation ({@link
 * LossReason#ATTEMPTS_EXHAUSTED}). A graceful leave of the task executor or an administrator's drain moves it
 * without counting. If no slot is free on another task executor within {@code deadline} of the loss, it fails
 * ({@link LossReason#NO_SLOT_BEFORE_DEADLINE}). A failed allocation is terminal: never placed again.
 *
 * @param maxAttempts how many counted attempts it may have, 1 to {@value #MAX_ATTEMPTS}
 * @param backoff how long after a loss the new placement is tried, 0 to 1 h
 * @param deadline how long after a loss a new placement may take at most; longer than {@code backoff}, at
 *     most 24 h (wall-clock time: it keeps running while the resource manager restarts)
 */
public record RestartPolicy(int maxAttempts, Duration backoff, Duration deadline) {

  /** The most attempts a policy may allow. */
  public static final int MAX_ATTEMPTS = 1000;
  /** The backoff of a request that gives none. */
  public static final Duration DEFAULT_BACKOFF = Duration.ofSeconds(1);
  /** The deadline of a request that gives none. */
  public static final Duration DEFAULT_DEADLINE = Duration.ofMinutes(1);

  private static final Duration MAX_BACKOFF = Duration.ofHours(1);
  private static final Duration MAX_DEADLINE = Duration.ofHours(24);

  /**
   * Checks the values; messages name the field as a request spells it ({@code restart.maxAttempts}).
   *
   * @throws IllegalArgumentException if a value is out of range
   */
  public RestartPolicy {
    if (maxAttempts < 1 || maxAttempts > MAX_ATTEMPTS) {
      throw new IllegalArgumentException("restart.maxAttempts: must be between 1 and " + MAX_ATTEMPTS + ", was "
          + maxAttempts);
    }
    if (backoff == null || backoff.isNegative() || backoff.compareTo(MAX_BACKOFF) > 0) {
      throw new IllegalArgumentException("restart.backoff: must be between 0 s and 1 h, was "
          + (backoff == null ? "missing" : Durations.format(backoff)));
    }
    if (deadline == null || deadline.compareTo(backoff) <= 0 || deadline.compareTo(MAX_DEADLINE) > 0) {
      throw new IllegalArgumentException("restart.deadline: must be longer than restart.backoff ("
          + Durations.format(backoff) + ") and at most 24 h, was "
          + (deadline == null ? "missing" : Durations.format(deadline)));
    }
  }

  /** A policy with {@link #DEFAULT_BACKOFF} and {@link #DEFAULT_DEADLINE}. */
  public static RestartPolicy ofAttempts(int maxAttempts) {
    return new RestartPolicy(maxAttempts, DEFAULT_BACKOFF, DEFAULT_DEADLINE);
  }

  @Override
  public String toString() {
    return maxAttempts + " attempt(s), backoff " + Durations.format(backoff) + ", deadline "
        + Durations.format(deadline);
  }
}
