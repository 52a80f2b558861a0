package dev.pulse.rpc;

import io.grpc.CallOptions;
import io.grpc.Deadline;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * The call options of heartbeat calls: answered on the transport thread that receives them (the
 * answer is only checked and queued, no need for another thread hop) and with a deadline of one
 * interval.
 *
 * <p>A gRPC deadline is a point in time, so options with a deadline cannot be built once for good.
 * They are built once per {@link #REUSE} instead and shared by every call started in it: the sender
 * asks a whole phase of targets within a fraction of a millisecond, so a phase costs one options
 * object, not one per heartbeat. A call therefore gets a deadline between {@code interval - REUSE}
 * and {@code interval} after it starts, never longer than the interval (SPEC 3).
 *
 * <p>Thread-safe: the current options are one immutable holder behind a volatile field; two threads
 * that renew at once build one each, and either is correct.
 */
final class CallDeadlines {

  /** How long one options object is handed out. */
  static final Duration REUSE = Duration.ofMillis(1);

  private static final CallOptions ON_TRANSPORT_THREAD = CallOptions.DEFAULT.withExecutor(Runnable::run);
  private static final long REUSE_NANOS = REUSE.toNanos();

  private final long deadlineNanos;
  private final Deadline.Ticker ticker;
  private volatile Current current;

  /** @param deadline the longest a call may take: the heartbeat interval */
  CallDeadlines(Duration deadline) {
    this(deadline, Deadline.getSystemTicker());
  }

  CallDeadlines(Duration deadline, Deadline.Ticker ticker) {
    this.deadlineNanos = deadline.toNanos();
    this.ticker = ticker;
  }

  /** Options for a call starting now. */
  CallOptions current() {
    long now = ticker.nanoTime();
    Current c = current;
    if (c == null || now - c.builtAt >= REUSE_NANOS) {
      c = new Current(now, ON_TRANSPORT_THREAD.withDeadline(
          Deadline.after(deadlineNanos, TimeUnit.NANOSECONDS, ticker)));
      current = c;
    }
    return c.options;
  }

  private record Current(long builtAt, CallOptions options) {}
}
