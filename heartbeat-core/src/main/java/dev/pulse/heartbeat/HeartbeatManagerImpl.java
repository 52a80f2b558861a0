package dev.pulse.heartbeat;

import dev.pulse.config.Durations;
import dev.pulse.heartbeat.CallbackFailures.Callback;
import dev.pulse.heartbeat.time.Cancellable;
import dev.pulse.heartbeat.time.MainThreadExecutor;
import java.time.Duration;
import java.util.HashMap;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The receiving heartbeat manager: watches targets that send heartbeats on their own (or that the
 * owner asks through another channel), and the base of {@link HeartbeatManagerSenderImpl}.
 *
 * <h2>Time</h2>
 * One timer, never more: a single wake-up task scheduled for the earlier of the next <em>phase</em>
 * (a fixed grid of {@code interval / phases} from the manager's start) and the earliest deadline
 * (the head of the expiry list, see {@link HeartbeatMonitor}). A heartbeat only moves its target to
 * the tail of the expiry list, which can only make the next deadline later, so no heartbeat cancels
 * or reschedules the timer: if the timer then fires early it finds nothing due and re-arms.
 *
 * <p>Each wake-up runs at most {@link #MAX_PHASES_PER_WAKE} phases: the oldest one due and, if the timer
 * is behind (the main thread stalled for less than an interval), one more. Missed phases are thus
 * caught up at one extra phase per wake-up, spread out, instead of in one burst; see
 * {@link HeartbeatManagerSenderImpl}. A stall of an interval or more skips the missed phases instead.
 *
 * <h2>Callbacks that fail</h2>
 * The one timer serves every target, so nothing a callback does may stop it. A listener callback
 * that throws ({@link GuardedListener}), or a target adapter that throws or returns {@code null}, is
 * logged and counted by {@link CallbackFailures} and the manager carries on: the other targets are still asked and still
 * time out on time. A loss is final even if its notification threw. A payload that cannot be
 * retrieved is sent as {@code null} (liveness does not depend on it); an adapter that throws or
 * returns {@code null} counts as a failed RPC, of the kind its exception carries, else
 * {@link RpcFailureKind#OTHER}. An {@link Error} is not caught, but the wake-up re-arms the timer
 * before it propagates to the executor.
 *
 * <h2>Local pauses</h2>
 * The timer is due at least once per interval. When it runs late by more than the pause threshold
 * (three intervals, but no more than half the timeout, and no less than one interval), the manager's
 * own process did not run (GC pause, SIGSTOP, VM freeze) or its main thread was blocked. Shorter lags
 * are ordinary scheduling noise that the timeout's slack absorbs. Targets are not charged for a pause: every deadline moves later by the gap, and to no earlier
 * than two intervals after the resume, time for the sender to ask each target again and for the
 * target to answer. The pause is counted, logged and reported to the listener.
 *
 * <p>Thread-safety: confined to the main-thread executor; see {@link HeartbeatManager}.
 */
class HeartbeatManagerImpl<I, O> implements HeartbeatManager<I, O> {

  /** Returned by the {@code HeartbeatTarget} methods, which complete synchronously. */
  static final CompletableFuture<Void> DONE = CompletableFuture.completedFuture(null);

  /** Phases run by one wake-up at most: the oldest due and one more to catch up after a stall. */
  static final int MAX_PHASES_PER_WAKE = 2;

  protected final Logger log = LoggerFactory.getLogger(getClass());

  final ResourceId ownResourceId;
  /** The owner's listener, guarded: a callback that throws is logged and counted, never propagated. */
  final HeartbeatListener<I, O> listener;
  final MainThreadExecutor mainThread;
  final HeartbeatMetrics metrics;
  final long intervalNanos;
  final long timeoutNanos;
  final int rpcFailureThreshold;
  /** Phases per interval: the grid the timer runs on. 1 for a receiver. */
  final int phases;
  final long phaseNanos;
  /** A timer lag above this is a local pause; see the class docs. */
  final long pauseThresholdNanos;
  final CallbackFailures callbackFailures;

  private final HashMap<ResourceId, HeartbeatMonitor<O>> monitors = new HashMap<>();
  private HeartbeatMonitor<O> expiryHead;
  private HeartbeatMonitor<O> expiryTail;

  private final long origin;
  private long nextPhase;
  private long wakeDueAt;
  private Cancellable wakeHandle;
  private final Runnable wakeTask = this::wake;
  private boolean stopped;

  // Counters, see HeartbeatStats.
  long requestsSent;
  long requestsSkippedInFlight;
  private long heartbeatsReceived;
  private long rpcSuccesses;
  private final long[] rpcFailures = new long[RpcFailureKind.values().length];
  private long targetsTimedOut;
  private long targetsUnreachable;
  private long targetsRestarted;
  private long localPauses;
  private long localPausedNanos;
  private long maxTickLagNanos;

  HeartbeatManagerImpl(HeartbeatConfig config, ResourceId ownResourceId, HeartbeatListener<I, O> listener,
      MainThreadExecutor mainThread, HeartbeatMetrics metrics, int phases) {
    this.ownResourceId = Objects.requireNonNull(ownResourceId, "ownResourceId");
    this.mainThread = Objects.requireNonNull(mainThread, "mainThread");
    this.metrics = Objects.requireNonNull(metrics, "metrics");
    this.callbackFailures = new CallbackFailures(log, ownResourceId, mainThread, metrics);
    this.listener = new GuardedListener<>(Objects.requireNonNull(listener, "listener"), callbackFailures);
    this.intervalNanos = config.interval().toNanos();
    this.timeoutNanos = config.timeout().toNanos();
    this.rpcFailureThreshold = config.rpcFailureThreshold();
    this.phases = phases;
    this.phaseNanos = intervalNanos / phases;
    this.pauseThresholdNanos = pauseThreshold(intervalNanos, timeoutNanos);
    this.origin = mainThread.nanoTime();
  }

  /**
   * Starts the timer. Called once by the factory after construction, so that no timer task can see
   * a half-constructed subclass; the first wake-up runs on the main thread.
   */
  final HeartbeatManagerImpl<I, O> start() {
    wakeDueAt = origin;
    mainThread.execute(wakeTask);
    return this;
  }

  // ------------------------------------------------------------------ HeartbeatManager

  @Override
  public void monitorTarget(ResourceId resourceId, HeartbeatTarget<O> heartbeatTarget) {
    Objects.requireNonNull(resourceId, "resourceId");
    Objects.requireNonNull(heartbeatTarget, "heartbeatTarget");
    if (stopped) {
      log.debug("Not monitoring {}: heartbeat manager of {} is stopped", resourceId, ownResourceId);
      return;
    }
    if (monitors.containsKey(resourceId)) {
      log.debug("{} is already monitored by {}", resourceId, ownResourceId);
      return;
    }
    HeartbeatMonitor<O> monitor = new HeartbeatMonitor<>(resourceId, heartbeatTarget);
    monitor.deadline = mainThread.nanoTime() + timeoutNanos;
    monitors.put(resourceId, monitor);
    linkExpiry(monitor);
    onTargetAdded(monitor);
  }

  @Override
  public void unmonitorTarget(ResourceId resourceId) {
    HeartbeatMonitor<O> monitor = monitors.remove(resourceId);
    if (monitor != null) {
      retire(monitor, HeartbeatMonitor.State.CANCELLED);
    }
  }

  @Override
  public void stop() {
    if (stopped) {
      return;
    }
    stopped = true;
    if (wakeHandle != null) {
      wakeHandle.cancel();
      wakeHandle = null;
    }
    for (HeartbeatMonitor<O> monitor : monitors.values()) {
      retire(monitor, HeartbeatMonitor.State.CANCELLED);
    }
    monitors.clear();
  }

  @Override
  public long getLastHeartbeatFrom(ResourceId resourceId) {
    HeartbeatMonitor<O> monitor = monitors.get(resourceId);
    return monitor == null ? -1 : monitor.lastHeartbeat;
  }

  @Override
  public int getConsecutiveFailedRpcs(ResourceId resourceId) {
    HeartbeatMonitor<O> monitor = monitors.get(resourceId);
    return monitor == null ? -1 : monitor.consecutiveFailedRpcs;
  }

  @Override
  public int numberOfTargets() {
    return monitors.size();
  }

  @Override
  public HeartbeatStats stats() {
    return new HeartbeatStats(requestsSent, requestsSkippedInFlight, heartbeatsReceived, rpcSuccesses,
        rpcFailures[RpcFailureKind.UNREACHABLE.ordinal()], rpcFailures[RpcFailureKind.DEADLINE_EXCEEDED.ordinal()],
        rpcFailures[RpcFailureKind.RESTARTED.ordinal()], rpcFailures[RpcFailureKind.OTHER.ordinal()],
        targetsTimedOut, targetsUnreachable, targetsRestarted, localPauses, localPausedNanos, maxTickLagNanos,
        callbackFailures.total());
  }

  // ------------------------------------------------------------------ HeartbeatTarget

  /** A heartbeat arrived: O(1), allocates nothing, touches no timer. */
  @Override
  public CompletableFuture<Void> receiveHeartbeat(ResourceId heartbeatOrigin, I heartbeatPayload) {
    HeartbeatMonitor<O> monitor = runningMonitor(heartbeatOrigin);
    if (monitor != null) {
      heartbeatFrom(monitor, heartbeatPayload, mainThread.nanoTime());
    }
    return DONE;
  }

  /**
   * A peer asks for a heartbeat: its request counts as a heartbeat from it, and the answer goes back
   * through the target's {@link HeartbeatTarget#receiveHeartbeat}, as in Flink.
   */
  @Override
  public CompletableFuture<Void> requestHeartbeat(ResourceId requestOrigin, I heartbeatPayload) {
    HeartbeatMonitor<O> monitor = runningMonitor(requestOrigin);
    if (monitor != null) {
      heartbeatFrom(monitor, heartbeatPayload, mainThread.nanoTime());
      O reply = listener.retrievePayload(requestOrigin);
      CompletableFuture<Void> answered;
      try {
        answered = monitor.target.receiveHeartbeat(ownResourceId, reply);
        if (answered == null) {
          answered = callbackFailures.returnedNull(Callback.RECEIVE_HEARTBEAT, requestOrigin);
        }
      } catch (Exception e) {
        callbackFailures.record(Callback.RECEIVE_HEARTBEAT, requestOrigin, e);
        answered = CompletableFuture.failedFuture(e);
      }
      answered.whenComplete((ignored, failure) ->
          mainThread.execute(() -> onRpcOutcome(monitor, failure, false, mainThread.nanoTime())));
    }
    return DONE;
  }

  // ------------------------------------------------------------------ for the sender

  /** Hook: a target was added; the sender puts it in a phase bucket. */
  void onTargetAdded(HeartbeatMonitor<O> monitor) {}

  /** Hook: a target stopped running; the sender takes it out of its bucket. */
  void onTargetRetired(HeartbeatMonitor<O> monitor) {}

  /** Hook: phase {@code phase} of the interval is due; {@code now} is the wake-up's clock reading. */
  void onPhase(int phase, long now) {}

  /**
   * Hook: the timer fired, before anything times out; {@code now} is the wake-up's clock reading. The
   * sender applies the answers queued so far, so that none waiting in its queue times out.
   */
  void onWake(long now) {}

  boolean isStopped() {
    return stopped;
  }

  /**
   * A heartbeat from {@code monitor}'s target at {@code now}, carrying {@code payload} (reported to
   * the listener unless {@code null}). Ignored if the target is no longer running or the manager
   * stopped. Runs on the main thread; O(1), allocates nothing.
   */
  final void heartbeatFrom(HeartbeatMonitor<O> monitor, I payload, long now) {
    if (stopped || !monitor.isRunning()) {
      return;
    }
    heartbeatsReceived++;
    monitor.lastHeartbeat = now;
    monitor.deadline = now + timeoutNanos;
    unlinkExpiry(monitor);
    linkExpiry(monitor);
    if (payload != null) {
      listener.reportPayload(monitor.targetId, payload);
    }
  }

  /**
   * Applies the outcome of a heartbeat RPC to {@code monitor}. Runs on the main thread.
   *
   * @param failure {@code null} on success
   * @param request whether this was the sender's request, whose in-flight mark it clears
   * @param completedAt clock reading when the outcome was known (the round trip's end)
   */
  final void onRpcOutcome(HeartbeatMonitor<O> monitor, Throwable failure, boolean request, long completedAt) {
    if (request) {
      monitor.requestInFlight = false;
    }
    if (stopped || !monitor.isRunning()) {
      return;
    }
    if (failure == null) {
      rpcSuccesses++;
      monitor.consecutiveFailedRpcs = 0;
      if (request) {
        metrics.onRpcSucceeded(completedAt - monitor.requestSentAt);
      }
      return;
    }
    RpcFailureKind kind = HeartbeatRpcException.kindOf(failure);
    rpcFailures[kind.ordinal()]++;
    metrics.onRpcFailed(kind);
    switch (kind) {
      case UNREACHABLE -> {
        monitor.consecutiveFailedRpcs++;
        if (rpcFailureThreshold != -1 && monitor.consecutiveFailedRpcs >= rpcFailureThreshold) {
          log.info("Heartbeat target {} is unreachable: {} heartbeat RPCs failed in a row, the last with: {}",
              monitor.targetId, monitor.consecutiveFailedRpcs, failure.getMessage());
          targetsUnreachable++;
          retire(monitor, HeartbeatMonitor.State.UNREACHABLE);
          listener.notifyTargetUnreachable(monitor.targetId);
        } else {
          log.debug("Heartbeat RPC to {} failed as unreachable ({} in a row): {}",
              monitor.targetId, monitor.consecutiveFailedRpcs, failure.getMessage());
        }
      }
      case RESTARTED -> {
        log.info("Heartbeat target {} restarted: {}", monitor.targetId, failure.getMessage());
        targetsRestarted++;
        retire(monitor, HeartbeatMonitor.State.RESTARTED);
        listener.notifyTargetRestarted(monitor.targetId);
      }
      default -> log.debug("Heartbeat RPC to {} failed ({}), not counted as unreachable: {}",
          monitor.targetId, kind, failure.getMessage());
    }
  }

  // ------------------------------------------------------------------ internals

  private HeartbeatMonitor<O> runningMonitor(ResourceId resourceId) {
    if (stopped) {
      return null;
    }
    HeartbeatMonitor<O> monitor = monitors.get(resourceId);
    return monitor != null && monitor.isRunning() ? monitor : null;
  }

  /** Ends {@code monitor}'s watch: no timeout, no request, no callback for it any more. */
  private void retire(HeartbeatMonitor<O> monitor, HeartbeatMonitor.State state) {
    if (!monitor.isRunning()) {
      if (state == HeartbeatMonitor.State.CANCELLED) {
        monitor.state = state;
      }
      return;
    }
    monitor.state = state;
    unlinkExpiry(monitor);
    onTargetRetired(monitor);
  }

  /**
   * The timer task. Whatever happens in between, even an {@link Error} escaping a callback, the next
   * wake-up is armed before it returns.
   */
  private void wake() {
    if (stopped) {
      return;
    }
    long now = mainThread.nanoTime();
    try {
      onWake(now);
      runDueWork(now);
    } finally {
      if (!stopped) {
        armNextWake(now);
      }
    }
  }

  private void runDueWork(long now) {
    long lag = Math.max(0, now - wakeDueAt);
    maxTickLagNanos = Math.max(maxTickLagNanos, lag);
    metrics.onTick(lag);
    if (lag > pauseThresholdNanos) {
      forgiveLocalPause(now, lag);
    }
    expire(now);
    long currentPhase = currentPhase(now);
    if (currentPhase - nextPhase >= phases) {
      // A full interval or more was missed (a local pause): resume on the grid instead of asking
      // every target at once; the pause grace gives each one time to be asked in its own phase.
      nextPhase = currentPhase;
    }
    // After a shorter stall, catch up one extra phase per wake-up rather than all at once.
    long lastPhase = Math.min(currentPhase, nextPhase + MAX_PHASES_PER_WAKE - 1);
    while (nextPhase <= lastPhase && !stopped) {
      onPhase((int) (nextPhase % phases), now);
      nextPhase++;
    }
  }

  private long currentPhase(long now) {
    return (now - origin) / phaseNanos;
  }

  /**
   * Arms the timer for the earlier of the next deadline and the next phase. While behind, the next
   * phase is the next point of the grid, not the overdue one: that is what spreads the catching up.
   */
  private void armNextWake(long now) {
    long nextPhaseAt = origin + Math.max(nextPhase, currentPhase(now) + 1) * phaseNanos;
    long dueAt = expiryHead != null && expiryHead.deadline < nextPhaseAt ? expiryHead.deadline : nextPhaseAt;
    wakeDueAt = dueAt;
    wakeHandle = mainThread.schedule(wakeTask, dueAt - now);
  }

  /** Three intervals, at most half the timeout, at least one interval. */
  static long pauseThreshold(long intervalNanos, long timeoutNanos) {
    return Math.max(intervalNanos, Math.min(3 * intervalNanos, timeoutNanos / 2));
  }

  private void expire(long now) {
    while (!stopped && expiryHead != null && expiryHead.deadline <= now) {
      HeartbeatMonitor<O> monitor = expiryHead;
      log.info("Heartbeat of {} timed out: nothing heard for {}", monitor.targetId,
          Durations.format(Duration.ofNanos(timeoutNanos)));
      targetsTimedOut++;
      retire(monitor, HeartbeatMonitor.State.TIMED_OUT);
      listener.notifyHeartbeatTimeout(monitor.targetId);
    }
  }

  private void forgiveLocalPause(long now, long pausedNanos) {
    localPauses++;
    localPausedNanos += pausedNanos;
    long floor = now + 2 * intervalNanos;
    // Both steps are monotonic in the deadline, so the expiry list stays sorted.
    for (HeartbeatMonitor<O> m = expiryHead; m != null; m = m.expiryNext) {
      m.deadline = Math.max(m.deadline + pausedNanos, floor);
    }
    Duration paused = Duration.ofNanos(pausedNanos);
    log.warn("Heartbeat manager of {} did not run for {} ms (local pause: GC, SIGSTOP or a blocked main thread);"
        + " the gap is not charged to the {} monitored target(s)", ownResourceId, paused.toMillis(), monitors.size());
    listener.notifyLocalPause(paused);
  }

  /** Inserts {@code monitor} by deadline, searching from the tail: O(1) unless a pause grace is pending. */
  private void linkExpiry(HeartbeatMonitor<O> monitor) {
    HeartbeatMonitor<O> after = expiryTail;
    while (after != null && after.deadline > monitor.deadline) {
      after = after.expiryPrev;
    }
    HeartbeatMonitor<O> before = after == null ? expiryHead : after.expiryNext;
    monitor.expiryPrev = after;
    monitor.expiryNext = before;
    if (after == null) {
      expiryHead = monitor;
    } else {
      after.expiryNext = monitor;
    }
    if (before == null) {
      expiryTail = monitor;
    } else {
      before.expiryPrev = monitor;
    }
    monitor.inExpiryList = true;
  }

  private void unlinkExpiry(HeartbeatMonitor<O> monitor) {
    if (!monitor.inExpiryList) {
      return;
    }
    HeartbeatMonitor<O> prev = monitor.expiryPrev;
    HeartbeatMonitor<O> next = monitor.expiryNext;
    if (prev == null) {
      expiryHead = next;
    } else {
      prev.expiryNext = next;
    }
    if (next == null) {
      expiryTail = prev;
    } else {
      next.expiryPrev = prev;
    }
    monitor.expiryPrev = null;
    monitor.expiryNext = null;
    monitor.inExpiryList = false;
  }
}
