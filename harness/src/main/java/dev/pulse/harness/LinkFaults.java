package dev.pulse.harness;

import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The faults in force on one {@link NetworkLink} and what they mean for one chunk of bytes: whether it is
 * held, how late it arrives, and whether a connection is refused. {@link FaultProxy} asks; it does not
 * know the kinds of fault.
 *
 * <p>Thread-safe: faults are added and healed from any thread (a test, a timer); the proxy reads them on
 * its event loops. Random draws are serialized on one {@link Random}, so a fixed seed gives a fixed
 * sequence of draws (which chunk gets which draw still depends on how the bytes were split into reads).
 */
final class LinkFaults {

  /** Linux's minimum TCP retransmission timeout, the first wait after a loss on a fast link. */
  static final long RETRANSMISSION_TIMEOUT_NANOS = TimeUnit.MILLISECONDS.toNanos(200);
  /** Linux's cap on the retransmission timeout. */
  static final long MAX_RETRANSMISSION_TIMEOUT_NANOS = TimeUnit.SECONDS.toNanos(120);

  enum Kind { BLACKHOLE, REFUSE, LOSS, DELAY, BANDWIDTH }

  private final List<Fault> active = new CopyOnWriteArrayList<>();
  private final AtomicLong retransmissions = new AtomicLong();
  private final AtomicLong longestLossNanos = new AtomicLong();
  private final Random random;
  private final ScheduledExecutorService timer;
  private final Runnable onChange;

  /**
   * @param timer ends timed faults
   * @param onChange called after every change (outside any lock), so held bytes can move on
   */
  LinkFaults(long seed, ScheduledExecutorService timer, Runnable onChange) {
    this.random = new Random(seed);
    this.timer = timer;
    this.onChange = onChange;
  }

  /** Puts a fault in force; {@code value} and {@code jitter} mean what its kind needs (see {@link NetworkLink}). */
  Fault add(Kind kind, Direction[] directions, double value, long jitter) {
    Fault f = new Fault(kind, directions.length == 0 ? EnumSet.allOf(Direction.class) : EnumSet.of(directions[0], directions),
        value, jitter);
    active.add(f);
    onChange.run();
    return f;
  }

  /** Ends every fault. */
  void clear() {
    active.clear();
    onChange.run();
  }

  boolean holds(Direction d) {
    return any(Kind.BLACKHOLE, d);
  }

  boolean refuses(Direction d) {
    return any(Kind.REFUSE, d);
  }

  /**
   * How much later than it was read one chunk going {@code d} arrives: the delays' draws plus, per loss
   * fault, the retransmission timeouts of every time it is lost (200 ms, 400 ms, ...).
   */
  long lateness(Direction d) {
    long nanos = 0;
    for (Fault f : active) {
      if (!f.directions.contains(d)) {
        continue;
      }
      if (f.kind == Kind.DELAY) {
        long mean = (long) f.value;
        long drawn = f.jitter == 0 ? mean : mean - f.jitter + (long) (draw() * (2 * f.jitter + 1));
        nanos += Math.max(0, drawn);
      } else if (f.kind == Kind.LOSS) {
        long rto = RETRANSMISSION_TIMEOUT_NANOS;
        long lossNanos = 0;
        while (draw() < f.value) {
          lossNanos += rto;
          rto = Math.min(2 * rto, MAX_RETRANSMISSION_TIMEOUT_NANOS);
          retransmissions.incrementAndGet();
        }
        longestLossNanos.accumulateAndGet(lossNanos, Math::max);
        nanos += lossNanos;
      }
    }
    return nanos;
  }

  /** How many times a chunk was lost and sent again, since this link was made. */
  long retransmissions() {
    return retransmissions.get();
  }

  /** The longest wait for one chunk's retransmissions, since this link was made. */
  Duration longestLoss() {
    return Duration.ofNanos(longestLossNanos.get());
  }

  /** The smallest bandwidth in force going {@code d}, in bytes per second; 0 when unlimited. */
  long bytesPerSecond(Direction d) {
    long min = 0;
    for (Fault f : active) {
      if (f.kind == Kind.BANDWIDTH && f.directions.contains(d)) {
        min = min == 0 ? (long) f.value : Math.min(min, (long) f.value);
      }
    }
    return min;
  }

  private boolean any(Kind kind, Direction d) {
    for (Fault f : active) {
      if (f.kind == kind && f.directions.contains(d)) {
        return true;
      }
    }
    return false;
  }

  private double draw() {
    synchronized (random) {
      return random.nextDouble();
    }
  }

  /** One fault in force. */
  final class Fault implements NetworkFault {
    final Kind kind;
    final Set<Direction> directions;
    /** Nanoseconds of delay, a probability, or bytes per second. */
    final double value;
    final long jitter;

    private Fault(Kind kind, Set<Direction> directions, double value, long jitter) {
      this.kind = kind;
      this.directions = directions;
      this.value = value;
      this.jitter = jitter;
    }

    @Override
    public NetworkFault lasting(Duration duration) {
      if (duration.isNegative()) {
        throw new IllegalArgumentException("duration must be >= 0, was " + duration);
      }
      timer.schedule(this::heal, duration.toNanos(), TimeUnit.NANOSECONDS);
      return this;
    }

    @Override
    public void heal() {
      if (active.remove(this)) {
        onChange.run();
      }
    }

    @Override
    public boolean isActive() {
      return active.contains(this);
    }

    @Override
    public String toString() {
      return kind + " " + directions;
    }
  }
}
