package dev.pulse.rpc;

import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.ScheduledFuture;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.function.LongConsumer;
import java.util.function.LongSupplier;

/**
 * Measures how late a transport's event loops run what they are given: every {@code period}, each event
 * loop runs a small task, and the time it ran past its due time is reported (nanoseconds, 0 when on time).
 * An event loop that is late reads and writes every call late too, so a server that sees this lag rise
 * is too busy for more work. Costs one timer task per event loop and period.
 *
 * <p>Thread-safe. The consumer is called on the event loop threads, so it must be quick and thread-safe.
 * {@link #close()} stops the measuring.
 */
public final class EventLoopLag implements AutoCloseable {

  private final List<ScheduledFuture<?>> probes = new ArrayList<>();

  private EventLoopLag(RpcTransport transport, Duration period, LongSupplier nanoClock, LongConsumer lags) {
    long periodNanos = period.toNanos();
    for (EventExecutor loop : transport.eventLoops()) {
      Probe probe = new Probe(nanoClock, periodNanos, lags);
      probe.dueAt = nanoClock.getAsLong() + periodNanos;
      probes.add(loop.scheduleWithFixedDelay(probe, periodNanos, periodNanos, TimeUnit.NANOSECONDS));
    }
  }

  /**
   * Starts measuring the event loops of {@code transport}.
   *
   * @param period how often each event loop is probed, more than zero
   * @param lags told each lag in nanoseconds, on the event loop's thread
   */
  public static EventLoopLag watch(RpcTransport transport, Duration period, LongConsumer lags) {
    Objects.requireNonNull(transport, "transport");
    Objects.requireNonNull(lags, "lags");
    if (period.isNegative() || period.isZero()) {
      throw new IllegalArgumentException("period must be positive, was " + period);
    }
    return new EventLoopLag(transport, period, System::nanoTime, lags);
  }

  @Override
  public void close() {
    for (ScheduledFuture<?> probe : probes) {
      probe.cancel(false);
    }
  }

  /** One event loop's probe; runs only on that loop. With a fixed delay, the next is due a period after this ran. */
  private static final class Probe implements Runnable {
    private final LongSupplier nanoClock;
    private final long periodNanos;
    private final LongConsumer lags;
    private long dueAt;

    Probe(LongSupplier nanoClock, long periodNanos, LongConsumer lags) {
      this.nanoClock = nanoClock;
      this.periodNanos = periodNanos;
      this.lags = lags;
    }

    @Override
    public void run() {
      long now = nanoClock.getAsLong();
      lags.accept(Math.max(0, now - dueAt));
      dueAt = now + periodNanos;
    }
  }
}
