package dev.pulse.rm;

import dev.pulse.config.Durations;
import dev.pulse.heartbeat.HeartbeatMetrics;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.function.LongSupplier;

/**
 * Admission control for registrations: a start-up storm must not slow the resource manager down until it
 * convicts the task executors it already watches. A registration is refused ({@link OverloadedException}
 * with a retry hint of {@code retry-after}, {@code RESOURCE_EXHAUSTED} on the wire) when
 * <ul>
 *   <li>{@code max-in-progress} registrations are already in progress (taken, not yet answered): any
 *       registration ({@link #tryStart()}, on the transport thread, so that a storm never piles up on the
 *       main thread), or
 *   <li>within the last {@code retry-after}, the heartbeat sender's timer ran more than {@code max-tick-lag}
 *       late, or an RPC event loop more than {@code max-event-loop-lag} late (a limit of zero is off, the
 *       default when embedded; lags within {@code start-up-grace} of the {@linkplain #started() start} do not
 *       count: a fresh JVM is slow, not overloaded): the resource manager is
 *       behind on its own work ({@link #behind()}). A task executor told to come back after the hint finds
 *       it admitting again unless it is still behind. The resource manager asks only for a task executor it
 *       does not know: a known one (also one restored from the store, which must register again within
 *       {@code resourcemanager.recovery.timeout}) costs no new watch and must not be lost for the resource
 *       manager's own slowness.
 * </ul>
 * The task executors wait the hint plus a jittered share of a quarter of it, so the refused ones come
 * back spread out. The hints of a burst of refusals are <em>paced</em>: the first refused task executor is told
 * {@code retry-after}, and each one refused before the previous one's return is told to come back {@link #pace()}
 * after it (at twice {@code max-in-progress} per {@code retry-after}; their own jitter, up to a quarter of the
 * hint more, slows that rate by at most a fifth), so a storm of thousands comes back as a stream the resource
 * manager can take, not as a second storm one {@code retry-after} later. A hint is never shorter than
 * {@code retry-after} nor longer than {@link RegistrationConfig#MAX_RETRY_AFTER}. Each admitted registration
 * must be {@linkplain #finished() finished} exactly once.
 *
 * <p>The same lags, when above the loss guard's own {@code overload-tick-lag}, also keep the resource manager
 * from convicting task executors while it is behind: the {@link LossGuard} takes them off each silent task
 * executor's silence (its overload rule, which the facade feeds with the event loop lags too).
 *
 * <p>Thread-safe: registrations arrive on transport threads, tick lags on the main thread, event loop lags
 * on the event loops. Never blocks. Times are nanoseconds of the injected monotonic clock.
 */
final class RegistrationThrottle implements HeartbeatMetrics {

  /** The last lag above its limit: when it was seen, and what it was, for the refusal's message. */
  private record Lag(long at, String what) {}

  private final RegistrationConfig config;
  private final LongSupplier nanoClock;
  private final long maxTickLagNanos;
  private final long maxEventLoopLagNanos;
  private final long retryAfterNanos;
  private final long paceNanos;
  /** When the next refused task executor is told to come back (main-thread clock nanos), at the earliest. */
  private final AtomicLong nextReturn = new AtomicLong(Long.MIN_VALUE / 2);
  /** Lags seen before this time do not count; until {@link #started()}, every lag counts. */
  private volatile long lagRuleFrom = Long.MIN_VALUE;
  private final AtomicInteger inProgress = new AtomicInteger();
  private final AtomicLongArray refused = new AtomicLongArray(RegistrationRefusal.values().length);
  private volatile Lag lastLag;

  /** @param nanoClock a monotonic clock in nanoseconds, the main thread's */
  RegistrationThrottle(RegistrationConfig config, LongSupplier nanoClock) {
    this.config = config;
    this.nanoClock = nanoClock;
    this.maxTickLagNanos = config.maxTickLag().toNanos();
    this.maxEventLoopLagNanos = config.maxEventLoopLag().toNanos();
    this.retryAfterNanos = config.retryAfter().toNanos();
    this.paceNanos = pace().toNanos();
  }

  /** How far apart the returns of task executors refused in one burst are asked to be. */
  Duration pace() {
    return config.retryAfter().dividedBy(2L * config.maxInProgress());
  }

  /** The resource manager started now: lags count from {@code start-up-grace} on. Main thread. */
  void started() {
    lagRuleFrom = nanoClock.getAsLong() + config.startUpGrace().toNanos();
  }

  /**
   * Takes one registration at the edge, before it waits for the main thread, or says why not: the
   * {@code max-in-progress} bound, for every registration.
   *
   * @return empty if taken (then call {@link #finished()} once it is answered); else the refusal to fail it with
   */
  Optional<OverloadedException> tryStart() {
    if (inProgress.incrementAndGet() > config.maxInProgress()) {
      inProgress.decrementAndGet();
      refused(RegistrationRefusal.IN_PROGRESS);
      return Optional.of(refusal(config.maxInProgress() + " registrations are in progress ("
          + RegistrationConfig.MAX_IN_PROGRESS + ")"));
    }
    return Optional.empty();
  }

  /**
   * The lag rule: the refusal for a new task executor while a lag above its limit was seen within the last
   * {@code retry-after}; empty otherwise.
   */
  Optional<OverloadedException> behind() {
    Lag lag = lastLag;
    if (lag != null && nanoClock.getAsLong() - lag.at() < retryAfterNanos) {
      refused(RegistrationRefusal.BEHIND);
      return Optional.of(refusal("the resource manager is behind on its own work (" + lag.what() + ")"));
    }
    return Optional.empty();
  }

  /** An admitted registration was answered, either way. */
  void finished() {
    inProgress.decrementAndGet();
  }

  /** Counts one refusal; the bound and the lag rule count their own. */
  void refused(RegistrationRefusal reason) {
    refused.incrementAndGet(reason.ordinal());
  }

  /** Refusals so far for {@code reason}. */
  long refusals(RegistrationRefusal reason) {
    return refused.get(reason.ordinal());
  }

  /** Registrations admitted and not yet answered. */
  int inProgress() {
    return inProgress.get();
  }

  /** The heartbeat sender's timer ran {@code lagNanos} late (main thread). */
  @Override
  public void onTick(long lagNanos) {
    if (maxTickLagNanos > 0 && lagNanos > maxTickLagNanos) {
      lag("heartbeat sender tick lag " + millis(lagNanos) + " above "
          + RegistrationConfig.MAX_TICK_LAG + " " + Durations.format(config.maxTickLag()));
    }
  }

  /** An RPC event loop ran a task {@code lagNanos} late (any thread). */
  void onEventLoopLag(long lagNanos) {
    if (maxEventLoopLagNanos > 0 && lagNanos > maxEventLoopLagNanos) {
      lag("RPC event loop lag " + millis(lagNanos) + " above "
          + RegistrationConfig.MAX_EVENT_LOOP_LAG + " " + Durations.format(config.maxEventLoopLag()));
    }
  }

  private void lag(String what) {
    long now = nanoClock.getAsLong();
    if (now >= lagRuleFrom) {
      lastLag = new Lag(now, what);
    }
  }

  private OverloadedException refusal(String why) {
    Duration hint = nextHint();
    return new OverloadedException(why + "; retry in " + Durations.format(hint), hint);
  }

  /** The retry hint of a refusal now: {@code retry-after}, or later if others were told to return by then. */
  private Duration nextHint() {
    long now = nanoClock.getAsLong();
    long earliest = now + retryAfterNanos;
    long back;
    long next;
    do {
      next = nextReturn.get();
      back = Math.max(earliest, next);
    } while (!nextReturn.compareAndSet(next, back + paceNanos));
    long hintMillis = Math.min(RegistrationConfig.MAX_RETRY_AFTER.toMillis(), (back - now + 999_999) / 1_000_000);
    return Duration.ofMillis(hintMillis);
  }

  private static String millis(long nanos) {
    return Duration.ofNanos(nanos).toMillis() + " ms";
  }
}
