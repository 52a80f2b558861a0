package dev.pulse.rm;

import dev.pulse.heartbeat.HeartbeatConfig;
import dev.pulse.heartbeat.HeartbeatMetrics;
import java.util.ArrayDeque;
import java.util.function.LongSupplier;

/**
 * Decides whether a silent task executor may be released now (SPEC 11). Detection stays with the
 * heartbeat sender; this class only answers "release or hold?", from a census the {@link ResourceManagerCore}
 * takes (how many registered task executors there are, how many of them are silent) and from the heartbeat
 * sender's timer lag, which it hears as a {@link HeartbeatMetrics} hook.
 *
 * <ul>
 *   <li><b>Mass failure</b> (Kubernetes' zone rule): at least {@code min-unhealthy} task executors, and at
 *       least {@code unhealthy-fraction} of all, silent at once. The resource manager may be the one cut
 *       off: a cluster above {@code large-cluster-size} releases one silent task executor per
 *       {@code 1 / secondary-release-rate} seconds, a smaller one none, and none is released while every
 *       task executor is silent.
 *   <li><b>Overload</b>: every time the sender's timer ran more than {@code overload-tick-lag} late, the
 *       resource manager itself was too slow to hear its task executors, for that long. It does not convict
 *       a task executor of a heartbeat timeout for its own slowness: the lags that fell within the task
 *       executor's silence are taken off it, and it is released only once the rest reaches the timeout
 *       ({@link #overloadExtension}). A short overload thus delays a release by about its own length, and a
 *       lasting one by its share of the time. (A refused connection is no sign of the resource manager's
 *       slowness: an unreachable task executor is judged by the mass-failure rule alone.) Lags the sender
 *       counts as a local pause are left to the pause rule, which forgives them itself.
 * </ul>
 *
 * <p>The same holds for the lag of the RPC event loop that carries the task executors' answers
 * ({@link #onEventLoopLag}): an answer that waited there was late for the resource manager's own reasons.
 *
 * <p>Thread-safety: confined to the resource manager's main thread, as the heartbeat sender that calls
 * {@link #onTick} is. Times are the main thread's monotonic nanoseconds.
 */
final class LossGuard implements HeartbeatMetrics {

  /** What the guard does now, as served by REST and metrics. */
  enum State {
    /** Turned off ({@code resourcemanager.loss-guard.enabled: false}): every silent task executor is released. */
    DISABLED,
    /** Silent task executors are released when their heartbeat timeout ends. */
    NORMAL,
    /** The resource manager itself lagged within the last heartbeat timeout: releases are held back. */
    OVERLOADED,
    /** A mass failure is suspected: releases are held back or rate-limited. */
    MASS_FAILURE
  }

  /** A change of the mass-failure suspicion that {@link #census} found. */
  enum Change { NONE, SUSPECTED, ENDED }

  /** Lags are kept for this many heartbeat timeouts: a silence longer than that is charged in full before. */
  static final int LAG_HORIZON_TIMEOUTS = 4;
  /** At most this many lags are kept (one per timer run at most; plenty for four timeouts of overload). */
  static final int MAX_LAGS = 100_000;

  private final LossGuardConfig config;
  private final long timeoutNanos;
  private final long releaseIntervalNanos;
  private final LongSupplier nanoClock;
  private boolean massFailure;
  private long nextReleaseAt;
  /** The sender's timer lags above the threshold: {main-thread nanos it ran, lag}, oldest first. */
  private final ArrayDeque<long[]> lags = new ArrayDeque<>();
  /** The lag the last tick added, removed again if that tick turns out to be a local pause. */
  private long[] lastAdded;
  private long releasesHeldBack;

  /** @param nanoClock the main thread's monotonic clock, in nanoseconds */
  LossGuard(LossGuardConfig config, HeartbeatConfig heartbeat, LongSupplier nanoClock) {
    this.config = config;
    this.timeoutNanos = heartbeat.timeout().toNanos();
    this.releaseIntervalNanos = config.secondaryReleaseIntervalNanos();
    this.nanoClock = nanoClock;
  }

  /**
   * Takes a census: {@code silent} of {@code registered} task executors are silent now.
   *
   * @return whether a mass failure is now suspected where it was not, or no longer suspected
   */
  Change census(int silent, int registered) {
    boolean suspected = config.enabled() && registered > 0 && silent >= config.minUnhealthy()
        && silent >= config.unhealthyFraction() * registered;
    if (suspected == massFailure) {
      return Change.NONE;
    }
    massFailure = suspected;
    if (suspected) {
      nextReleaseAt = nanoClock.getAsLong() + releaseIntervalNanos;
      return Change.SUSPECTED;
    }
    return Change.ENDED;
  }

  /**
   * How much longer a task executor that timed out must stay silent before it is charged the full heartbeat
   * timeout, once the resource manager's own lags since {@code silentSince} are taken off its silence; 0 if
   * none (also for other reasons than {@link LossReason#HEARTBEAT_TIMEOUT}, and with the guard off).
   *
   * @param silentSince main-thread nanos of the last heartbeat heard from it
   */
  long overloadExtension(LossReason reason, long silentSince) {
    if (!config.enabled() || reason != LossReason.HEARTBEAT_TIMEOUT) {
      return 0;
    }
    long now = nanoClock.getAsLong();
    prune(now);
    long ownLag = 0;
    for (long[] lag : lags) {
      if (lag[0] > silentSince) {
        ownLag += lag[1];
      }
    }
    long charged = now - silentSince - ownLag;
    return Math.max(0, timeoutNanos - charged);
  }

  /**
   * Whether one silent task executor may be released now under the mass-failure rule, given the last
   * {@link #census}. A release it allows under the secondary rate uses up the rate's next turn.
   */
  boolean mayRelease(int silent, int registered) {
    if (!config.enabled()) {
      return true;
    }
    long now = nanoClock.getAsLong();
    if (!massFailure) {
      return true;
    }
    if (silent >= registered || registered <= config.largeClusterSize() || now < nextReleaseAt) {
      return false;
    }
    nextReleaseAt = now + releaseIntervalNanos;
    return true;
  }

  /** A silent task executor's release was held back (counted once per silence). */
  void heldBack() {
    releasesHeldBack++;
  }

  long releasesHeldBack() {
    return releasesHeldBack;
  }

  boolean massFailureSuspected() {
    return massFailure;
  }

  State state() {
    if (!config.enabled()) {
      return State.DISABLED;
    }
    if (massFailure) {
      return State.MASS_FAILURE;
    }
    return overloaded(nanoClock.getAsLong()) ? State.OVERLOADED : State.NORMAL;
  }

  LossGuardConfig config() {
    return config;
  }

  /** Whether the sender's timer lagged above the threshold within the last heartbeat timeout. */
  private boolean overloaded(long now) {
    prune(now);
    return !lags.isEmpty() && now - lags.peekLast()[0] < timeoutNanos;
  }

  /** Forgets lags too old to matter: older than {@link #LAG_HORIZON_TIMEOUTS} timeouts, or beyond the cap. */
  private void prune(long now) {
    while (!lags.isEmpty() && (now - lags.peekFirst()[0] > LAG_HORIZON_TIMEOUTS * timeoutNanos
        || lags.size() > MAX_LAGS)) {
      lags.removeFirst();
    }
  }

  // ------------------------------------------------------------------ HeartbeatMetrics (the sender's timer)

  @Override
  public void onTick(long lagNanos) {
    lastAdded = null;
    if (lagNanos > config.overloadTickLag().toNanos()) {
      lastAdded = new long[] {nanoClock.getAsLong(), lagNanos};
      lags.addLast(lastAdded);
    }
  }

  /**
   * The RPC event loop that serves the task executors ran {@code lagNanos} late: their answers reached the
   * resource manager that much late, so above {@code overload-tick-lag} the lag counts as overload, exactly
   * as the sender's own timer lag does (it is never a local pause: the pause rule only hears the sender).
   */
  void onEventLoopLag(long lagNanos) {
    if (lagNanos > config.overloadTickLag().toNanos()) {
      lags.addLast(new long[] {nanoClock.getAsLong(), lagNanos});
    }
  }

  /**
   * The tick just reported was a local pause (the sender reports it right after the tick): the pause rule
   * has already given every task executor its time back, so the lag is not overload.
   */
  void localPause() {
    if (lastAdded != null && lags.peekLast() == lastAdded) {
      lags.removeLast();
    }
    lastAdded = null;
  }
}
