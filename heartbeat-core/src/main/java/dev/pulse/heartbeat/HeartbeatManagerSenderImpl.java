package dev.pulse.heartbeat;

import dev.pulse.heartbeat.CallbackFailures.Callback;
import dev.pulse.heartbeat.time.MainThreadExecutor;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
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
 * A target whose transport has no deadline
 * ({@link AnsweringHeartbeatTarget#senderEndsRequestsAtDeadline}) has its unanswered request failed as
 * deadline exceeded at its turn instead, and is asked again.
 *
 * <h2>Answers</h2>
 * A request whose future is already complete when returned is handled inline. Every other outcome
 * reaches the main thread through the target's one reusable {@link HeartbeatAnswer}: an
 * {@link AnsweringHeartbeatTarget} reports to it directly (the production path: no future per
 * request), any other target's future is completed into it. Answers are queued without locks or
 * allocation ({@link AnswerQueue}) and applied in batches: one main-thread task and one clock reading
 * per batch, the heartbeat first and then the request's success, on the target's record itself (no
 * lookup by id). The timer applies the queue too before it looks for timeouts, so an answer waiting
 * there never lets its target time out.
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
  private final AnswerQueue answers = new AnswerQueue(mainThread, this::applyQueuedAnswers);

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
    monitor.answer = new TargetAnswer(monitor);
    monitor.senderEndsRequests = monitor.target instanceof AnsweringHeartbeatTarget<?, ?> answering
        && answering.senderEndsRequestsAtDeadline();
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
        if (monitor.requestInFlight && monitor.senderEndsRequests) {
          endAtDeadline(monitor, now);
        }
        if (monitor.requestInFlight) {
          requestsSkippedInFlight++;
        } else {
          sendRequest(monitor, now);
        }
      }
      monitor = next;
    }
  }

  /**
   * Fails the request in flight to a target without a transport deadline: it is the target's turn
   * again, so the request has had its interval. A report already taken (queued, not yet applied)
   * stands, and the target is skipped this turn as any other.
   */
  @SuppressWarnings("unchecked")
  private void endAtDeadline(HeartbeatMonitor<O> monitor, long now) {
    if (((TargetAnswer) monitor.answer).disarm()) {
      onRpcOutcome(monitor, new HeartbeatRpcException(RpcFailureKind.DEADLINE_EXCEEDED, "no answer from "
          + monitor.targetId + " within the heartbeat interval"), true, now);
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

  /**
   * Asks one target. {@code now} (the phase's wake-up time) serves as the send time: one clock read
   * per phase instead of one per request, and a request answered synchronously needs none at all.
   */
  @SuppressWarnings("unchecked")
  private void sendRequest(HeartbeatMonitor<O> monitor, long now) {
    O payload = listener.retrievePayload(monitor.targetId);
    if (!monitor.isRunning()) {
      return; // the listener unmonitored it while building the payload
    }
    TargetAnswer answer = (TargetAnswer) monitor.answer;
    monitor.requestInFlight = true;
    monitor.requestSentAt = now;
    requestsSent++;
    metrics.onRequestSent();
    answer.arm();
    CompletableFuture<Void> answered;
    try {
      if (monitor.target instanceof AnsweringHeartbeatTarget<?, ?> answering) {
        ((AnsweringHeartbeatTarget<O, I>) answering).requestHeartbeat(ownResourceId, payload, answer);
        return;
      }
      answered = monitor.target.requestHeartbeat(ownResourceId, payload);
      if (answered == null) {
        answered = callbackFailures.returnedNull(Callback.REQUEST_HEARTBEAT, monitor.targetId);
      }
    } catch (Exception e) {
      callbackFailures.record(Callback.REQUEST_HEARTBEAT, monitor.targetId, e);
      if (answer.disarm()) {
        onRpcOutcome(monitor, e, true, now);
      } // else it reported before throwing: that report stands
      return;
    }
    if (answered.isDone() && !answered.isCompletedExceptionally() && answer.disarm()) {
      onRpcOutcome(monitor, null, true, now);
    } else {
      answered.whenComplete(answer);
    }
  }

  @Override
  void onWake(long now) {
    applyAnswers(now);
  }

  /** The drain task: applies the answers queued so far, with one clock reading for all of them. */
  private void applyQueuedAnswers() {
    if (!isStopped()) {
      applyAnswers(mainThread.nanoTime());
    }
  }

  /**
   * Applies every queued answer at {@code now}, oldest first. If an {@link Error} escapes a callback,
   * the rest of the batch goes back to the queue (with a new drain task) before it propagates.
   */
  private void applyAnswers(long now) {
    AnswerQueue.Node batch = answers.takeAll();
    try {
      while (batch != null) {
        TargetAnswer answer = (TargetAnswer) batch;
        batch = answer.next;
        answer.next = null;
        answer.apply(now);
      }
    } finally {
      while (batch != null) {
        AnswerQueue.Node rest = batch.next;
        answers.offer(batch);
        batch = rest;
      }
    }
  }

  /**
   * The answer line of one target, reused for all its requests (only one is ever in flight): takes
   * the report on the reporting thread and queues itself; {@link #apply} runs on the main thread.
   *
   * <p>{@link #state} admits one report per request: the sender arms it before each request and the
   * first report moves it on (a request that ended without a report, by throwing or completing at
   * once, disarms it); until the next request every later report is ignored. The fields written by the reporting thread are published
   * by the queue's compare-and-set and read after the main thread's take.
   */
  private final class TargetAnswer extends AnswerQueue.Node
      implements HeartbeatAnswer<I>, BiConsumer<Void, Throwable> {
    private static final int IDLE = 0;
    private static final int ARMED = 1;
    private static final int REPORTED = 2;

    private final HeartbeatMonitor<O> monitor;
    private final AtomicInteger state = new AtomicInteger(IDLE);
    /** Whether the report carries a heartbeat (an answering target's) or only the request's outcome. */
    private boolean isHeartbeat;
    private I payload;
    private Throwable failure;

    TargetAnswer(HeartbeatMonitor<O> monitor) {
      this.monitor = monitor;
    }

    /** Main thread, before a request: the next report counts. */
    void arm() {
      state.set(ARMED);
    }

    /** Main thread: the request ended without a report; later reports are ignored. False if one came. */
    boolean disarm() {
      return state.compareAndSet(ARMED, IDLE);
    }

    @Override
    public void heartbeat(I payload) {
      if (state.compareAndSet(ARMED, REPORTED)) {
        this.isHeartbeat = true;
        this.payload = payload;
        answers.offer(this);
      }
    }

    @Override
    public void failed(Throwable failure) {
      report(failure == null ? new NullPointerException("failure") : failure);
    }

    /** The future of a target that is not an {@link AnsweringHeartbeatTarget} completed. */
    @Override
    public void accept(Void ignored, Throwable failure) {
      report(failure);
    }

    private void report(Throwable failure) {
      if (state.compareAndSet(ARMED, REPORTED)) {
        this.isHeartbeat = false;
        this.failure = failure;
        answers.offer(this);
      }
    }

    /** Main thread: the heartbeat, if any, then the request's outcome, both at {@code now}. */
    void apply(long now) {
      boolean heard = isHeartbeat;
      I heardPayload = payload;
      Throwable outcome = failure;
      payload = null;
      failure = null;
      if (heard) {
        heartbeatFrom(monitor, heardPayload, now);
      }
      onRpcOutcome(monitor, outcome, true, now);
    }
  }
}
