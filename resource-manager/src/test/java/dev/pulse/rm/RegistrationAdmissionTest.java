package dev.pulse.rm;

import static dev.pulse.rm.FakeTaskExecutors.registration;
import static org.assertj.core.api.Assertions.assertThat;

import dev.pulse.heartbeat.HeartbeatConfig;
import dev.pulse.heartbeat.time.ManualMainThreadExecutor;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.Test;

/**
 * Registration admission control through the facade, on the fake clock: the bound on registrations in
 * progress, the lag rule (sender tick lag, RPC event loop lag) for new task executors only, and the retry
 * hint every refusal carries. The limits are this test's own (2 in progress, 100 ms, 1 s hint), so each
 * expected boundary is worked out here.
 */
class RegistrationAdmissionTest {

  private static final Duration INTERVAL = Duration.ofSeconds(1);
  private static final Duration TIMEOUT = Duration.ofSeconds(5);
  private static final Duration RETRY_AFTER = Duration.ofSeconds(1);
  private static final Duration MAX_LAG = Duration.ofMillis(100);

  private final ManualMainThreadExecutor main = new ManualMainThreadExecutor();
  private final FakeTaskExecutors fakes = new FakeTaskExecutors();
  private final ResourceManager rm = ResourceManager.builder()
      .heartbeatConfig(HeartbeatConfig.of(INTERVAL, TIMEOUT))
      .resourceManagerId("rm-admission")
      .connector(fakes)
      .mainThread(main)
      .registration(new RegistrationConfig(2, MAX_LAG, MAX_LAG, RETRY_AFTER, Duration.ZERO))
      .build();

  @Test
  void inProgressBound_refusesTheNextRegistrationAtOnceWithTheHint_andTakesOnesAgainOnceAnswered() {
    start();
    CompletableFuture<RegistrationResult> first = rm.registerTaskExecutor(registration("te-1", "i-1", 1));
    CompletableFuture<RegistrationResult> second = rm.registerTaskExecutor(registration("te-2", "i-1", 1));

    CompletableFuture<RegistrationResult> third = rm.registerTaskExecutor(registration("te-3", "i-1", 1));

    // Refused on the caller's thread, before it waits for the main thread.
    assertThat(third).isCompletedExceptionally();
    OverloadedException refusal = overload(third);
    assertThat(refusal.retryAfter()).contains(RETRY_AFTER);
    assertThat(refusal.getMessage()).contains("2 registrations are in progress")
        .contains(RegistrationConfig.MAX_IN_PROGRESS).contains("retry in 1 s");
    assertThat(rm.registrationsInProgress()).isEqualTo(2);
    assertThat(rm.registrationsRefused(RegistrationRefusal.IN_PROGRESS)).isEqualTo(1);
    assertThat(rm.registrationsRefused(RegistrationRefusal.BEHIND)).isZero();

    main.runPending();
    assertThat(first).isCompleted();
    assertThat(second).isCompleted();
    assertThat(rm.registrationsInProgress()).isZero();
    CompletableFuture<RegistrationResult> again = rm.registerTaskExecutor(registration("te-3", "i-1", 1));
    main.runPending();
    assertThat(again.join().fencing().resourceManagerId()).isEqualTo("rm-admission");
  }

  @Test
  void inProgressBound_countsRefusedAndFailedRegistrationsAsAnswered() {
    start();
    CompletableFuture<RegistrationResult> invalid = rm.registerTaskExecutor(registration("te-1", "i-1", 0));
    main.runPending();
    assertThat(invalid).isCompletedExceptionally();

    rm.eventLoopLag(MAX_LAG.toNanos() + 1);
    CompletableFuture<RegistrationResult> behind = rm.registerTaskExecutor(registration("te-2", "i-1", 1));
    main.runPending();
    assertThat(overload(behind).getMessage()).contains("behind");

    assertThat(rm.registrationsInProgress()).isZero();
    // Bad input is no load shed: only the lag rule's refusal counts.
    assertThat(rm.registrationsRefused(RegistrationRefusal.BEHIND)).isEqualTo(1);
    assertThat(rm.registrationsRefused(RegistrationRefusal.IN_PROGRESS)).isZero();
    assertThat(rm.registrationsRefused(RegistrationRefusal.ADMISSION)).isZero();
  }

  @Test
  void tickLagAboveTheLimit_refusesNewExecutorsForRetryAfter_whileKnownOnesRegisterAgain() {
    start();
    register("te-1");
    main.advance(INTERVAL);
    // The main thread stalls 1.5 s (below the pause rule's 2.5 s): the tick due in it runs at least 0.5 s late.
    main.freeze(Duration.ofMillis(1_500));
    long laggedAt = main.nanoTime();

    CompletableFuture<RegistrationResult> known = rm.registerTaskExecutor(registration("te-1", "i-1", 1));
    CompletableFuture<RegistrationResult> fresh = rm.registerTaskExecutor(registration("te-2", "i-1", 1));
    main.runPending();

    assertThat(known).isCompleted();
    OverloadedException refusal = overload(fresh);
    assertThat(refusal.retryAfter()).contains(RETRY_AFTER);
    assertThat(refusal.getMessage()).contains("heartbeat sender tick lag").contains(RegistrationConfig.MAX_TICK_LAG);

    // Refused until retry-after has passed since the lag was seen (the sender has run on time since).
    main.advanceTo(laggedAt + RETRY_AFTER.toNanos() - 1);
    CompletableFuture<RegistrationResult> early = rm.registerTaskExecutor(registration("te-2", "i-1", 1));
    main.runPending();
    assertThat(early).isCompletedExceptionally();
    main.advanceTo(laggedAt + RETRY_AFTER.toNanos());
    CompletableFuture<RegistrationResult> later = rm.registerTaskExecutor(registration("te-2", "i-1", 1));
    main.runPending();
    assertThat(later).isCompleted();
    assertThat(later.isCompletedExceptionally()).isFalse();
    // The known task executor registering again was not refused; the new one twice.
    assertThat(rm.registrationsRefused(RegistrationRefusal.BEHIND)).isEqualTo(2);
  }

  @Test
  void eventLoopLag_aboveTheLimitRefusesNewExecutors_atTheLimitDoesNot() {
    start();
    rm.eventLoopLag(MAX_LAG.toNanos());
    CompletableFuture<RegistrationResult> atLimit = rm.registerTaskExecutor(registration("te-1", "i-1", 1));
    main.runPending();
    assertThat(atLimit.isCompletedExceptionally()).isFalse();

    rm.eventLoopLag(MAX_LAG.toNanos() + 1);
    CompletableFuture<RegistrationResult> above = rm.registerTaskExecutor(registration("te-2", "i-1", 1));
    main.runPending();

    assertThat(overload(above).getMessage()).contains("RPC event loop lag 100 ms")
        .contains(RegistrationConfig.MAX_EVENT_LOOP_LAG);
  }

  @Test
  void eventLoopLag_beforeStart_isIgnored() {
    rm.eventLoopLag(Duration.ofSeconds(10).toNanos());
    start();

    CompletableFuture<RegistrationResult> registered = rm.registerTaskExecutor(registration("te-1", "i-1", 1));
    main.runPending();

    assertThat(registered.isCompletedExceptionally()).isFalse();
  }

  @Test
  void tickLag_atTheLimitIsNoOverload_aboveItIs() {
    long[] now = {0};
    RegistrationThrottle throttle = new RegistrationThrottle(
        new RegistrationConfig(2, MAX_LAG, MAX_LAG, RETRY_AFTER, Duration.ZERO), () -> now[0]);

    throttle.onTick(MAX_LAG.toNanos());
    assertThat(throttle.behind()).isEmpty();
    throttle.onTick(MAX_LAG.toNanos() + 1);
    assertThat(throttle.behind()).isPresent();
    now[0] = RETRY_AFTER.toNanos();
    assertThat(throttle.behind()).isEmpty();
  }

  @Test
  void lagsWithinTheStartUpGrace_doNotRefuse_laterOnesDo() {
    Duration grace = Duration.ofSeconds(10);
    ManualMainThreadExecutor clock = new ManualMainThreadExecutor();
    ResourceManager graced = ResourceManager.builder()
        .heartbeatConfig(HeartbeatConfig.of(INTERVAL, TIMEOUT))
        .connector(new FakeTaskExecutors())
        .mainThread(clock)
        .registration(new RegistrationConfig(2, MAX_LAG, MAX_LAG, RETRY_AFTER, grace))
        .build();
    graced.startAsync();
    clock.runPending();
    long startedAt = clock.nanoTime();

    clock.advanceTo(startedAt + grace.toNanos() - 1);
    graced.eventLoopLag(Duration.ofSeconds(1).toNanos());
    CompletableFuture<RegistrationResult> early = graced.registerTaskExecutor(registration("te-1", "i-1", 1));
    clock.runPending();
    assertThat(early.isCompletedExceptionally()).isFalse();

    clock.advanceTo(startedAt + grace.toNanos());
    graced.eventLoopLag(MAX_LAG.toNanos() + 1);
    CompletableFuture<RegistrationResult> later = graced.registerTaskExecutor(registration("te-2", "i-1", 1));
    clock.runPending();
    assertThat(overload(later).getMessage()).contains("RPC event loop lag");
  }

  @Test
  void lagLimitsOfZero_turnTheLagRuleOff() {
    RegistrationThrottle throttle = new RegistrationThrottle(
        new RegistrationConfig(2, Duration.ZERO, Duration.ZERO, RETRY_AFTER, Duration.ZERO), () -> 0L);

    throttle.onTick(Duration.ofSeconds(10).toNanos());
    throttle.onEventLoopLag(Duration.ofSeconds(10).toNanos());

    assertThat(throttle.behind()).isEmpty();
  }

  @Test
  void refusalsInABurst_getHintsPacedAtTwiceMaxInProgressPerRetryAfter_andTheFirstAfterALullRetryAfterAgain() {
    start();
    rm.eventLoopLag(MAX_LAG.toNanos() + 1);
    // 2 in progress at most, a 1 s hint: returns paced 1 s / (2 x 2) = 250 ms apart.
    CompletableFuture<RegistrationResult> a = rm.registerTaskExecutor(registration("te-1", "i-1", 1));
    CompletableFuture<RegistrationResult> b = rm.registerTaskExecutor(registration("te-2", "i-1", 1));
    main.runPending();
    CompletableFuture<RegistrationResult> c = rm.registerTaskExecutor(registration("te-3", "i-1", 1));
    main.runPending();
    main.advance(Duration.ofMillis(100));
    CompletableFuture<RegistrationResult> d = rm.registerTaskExecutor(registration("te-4", "i-1", 1));
    main.runPending();

    assertThat(overload(a).retryAfter()).contains(RETRY_AFTER);
    assertThat(overload(b).retryAfter()).contains(Duration.ofMillis(1_250));
    assertThat(overload(c).retryAfter()).contains(Duration.ofMillis(1_500));
    assertThat(overload(c).getMessage()).endsWith("retry in 1500 ms");
    // 100 ms later the next free return is still 1,750 ms after the burst: 1,650 ms from now.
    assertThat(overload(d).retryAfter()).contains(Duration.ofMillis(1_650));

    // Once the last one told is due back, a refusal is told retry-after again.
    main.advance(Duration.ofMillis(1_650));
    rm.eventLoopLag(MAX_LAG.toNanos() + 1);
    CompletableFuture<RegistrationResult> later = rm.registerTaskExecutor(registration("te-5", "i-1", 1));
    main.runPending();
    assertThat(overload(later).retryAfter()).contains(RETRY_AFTER);
  }

  @Test
  void inProgressRefusals_arePacedLikeTheLagRules() {
    start();
    rm.registerTaskExecutor(registration("te-1", "i-1", 1));
    rm.registerTaskExecutor(registration("te-2", "i-1", 1));

    CompletableFuture<RegistrationResult> third = rm.registerTaskExecutor(registration("te-3", "i-1", 1));
    CompletableFuture<RegistrationResult> fourth = rm.registerTaskExecutor(registration("te-4", "i-1", 1));

    assertThat(overload(third).retryAfter()).contains(RETRY_AFTER);
    assertThat(overload(fourth).retryAfter()).contains(Duration.ofMillis(1_250));
    main.runPending();
  }

  @Test
  void pacedHints_neverExceedTheLongestRetryHint() {
    long[] now = {0};
    RegistrationThrottle throttle = new RegistrationThrottle(
        new RegistrationConfig(1, MAX_LAG, MAX_LAG, RETRY_AFTER, Duration.ZERO), () -> now[0]);
    throttle.onEventLoopLag(MAX_LAG.toNanos() + 1);
    Duration last = Duration.ZERO;
    for (int i = 0; i < 200; i++) {
      last = throttle.behind().orElseThrow().retryAfter().orElseThrow();
    }
    // Paced 500 ms apart, the 200th would be told 100.5 s: capped at the longest hint.
    assertThat(last).isEqualTo(RegistrationConfig.MAX_RETRY_AFTER);
  }

  private void start() {
    rm.startAsync();
    main.runPending();
  }

  private void register(String id) {
    TaskExecutorRegistration r = registration(id, "i-1", 1);
    CompletableFuture<RegistrationResult> result = rm.registerTaskExecutor(r);
    main.runPending();
    rm.reportSlots(id, result.join().registrationId(), r.slotReport());
    main.runPending();
  }

  private static OverloadedException overload(CompletableFuture<?> refused) {
    assertThat(refused).isCompletedExceptionally();
    try {
      refused.join();
    } catch (CompletionException e) {
      assertThat(e.getCause()).isInstanceOf(OverloadedException.class);
      return (OverloadedException) e.getCause();
    }
    throw new AssertionError("not refused");
  }
}
