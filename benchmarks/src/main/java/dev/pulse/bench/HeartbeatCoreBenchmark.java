package dev.pulse.bench;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * CPU and allocation cost of one full heartbeat interval of a heartbeat <em>sender</em> that watches
 * {@code targets} targets: Pulse's core ({@code impl=pulse} and {@code impl=pulse-realclock})
 * against Flink's own heartbeat manager from flink-runtime ({@code impl=flink}), in the same run.
 *
 * <h2>One operation</h2>
 * One operation is one heartbeat interval (10 s of heartbeat time, run as fast as the CPU allows):
 * the sender asks every one of the {@code targets} targets for a heartbeat exactly once, then every
 * target answers exactly once. That is {@code targets} heartbeat requests plus {@code targets}
 * received heartbeats, including all the timer work the manager does for them. The score is the
 * average time per interval; divide it, and {@code gc.alloc.rate.norm} from {@code -prof gc}, by
 * {@code targets} for the cost per heartbeat.
 *
 * <h2>Why the comparison is fair</h2>
 * <ul>
 *   <li>Same settings: interval 10 s, timeout 50 s, 2 failed RPCs in a row until unreachable. Pulse
 *       spreads its requests over the interval (its default), so its timer runs 1000 slots per
 *       interval whatever the number of targets; that cost is part of the measurement.
 *   <li>Same work: both senders request through the same kind of target, which notes its id and
 *       returns the one shared, already completed future {@link #ANSWERED}, so the transport costs
 *       nothing and no thread is involved. Then the benchmark hands each noted id back to the
 *       manager's {@code receiveHeartbeat}: the answer. Both directions carry the same payload object
 *       {@link #PAYLOAD}; the listeners only return it and count losses.
 *   <li>Single-threaded: everything runs on the benchmark thread. Flink's main-thread executor runs
 *       tasks directly; Pulse's main thread is heartbeat-core's deterministic
 *       {@code ManualMainThreadExecutor}, whose clock the benchmark advances by one interval.
 *   <li>Clock reads: Flink reads the real clock, Pulse with {@code impl=pulse} a field of the manual
 *       executor, which is free. {@code impl=pulse-realclock} makes each of Pulse's clock reads also
 *       call {@code System.nanoTime()}, as a production clock read would; compare Flink with both.
 *   <li>Each manager keeps its timers the way it does in production: Pulse's one wake-up timer, on the
 *       manual executor; Flink's one timeout per target, cancelled and scheduled again on every
 *       received heartbeat, on a real {@link java.util.concurrent.ScheduledThreadPoolExecutor} (see
 *       {@link FlinkSenderFixture} for how Flink's sender is driven).
 *   <li>Checked: each interval must ask exactly {@code targets} targets, and the trial fails at
 *       tear-down if any target was lost or the request count differs from intervals x targets.
 * </ul>
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@State(Scope.Thread)
@Fork(3)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
public class HeartbeatCoreBenchmark {

  static final Duration INTERVAL = Duration.ofSeconds(10);
  static final Duration TIMEOUT = Duration.ofSeconds(50);
  static final int RPC_FAILURE_THRESHOLD = 2;

  /** The payload of every request and every heartbeat, both ways and for both managers. */
  static final Object PAYLOAD = new Object();

  /** What every benchmark target returns for a heartbeat request: answered at once, successfully. */
  static final CompletableFuture<Void> ANSWERED = CompletableFuture.completedFuture(null);

  /**
   * Which heartbeat manager to measure: {@code pulse}, {@code pulse-realclock} (Pulse paying for a
   * real clock read wherever it reads its clock, see {@link PulseSenderFixture}) or {@code flink}.
   */
  @Param({"pulse", "pulse-realclock", "flink"})
  public String impl;

  /** Number of monitored targets. */
  @Param({"1000", "10000", "100000"})
  public int targets;

  private SenderFixture sender;

  @Setup(Level.Trial)
  public void setUp() {
    sender = switch (impl) {
      case "pulse" -> new PulseSenderFixture(targets, false);
      case "pulse-realclock" -> new PulseSenderFixture(targets, true);
      case "flink" -> new FlinkSenderFixture(targets);
      default -> throw new IllegalArgumentException("impl must be pulse, pulse-realclock or flink, was " + impl);
    };
  }

  /** One heartbeat interval: {@code targets} requests and {@code targets} received heartbeats. */
  @Benchmark
  public int heartbeatInterval() {
    int answered = sender.runInterval();
    if (answered != targets) {
      throw new IllegalStateException(impl + " asked " + answered + " of " + targets + " targets in one interval");
    }
    return answered;
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    sender.verifyAndStop();
  }

  /** A heartbeat sender under measurement, with its targets monitored. */
  interface SenderFixture {

    /**
     * Runs one heartbeat interval: the sender asks its targets, and each asked target answers.
     *
     * @return the number of targets asked
     */
    int runInterval();

    /**
     * Stops the sender, after checking that no target was lost and that every interval asked every
     * target once.
     *
     * @throws IllegalStateException if a check failed
     */
    void verifyAndStop();
  }

  /** Throws {@link IllegalStateException} with {@code message} unless {@code condition} holds. */
  static void check(boolean condition, String message) {
    if (!condition) {
      throw new IllegalStateException(message);
    }
  }

  /**
   * The ids of the targets a sender asked in the current interval, in order; the benchmark answers
   * each of them afterwards. Allocates nothing after construction.
   *
   * @param <K> the manager's resource id type
   */
  static final class AskedTargets<K> {
    private final Object[] ids;
    private int count;
    private long total;

    AskedTargets(int capacity) {
      ids = new Object[capacity];
    }

    void add(K id) {
      check(count < ids.length, "more requests than targets in one interval");
      ids[count++] = id;
      total++;
    }

    /** Targets asked in the current interval. */
    int count() {
      return count;
    }

    @SuppressWarnings("unchecked")
    K get(int index) {
      return (K) ids[index];
    }

    /** Starts a new interval. */
    void clear() {
      count = 0;
    }

    /** Targets asked since construction, all intervals together. */
    long total() {
      return total;
    }
  }
}
