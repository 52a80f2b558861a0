package dev.pulse.heartbeat;

import dev.pulse.heartbeat.CallbackFailures.Callback;
import dev.pulse.heartbeat.time.MainThreadExecutor;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;
import java.util.function.BiConsumer;

/**
 * The sending heartbeat manager: asks every monitored target for a heartbeat once per interval.
 *
 * <h2>Spread</h2>
 * The interval is cut into {@code phases} equal <em>phases</em> (the timer's grid; in Pulse "slot"
 * means a task slot only) and each target is given a fixed one when it is monitored: the least loaded phase, ties broken in van der Corput order
 * (0, 1/2, 1/4, 3/4, ... of the interval), so a few targets are spaced as far apart as possible and
 * many fill every phase evenly. Each timer phase asks only its own bucket, so N targets cost N/phases
 * requests per phase instead of one burst of N. With {@code heartbeat.spread=false} there is a single
 * phase and every target is asked at once, as in Flink.
 *
 * <h2>After a stall</h2>
 * When the main thread stalls for part of an interval, the phases it missed are not asked in one
 * burst. Rule: a wake-up runs at most two phases, the oldest one due and one more, and while behind
 * the timer keeps to the phase grid; so the timer gains one phase per wake-up until it has caught up.
 * No wake-up asks more than two buckets (about {@code 2 N / phases} targets). Bounds kept: no phase is
 * run later than the stall's length after its time (the oldest missed phase runs first, at the
 * resume, as before), so the spreading delays no request beyond what the stall itself did; a stall
 * of {@code s} phases is caught up {@code s} phase widths after the resume, and every target is asked
 * within one interval of the resume. A stall of a whole interval or more skips the missed phases
 * (see {@link HeartbeatManagerImpl}).
 *
 * <h2>At most one request in flight</h2>
 * A target whose previous request has not completed is skipped in its phase (and counted). Transport
 * deadlines are no longer than the interval, so a skip means the transport is overloaded or broken.
 *
 * <h2>Allocation</h2>
 * A request whose future is already complete when returned is handled inline. Otherwise the
 * target's one reusable completion handler is attached; it hands the outcome back to the main thread.
 *
 * <p>Thread-safety: confined to the main-thread executor, like its base class.
 */
final class HeartbeatManagerSenderImpl<I, O> extends HeartbeatManagerImpl<I, O> {

  /** Target width of one phase: fine enough to smooth bursts, coarse enough to keep the timer idle. */
  static final Duration PHASE_WIDTH = Duration.ofMillis(10);
  /** Upper bound on phases per interval, bounding the per-target cost of choosing a phase. */
  static final int MAX_PHASES = 1000;

  private final HeartbeatMonitor<O>[] bucketHeads;
  private final HeartbeatMonitor<O>[] bucketTails;
  private final int[] bucketSizes;
  /** Bucket indexes in the order phases are handed out. */
  private final int[] phaseOrder;

  @SuppressWarnings("unchecked")
  HeartbeatManagerSenderImpl(HeartbeatConfig config, ResourceId ownResourceId, HeartbeatListener<I, O> listener,
      MainThreadExecutor mainThread, HeartbeatMetrics metrics) {
    super(config, ownResourceId, listener, mainThread, metrics, phasesFor(config));
    bucketHeads = new HeartbeatMonitor[phases];
    bucketTails = new HeartbeatMonitor[phases];
    bucketSizes = new int[phases];
    phaseOrder = vanDerCorputOrder(phases);
  }

  /** How many phases an interval is cut into for {@code config}. */
  static int phasesFor(HeartbeatConfig config) {
    if (!config.spread()) {
      return 1;
    }
    long phases = config.interval().toNanos() / PHASE_WIDTH.toNanos();
    return (int) Math.max(1, Math.min(MAX_PHASES, phases));
  }

  /**
   * A permutation of {@code 0..n-1} that visits the phases in van der Corput order: each prefix is
   * spread as evenly as possible over the interval.
   */
  static int[] vanDerCorputOrder(int n) {
    int bits = 32 - Integer.numberOfLeadingZeros(Math.max(1, n - 1));
    int span = 1 << bits;
    int[] order = new int[n];
    boolean[] seen = new boolean[n];
    int count = 0;
    for (int i = 0; i < span && count < n; i++) {
      long reversed = bits == 0 ? 0 : Integer.reverse(i) >>> (32 - bits);
      int phase = (int) (reversed * n / span);
      if (!seen[phase]) {
        seen[phase] = true;
        order[count++] = phase;
      }
    }
    return order;
  }

  @Override
  void onTargetAdded(HeartbeatMonitor<O> monitor) {
    int best = phaseOrder[0];
    for (int i = 1; i < phaseOrder.length && bucketSizes[best] > 0; i++) {
      int candidate = phaseOrder[i];
      if (bucketSizes[candidate] < bucketSizes[best]) {
        best = candidate;
      }
    }
    monitor.requestCompletion = new RequestCompletion(monitor);
    monitor.bucket = best;
    monitor.bucketNext = null;
    monitor.bucketPrev = bucketTails[best];
    if (bucketTails[best] == null) {
      bucketHeads[best] = monitor;
    } else {
      bucketTails[best].bucketNext = monitor;
    }
    bucketTails[best] = monitor;
    bucketSizes[best]++;
  }

  /**
   * Takes the target out of its bucket. Its own {@code bucketNext} is left as it was, so a phase
   * that is iterating over this bucket (and called back into the listener, which unmonitored this
   * target) still finds the rest of it.
   */
  @Override
  void onTargetRetired(HeartbeatMonitor<O> monitor) {
    int b = monitor.bucket;
    if (b < 0) {
      return;
    }
    HeartbeatMonitor<O> prev = monitor.bucketPrev;
    HeartbeatMonitor<O> next = monitor.bucketNext;
    if (prev == null) {
      bucketHeads[b] = next;
    } else {
      prev.bucketNext = next;
    }
    if (next == null) {
      bucketTails[b] = prev;
    } else {
      next.bucketPrev = prev;
    }
    monitor.bucket = -1;
    monitor.bucketPrev = null;
    bucketSizes[b]--;
  }

  @Override
  void onPhase(int phase, long now) {
    HeartbeatMonitor<O> monitor = bucketHeads[phase];
    while (monitor != null && !isStopped()) {
      HeartbeatMonitor<O> next = monitor.bucketNext;
      if (monitor.bucket == phase && monitor.isRunning()) {
        if (monitor.requestInFlight) {
          requestsSkippedInFlight++;
        } else {
          sendRequest(monitor, now);
        }
      }
      monitor = next;
    }
  }

  /** For tests: the phase bucket of {@code monitor}'s target, -1 if it has none. */
  int bucketOf(ResourceId resourceId) {
    for (int b = 0; b < phases; b++) {
      for (HeartbeatMonitor<O> m = bucketHeads[b]; m != null; m = m.bucketNext) {
        if (m.targetId.equals(resourceId)) {
          return b;
        }
      }
    }
    return -1;
  }

  int[] bucketSizes() {
    return Arrays.copyOf(bucketSizes, bucketSizes.length);
  }

  @SuppressWarnings("unchecked")
  /**
   * Asks one target. {@code now} (the phase's wake-up time) serves as the send time: one clock read
   * per phase instead of one per request, and a request answered synchronously needs none at all.
   */
  private void sendRequest(HeartbeatMonitor<O> monitor, long now) {
    O payload = listener.retrievePayload(monitor.targetId);
    if (!monitor.isRunning()) {
      return; // the listener unmonitored it while building the payload
    }
    monitor.requestInFlight = true;
    monitor.requestSentAt = now;
    requestsSent++;
    metrics.onRequestSent();
    CompletableFuture<Void> answered;
    try {
      answered = monitor.target.requestHeartbeat(ownResourceId, payload);
      if (answered == null) {
        answered = callbackFailures.returnedNull(Callback.REQUEST_HEARTBEAT, monitor.targetId);
      }
    } catch (Exception e) {
      callbackFailures.record(Callback.REQUEST_HEARTBEAT, monitor.targetId, e);
      answered = CompletableFuture.failedFuture(e);
    }
    if (answered.isDone() && !answered.isCompletedExceptionally()) {
      onRpcOutcome(monitor, null, true, now);
    } else {
      answered.whenComplete((RequestCompletion) monitor.requestCompletion);
    }
  }

  /**
   * Completion of one target's heartbeat requests, reused for all of them (only one is ever in
   * flight): records the outcome on the completing thread, then runs itself on the main thread.
   * The executor hand-off orders the write of {@code failure} before its read.
   */
  private final class RequestCompletion implements BiConsumer<Void, Throwable>, Runnable {
    private final HeartbeatMonitor<O> monitor;
    private Throwable failure;

    RequestCompletion(HeartbeatMonitor<O> monitor) {
      this.monitor = monitor;
    }

    @Override
    public void accept(Void ignored, Throwable failure) {
      this.failure = failure;
      mainThread.execute(this);
    }

    @Override
    public void run() {
      Throwable outcome = failure;
      failure = null;
      onRpcOutcome(monitor, outcome, true, mainThread.nanoTime());
    }
  }
}
