package dev.pulse.rpc;

import java.lang.management.ManagementFactory;
import java.lang.management.OperatingSystemMXBean;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The process's open file descriptors against its limit ({@code ulimit -n}, systemd's
 * {@code LimitNOFILE}), sampled once a second on a daemon thread of its own, so that a server can
 * refuse new work while it still has descriptors to spare instead of failing to accept connections.
 *
 * <p>Every connection is a descriptor: a resource manager holds about one per task executor (its
 * heartbeat channel) plus the task executors' own connections while they call it. Running out is
 * silent in Netty (it retries accepting once a second and logs a stack trace each time) and starves
 * everything at once, the REST API included. So: near the limit ({@link #reserve()} descriptors or
 * fewer left), {@link #nearLimit()} turns true and one warning is logged; one line again when it clears.
 *
 * <p>Counting reads {@code /proc/self/fd}, which costs time proportional to the open descriptors:
 * that is why it runs off every hot path, and why {@link #nearLimit()} only reads a volatile field.
 * Where the platform cannot tell (not a Unix JVM), it never reports a limit.
 *
 * <p>Thread-safe.
 */
public final class OpenFiles implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(OpenFiles.class);

  /** Where the numbers come from; {@code -1} for unknown. */
  public interface Source {
    long open();

    long limit();

    /** A source that asks the two suppliers. */
    static Source of(LongSupplier open, LongSupplier limit) {
      return new Source() {
        @Override
        public long open() {
          return open.getAsLong();
        }

        @Override
        public long limit() {
          return limit.getAsLong();
        }
      };
    }
  }

  private final Source source;
  private final String owner;
  private final ScheduledExecutorService sampler;
  private volatile long open = -1;
  private volatile long limit = -1;
  /** Whether the last sample was near the limit: for logging the changes only. */
  private boolean nearAtLastSample;
  /** Descriptors opened (+) and closed (-) since the last sample, as told by {@link #opened()}/{@link #closed()}. */
  private final AtomicLong sinceSample = new AtomicLong();

  private OpenFiles(Source source, String owner, ScheduledExecutorService sampler) {
    this.source = source;
    this.owner = owner;
    this.sampler = sampler;
  }

  /** Samples the JVM's own descriptors every {@code period} until closed. */
  public static OpenFiles watch(String owner, Duration period) {
    ScheduledExecutorService sampler = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "pulse-open-files");
      t.setDaemon(true);
      return t;
    });
    OpenFiles files = new OpenFiles(system(), owner, sampler);
    files.sample();
    sampler.scheduleWithFixedDelay(files::sampleQuietly, period.toNanos(), period.toNanos(), TimeUnit.NANOSECONDS);
    return files;
  }

  /** For tests: numbers from {@code source}, sampled only when {@link #sample()} is called. */
  public static OpenFiles of(String owner, Source source) {
    return new OpenFiles(Objects.requireNonNull(source, "source"), owner, null);
  }

  /** The JVM's own descriptors, from {@code com.sun.management.UnixOperatingSystemMXBean}. */
  public static Source system() {
    OperatingSystemMXBean os = ManagementFactory.getOperatingSystemMXBean();
    if (os instanceof com.sun.management.UnixOperatingSystemMXBean unix) {
      return Source.of(unix::getOpenFileDescriptorCount, unix::getMaxFileDescriptorCount);
    }
    return Source.of(() -> -1, () -> -1);
  }

  /**
   * How many descriptors are kept back: an eighth of the limit, at least 32 and at most 1,000 (a
   * limit of 256 refuses new work from 224 open; one of 20,000 from 19,000).
   */
  public static long reserveFor(long limit) {
    return Math.max(32, Math.min(1_000, limit / 8));
  }

  /** Reads the numbers now and updates {@link #nearLimit()}; logs when it changes. Not concurrently. */
  public synchronized void sample() {
    long l = source.limit();
    long o = source.open();
    if (l <= 0) {
      limit = -1;
      return;
    }
    if (o < 0) {
      // The count itself needs a descriptor (to list /proc/self/fd): none left is as near as it gets.
      o = l;
    }
    sinceSample.set(0);
    open = o;
    limit = l;
    boolean near = l - o <= reserveFor(l);
    if (near != nearAtLastSample) {
      nearAtLastSample = near;
      if (near) {
        LOG.warn("{} is near its open-files limit: {} of {} descriptors in use; refusing new task executors until"
            + " some are released. Raise the limit (ulimit -n, systemd LimitNOFILE): one descriptor per task"
            + " executor plus {} of headroom.", owner, o, l, reserveFor(l));
      } else {
        LOG.info("{} is below its open-files limit again: {} of {} descriptors in use", owner, o, l);
      }
    }
  }

  /**
   * Whether at most {@link #reserve()} descriptors are left: the last sample, corrected by what was
   * {@linkplain #opened() opened} and {@linkplain #closed() closed} since (a burst of connections can
   * use up a limit well within one sampling period). Never blocks.
   */
  public boolean nearLimit() {
    long l = limit;
    return l > 0 && l - (open + sinceSample.get()) <= reserveFor(l);
  }

  /** A descriptor was just opened (an accepted connection, a new channel); counted until the next sample. */
  public void opened() {
    sinceSample.incrementAndGet();
  }

  /** A descriptor counted by {@link #opened()}, or one older, was just closed. */
  public void closed() {
    sinceSample.decrementAndGet();
  }

  /** Descriptors in use at the last sample, or -1 if unknown. */
  public long open() {
    return open;
  }

  /** The limit at the last sample, or -1 if unknown. */
  public long limit() {
    return limit;
  }

  /** Descriptors kept back at the current limit, or -1 if the limit is unknown. */
  public long reserve() {
    long l = limit;
    return l <= 0 ? -1 : reserveFor(l);
  }

  private void sampleQuietly() {
    try {
      sample();
    } catch (RuntimeException e) {
      LOG.debug("Could not count open files", e);
    }
  }

  @Override
  public void close() {
    if (sampler != null) {
      sampler.shutdownNow();
    }
  }
}
