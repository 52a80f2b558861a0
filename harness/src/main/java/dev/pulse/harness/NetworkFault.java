package dev.pulse.harness;

import java.time.Duration;

/**
 * One network fault in force on a {@link NetworkLink}, until {@link #heal()}, the end of
 * {@link #lasting(Duration)}, or {@link NetworkLink#heal()}. Faults stack: each acts as if it were alone,
 * and their effects add up (two delays add, a blackhole holds whatever a delay lets through).
 *
 * <p>Thread-safe.
 */
public interface NetworkFault {

  /**
   * Ends this fault by itself {@code duration} after this call (a timed fault), unless healed earlier.
   *
   * @return this
   * @throws IllegalArgumentException if {@code duration} is negative
   */
  NetworkFault lasting(Duration duration);

  /** Ends this fault now; other faults stay. Idempotent. */
  void heal();

  /** Whether it is still in force. */
  boolean isActive();
}
