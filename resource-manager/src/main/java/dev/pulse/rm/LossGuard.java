package dev.pulse.rm;

import dev.pulse.heartbeat.HeartbeatConfig;
import dev.pulse.heartbeat.HeartbeatMetrics;
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
 *   <li><b>Overload</b>: the sender's timer ran more than {@code overload-tick-lag} late within the last
 *       heartbeat timeout. The resource manager may have been too slow to hear its task executors; it does
 *       not convict one of a heartbeat timeout for that. (A refused connection is no sign of its own
 *       slowness: an unreachable task executor is judged by the mass-failure rule alone.) Lags the sender
 *       counts as a local pause are left to the pause rule.
 * </ul>
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

  private final LossGuardConfig config;
  private final long timeoutNanos;
  private final long releaseIntervalNanos;
  private final LongSupplier nanoClock;
  private boolean massFailure;
  private long nextReleaseAt;
  /** Whether, and when, the sender's timer last lagged above the threshold. */
  private boolean everOverloaded;
  private long overloadedAt;
  /** The mark before the last tick, restored if that tick turns out to be a local pause. */
  private boolean everOverloadedBefore;
  private long overloadedAtBefore;
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
   * Whether one task executor, silent for {@code reason}, may be released now, given the last
   * {@link #census}. A release it allows under the secondary rate uses up the rate's next turn.
   */
  boolean mayRelease(LossReason reason, int silent, int registered) {
    if (!config.enabled()) {
      return true;
    }
    long now = nanoClock.getAsLong();
    if (reason == LossReason.HEARTBEAT_TIMEOUT && overloaded(now)) {
      return false;
    }
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

  private boolean overloaded(long now) {
    return everOverloaded && now - overloadedAt < timeoutNanos;
  }

  // ------------------------------------------------------------------ HeartbeatMetrics (the sender's timer)

  @Override
  public void onTick(long lagNanos) {
    everOverloadedBefore = everOverloaded;
    overloadedAtBefore = overloadedAt;
    if (lagNanos > config.overloadTickLag().toNanos()) {
      everOverloaded = true;
      overloadedAt = nanoClock.getAsLong();
    }
  }

  /**
   * The tick just reported was a local pause (the sender reports it right after the tick): the pause rule
   * has already given every task executor its time back, so the lag is not overload.
   */
  void localPause() {
    everOverloaded = everOverloadedBefore;
    overloadedAt = overloadedAtBefore;
  }
}
