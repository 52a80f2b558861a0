package dev.pulse.heartbeat.time;

import java.util.function.LongSupplier;

/**
 * A monotonic time source in nanoseconds, the only kind of time Pulse's liveness logic uses.
 *
 * <p>Readings never decrease and are always greater than zero, so {@code 0} and negative values are
 * free to mean "never" and "unknown". Readings are meaningful only relative to each other on the same
 * clock; they are not wall-clock time. Implementations must be thread-safe.
 */
@FunctionalInterface
public interface MonotonicClock {

  /** Current reading in nanoseconds, {@code > 0}, never less than a previous reading. */
  long nanoTime();

  /**
   * The process's monotonic clock, counted from the moment this class was loaded plus one
   * nanosecond, so that readings stay positive.
   */
  static MonotonicClock system() {
    return SystemClock.INSTANCE;
  }

  /** Holder for the system clock: the one place in the core where real time is read. */
  final class SystemClock implements MonotonicClock {
    private static final LongSupplier SOURCE = System::nanoTime;
    static final SystemClock INSTANCE = new SystemClock();
    private final long origin = SOURCE.getAsLong() - 1;

    private SystemClock() {}

    @Override
    public long nanoTime() {
      return SOURCE.getAsLong() - origin;
    }
  }
}
