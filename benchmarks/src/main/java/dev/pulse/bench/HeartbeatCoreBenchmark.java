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
 *       answers. At once ({@code pulse}, {@code pulse-realclock}, {@code flink}): it returns the one
 *       shared, already completed future {@link #ANSWERED}, and the benchmark hands each noted id
 *       back to the manager's {@code receiveHeartbeat}. Later ({@code pulse-pending},
 *       {@code flink-pending}), the production path, since a network answer is never there when the
 *       request returns: Flink's target returns a fresh future, which the benchmark completes after
 *       handing the heartbeat to {@code receiveHeartbeat}; Pulse's target keeps its answer handle, to
 *       which the benchmark reports the heartbeat, and Pulse's main thread runs after every
 *       {@link #batch} answers. Both directions carry the same payload object {@link #PAYLOAD}; the
 *       listeners only return it and count losses.
 *   <li>Single-threaded: everything runs on the benchmark thread. Flink's main-thread executor runs
 *       tasks directly; Pulse's main thread is heartbeat-core's deterministic
 *       {@code ManualMainThreadExecutor}, whose clock the benchmark advances by one interval.
 *   <li>Clock reads: Flink reads the real clock, Pulse with {@code impl=pulse} a field of the manual
 *       executor, which is free. {@code pulse-realclock} and {@code pulse-pending} make each of
 *       Pulse's clock reads also call {@code System.nanoTime()}, as a production clock read would.
 *       The goal (SPEC 8) is {@code pulse-pending} against {@code flink-pending}.
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
   * Which heartbeat manager to measure, and how its targets answer: {@code pulse}, {@code
   * pulse-realclock} (Pulse paying for a real clock read wherever it reads its clock) and {@code
   * flink} answer at once, with an already completed future; {@code pulse-pending} (real clock reads)
   * and {@code flink-pending} answer later, as over a network, which is the production path: see
   * {@link PulseSenderFixture} and {@link FlinkSenderFixture}.
   */
  @Param({"pulse", "pulse-realclock", "pulse-pending", "flink", "flink-pending"})
  public String impl;

  /** {@code pulse-pending} only: answers per main-thread drain (one task, one clock reading each). */
  @Param({"16"})
  public int batch;

  /** Number of monitored targets; the goal (SPEC 8) is set at 10,000. */
  @Param({"1000", "10000", "100000"})
  public int targets;

  private SenderFixture sender;

  @Setup(Level.Trial)
  public void setUp() {
    sender = switch (impl) {
      case "pulse" -> new PulseSenderFixture(targets, false, 0);
      case "pulse-realclock" -> new PulseSenderFixture(targets, true, 0);
      case "pulse-pending" -> new PulseSenderFixture(targets, true, batch);
      case "flink" -> new FlinkSenderFixture(targets, false);
      case "flink-pending" -> new FlinkSenderFixture(targets, true);
      default -> throw new IllegalArgumentException(
          "impl must be pulse, pulse-realclock, pulse-pending, flink or flink-pending, was " + impl);
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
