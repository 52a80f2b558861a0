package dev.pulse.rm;

import static dev.pulse.rm.FakeTaskExecutors.registration;
import static org.assertj.core.api.Assertions.assertThat;

import dev.pulse.heartbeat.HeartbeatConfig;
import dev.pulse.heartbeat.HeartbeatMetrics;
import dev.pulse.heartbeat.time.ManualMainThreadExecutor;
import dev.pulse.rm.FakeTaskExecutors.Health;
import dev.pulse.rm.store.MemoryRegistryStore;
import dev.pulse.rm.store.StoredState;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

/**
 * The loss guard on the fake clock (SPEC 11): detection apart from release, the mass-failure rule, the
 * all-silent rule with fresh deadlines on recovery, the overload rule, and the guard turned off.
 */
class LossGuardTest {

  private static final Duration INTERVAL = Duration.ofSeconds(1);
  private static final Duration TIMEOUT = Duration.ofSeconds(5);
  private static final long EPOCH_MILLIS = 1_800_000_000_000L;

  private final ManualMainThreadExecutor main = new ManualMainThreadExecutor();
  private final FakeTaskExecutors fakes = new FakeTaskExecutors();
  private final Map<String, String> registrationIds = new HashMap<>();
  private ResourceManagerCore rm;
  /** The clock of a guard tested alone (main-thread nanos). */
  private long clock;

  /** Wall clock that moves with the fake monotonic clock. */
  private final FollowingClock wall = new FollowingClock(main, EPOCH_MILLIS);

  // ------------------------------------------------------------------ detection apart from release

  @Test
  void silentExecutor_isSuspectAtOnce_andReleasedAtItsTimeout_whenFewAreSilent() {
    start(LossGuardConfig.defaults(INTERVAL));
    registerAll(6, 1);
    main.advance(INTERVAL.multipliedBy(2));
    fakes.get("te-1").health = Health.HUNG;
    long lastHeard = wall.nanosAt(rm.taskExecutor("te-1").lastHeartbeat());
    long millis = Duration.ofMillis(1).toNanos();
    long silentAfter = TIMEOUT.toNanos() / 4 * 3;

    main.advanceTo(lastHeard + silentAfter - millis);
    assertThat(rm.taskExecutor("te-1").state()).isEqualTo("ACTIVE");
    main.advanceTo(lastHeard + silentAfter + millis);
    assertThat(rm.taskExecutor("te-1").state()).isEqualTo("SUSPECT");
    assertThat(rm.isRegistered("te-1")).isTrue();
    assertThat(rm.overviewSnapshot().slotsTotal()).isEqualTo(6);
    main.advance(INTERVAL);
    assertThat(rm.lossGuardStatus()).isEqualTo(new LossGuardStatus(1, 0, "NORMAL", 0));

    main.advanceTo(lastHeard + TIMEOUT.toNanos() + 2 * millis);
    assertThat(lost()).containsExactly("te-1 HEARTBEAT_TIMEOUT");
    assertThat(types()).doesNotContain(EventType.MASS_FAILURE_SUSPECTED);
  }

  @ParameterizedTest(name = "{1} of {0} silent: held = {2}")
  @CsvSource({"6, 2, false", "6, 3, false", "5, 3, true", "3, 2, false", "6, 4, true", "3, 3, true", "1, 1, false"})
  void massFailure_needsMinUnhealthyAndTheFraction(int registered, int silent, boolean held) {
    start(LossGuardConfig.defaults(INTERVAL));
    registerAll(registered, 1);
    main.advance(INTERVAL.multipliedBy(2));
    for (int i = 1; i <= silent; i++) {
      fakes.get("te-" + i).health = Health.HUNG;
    }

    main.advance(TIMEOUT.multipliedBy(3));

    if (held) {
      assertThat(lost()).isEmpty();
      assertThat(types()).containsOnlyOnce(EventType.MASS_FAILURE_SUSPECTED);
      assertThat(rm.lossGuardStatus()).isEqualTo(new LossGuardStatus(silent, 0, "MASS_FAILURE", silent));
      for (int i = 1; i <= silent; i++) {
        assertThat(rm.taskExecutor("te-" + i).state()).isEqualTo("SUSPECT");
      }
    } else {
      assertThat(lost()).hasSize(silent);
      assertThat(types()).doesNotContain(EventType.MASS_FAILURE_SUSPECTED);
      assertThat(rm.lossGuardStatus().guardState()).isEqualTo("NORMAL");
    }
  }

  @Test
  void massFailure_fourOfSix_releasesNothing_andAllComeBackWithTheirAllocations() {
    start(LossGuardConfig.defaults(INTERVAL));
    registerAll(6, 2);
    List<Allocation> allocations = allocate("job-a", 12);
    main.advance(INTERVAL.multipliedBy(2));
    for (int i = 1; i <= 4; i++) {
      fakes.get("te-" + i).health = Health.HUNG;
    }

    main.advance(TIMEOUT.multipliedBy(6));
    assertThat(lost()).isEmpty();
    assertThat(types()).doesNotContain(EventType.ALLOCATION_LOST);
    assertThat(rm.events(0, 100)).filteredOn(e -> e.type() == EventType.MASS_FAILURE_SUSPECTED).singleElement()
        .extracting(ResourceManagerEvent::detail).asString()
        .startsWith("4 of 6 task executors are silent at once").endsWith("releasing none (6 task executor(s), at most"
            + " resourcemanager.loss-guard.large-cluster-size 50)");
    assertThat(fakes.get("te-1").calls).doesNotContain("disconnect HEARTBEAT_TIMEOUT");

    for (int i = 1; i <= 4; i++) {
      fakes.get("te-" + i).health = Health.ANSWERING;
    }
    main.advance(INTERVAL.multipliedBy(2));
    assertThat(rm.taskExecutors()).extracting(TaskExecutorInfo::state).containsOnly("ACTIVE");
    assertThat(types()).containsOnlyOnce(EventType.MASS_FAILURE_ENDED);
    assertThat(rm.allocations(null)).containsExactlyInAnyOrderElementsOf(allocations);
    assertThat(rm.lossGuardStatus()).isEqualTo(new LossGuardStatus(0, 0, "NORMAL", 4));
    main.advance(TIMEOUT.multipliedBy(2));
    assertThat(lost()).isEmpty();
  }

  @Test
  void hold_showsInTheStatusAtOnce_notOnlyAtTheNextCensus() {
    // A timeout that ends half-way between two sender ticks: no census refreshes the status at that instant.
    Duration timeout = TIMEOUT.plus(INTERVAL.dividedBy(2));
    start(LossGuardConfig.defaults(INTERVAL), HeartbeatConfig.of(INTERVAL, timeout));
    registerAll(6, 1);
    main.advance(INTERVAL.multipliedBy(2));
    long lastHeard = 0;
    for (int i = 1; i <= 4; i++) {
      fakes.get("te-" + i).health = Health.HUNG;
      lastHeard = Math.max(lastHeard, wall.nanosAt(rm.taskExecutor("te-" + i).lastHeartbeat()));
    }

    main.advanceTo(lastHeard + timeout.toNanos() + Duration.ofMillis(1).toNanos());

    assertThat(lost()).isEmpty();
    assertThat(rm.lossGuardStatus().releasesHeldBack()).isEqualTo(4);
  }

  @Test
  void allSilent_releasesNone_evenInALargeCluster_andOnRecoveryEveryDeadlineStartsAfresh() {
    start(LossGuardConfig.defaults(INTERVAL));
    registerAll(60, 1);
    main.advance(INTERVAL.multipliedBy(2));
    fakes.all.forEach(f -> f.health = Health.REFUSING); // the resource manager is cut off from everyone

    main.advance(Duration.ofMinutes(10));
    assertThat(lost()).isEmpty();
    assertThat(rm.lossGuardStatus().suspects()).isEqualTo(60);

    // The cut heals, but te-1 and te-2 hang: once fewer than 55% are silent the mass failure ends, and every
    // one still silent then gets a full timeout from that moment.
    fakes.get("te-1").health = Health.HUNG;
    fakes.get("te-2").health = Health.HUNG;
    for (int i = 3; i <= 60; i++) {
      fakes.get("te-" + i).health = Health.ANSWERING;
    }
    main.advance(INTERVAL.multipliedBy(2));
    ResourceManagerEvent ended = rm.events(0, 1000).stream()
        .filter(e -> e.type() == EventType.MASS_FAILURE_ENDED).findFirst().orElseThrow();
    assertThat(ended.detail()).matches("(\\d+) of 60 task executors silent; each of the \\1 silent one\\(s\\) gets a"
        + " fresh heartbeat timeout of 5 s");
    assertThat(rm.taskExecutors()).filteredOn(te -> te.state().equals("SUSPECT")).extracting(TaskExecutorInfo::id)
        .containsExactlyInAnyOrder("te-1", "te-2");
    long endedAt = wall.nanosAt(ended.time());
    main.advanceTo(endedAt + TIMEOUT.toNanos() - 1);
    assertThat(lost()).isEmpty();
    main.advanceTo(endedAt + TIMEOUT.toNanos() + INTERVAL.toNanos());
    assertThat(lost()).containsExactlyInAnyOrder("te-1 HEARTBEAT_TIMEOUT", "te-2 HEARTBEAT_TIMEOUT");
  }

  @Test
  void massFailure_inALargeCluster_releasesAtTheSecondaryRate() {
    LossGuardConfig d = LossGuardConfig.defaults(INTERVAL);
    start(new LossGuardConfig(true, d.minUnhealthy(), d.unhealthyFraction(), d.largeClusterSize(), 0.1,
        d.overloadTickLag()));
    registerAll(60, 1);
    main.advance(INTERVAL.multipliedBy(2));
    for (int i = 1; i <= 40; i++) {
      fakes.get("te-" + i).health = Health.HUNG;
    }
    main.advance(TIMEOUT.plus(INTERVAL));
    ResourceManagerEvent suspected = rm.events(0, 1000).stream()
        .filter(e -> e.type() == EventType.MASS_FAILURE_SUSPECTED).findFirst().orElseThrow();
    assertThat(suspected.detail()).endsWith("releasing one per 10 s");
    long suspectedAt = wall.nanosAt(suspected.time());
    int lostBefore = lost().size();

    main.advanceTo(suspectedAt + Duration.ofSeconds(95).toNanos());

    // One per 10 s, the first 10 s after the suspicion began, at the guard's once-an-interval census.
    assertThat(lost().size() - lostBefore).isEqualTo(9);
    assertThat(rm.events(0, 1000)).filteredOn(e -> e.type() == EventType.TASK_EXECUTOR_LOST)
        .allSatisfy(e -> assertThat(e.detail()).endsWith("released by the loss guard at its secondary rate during"
            + " a suspected mass failure"));
  }

  @Test
  void overload_ofTheResourceManager_isNotChargedToTheExecutor_itsReleaseComesThatMuchLater() {
    start(LossGuardConfig.defaults(INTERVAL));
    registerAll(6, 1);
    main.advance(INTERVAL.multipliedBy(2));
    fakes.get("te-1").health = Health.HUNG;
    long lastHeard = wall.nanosAt(rm.taskExecutor("te-1").lastHeartbeat());
    main.advanceTo(lastHeard + TIMEOUT.toNanos() - 2 * INTERVAL.toNanos());
    // The main thread stalls for 2 s: more than the 500 ms overload threshold, less than the pause rule's 2.5 s.
    main.freeze(Duration.ofSeconds(2));
    long lag = Duration.ofSeconds(2).toNanos();
    long phase = Duration.ofMillis(10).toNanos(); // the stalled timer was due up to one phase into the stall

    assertThat(rm.taskExecutor("te-1").state()).isEqualTo("SUSPECT");
    assertThat(rm.lossGuardStatus().guardState()).isEqualTo("OVERLOADED");
    main.advanceTo(lastHeard + TIMEOUT.toNanos() + lag - phase - Duration.ofMillis(2).toNanos());
    assertThat(lost()).isEmpty();
    main.advanceTo(lastHeard + TIMEOUT.toNanos() + lag + Duration.ofMillis(2).toNanos());
    assertThat(lost()).containsExactly("te-1 HEARTBEAT_TIMEOUT");
    assertThat(rm.lossGuardStatus().releasesHeldBack()).isEqualTo(1);
    main.advance(TIMEOUT);
    assertThat(rm.lossGuardStatus().guardState()).isEqualTo("NORMAL");
  }

  @Test
  void eventLoopLag_ofTheResourceManager_isNotChargedToTheExecutorEither() {
    start(LossGuardConfig.defaults(INTERVAL));
    registerAll(6, 1);
    main.advance(INTERVAL.multipliedBy(2));
    fakes.get("te-1").health = Health.HUNG;
    long lastHeard = wall.nanosAt(rm.taskExecutor("te-1").lastHeartbeat());
    main.advanceTo(lastHeard + TIMEOUT.toNanos() - 2 * INTERVAL.toNanos());
    // The RPC event loop reports that it ran 2 s late (above the 500 ms threshold); the main thread ran on time.
    long lag = Duration.ofSeconds(2).toNanos();
    rm.eventLoopLag(lag);
    rm.eventLoopLag(Duration.ofMillis(500).toNanos()); // at the threshold: not overload

    main.advanceTo(lastHeard + TIMEOUT.toNanos() + lag - Duration.ofMillis(20).toNanos());
    assertThat(lost()).isEmpty();
    main.advanceTo(lastHeard + TIMEOUT.toNanos() + lag + Duration.ofMillis(20).toNanos());
    assertThat(lost()).containsExactly("te-1 HEARTBEAT_TIMEOUT");
  }

  @Test
  void overload_doesNotHoldBackAnUnreachableExecutor() {
    start(LossGuardConfig.defaults(INTERVAL));
    registerAll(6, 1);
    main.advance(INTERVAL.multipliedBy(2));
    main.freeze(Duration.ofSeconds(2));
    fakes.get("te-1").health = Health.REFUSING;

    main.advance(INTERVAL.multipliedBy(3));

    assertThat(rm.lossGuardStatus().guardState()).isEqualTo("OVERLOADED");
    assertThat(lost()).containsExactly("te-1 UNREACHABLE");
  }

  @Test
  void localPause_isLeftToThePauseRule_andIsNoOverload() {
    start(LossGuardConfig.defaults(INTERVAL));
    registerAll(6, 1);
    main.advance(INTERVAL.multipliedBy(2));
    main.freeze(TIMEOUT.multipliedBy(3));
    main.advance(INTERVAL);
    assertThat(rm.lossGuardStatus()).isEqualTo(new LossGuardStatus(0, 0, "NORMAL", 0));
    main.advance(TIMEOUT.multipliedBy(2));
    assertThat(types()).containsExactly(EventType.TASK_EXECUTOR_REGISTERED, EventType.TASK_EXECUTOR_REGISTERED,
        EventType.TASK_EXECUTOR_REGISTERED, EventType.TASK_EXECUTOR_REGISTERED, EventType.TASK_EXECUTOR_REGISTERED,
        EventType.TASK_EXECUTOR_REGISTERED, EventType.LOCAL_PAUSE_DETECTED);
  }

  @Test
  void guardTurnedOff_releasesEverySilentExecutorAtItsTimeout() {
    start(LossGuardConfig.disabled(INTERVAL));
    registerAll(6, 1);
    main.advance(INTERVAL.multipliedBy(2));
    for (int i = 1; i <= 4; i++) {
      fakes.get("te-" + i).health = Health.HUNG;
    }
    long silentFrom = main.nanoTime();

    main.advanceTo(silentFrom + TIMEOUT.toNanos() + INTERVAL.toNanos());

    assertThat(lost()).hasSize(4);
    assertThat(types()).doesNotContain(EventType.MASS_FAILURE_SUSPECTED);
    assertThat(rm.lossGuardStatus()).isEqualTo(new LossGuardStatus(0, 0, "DISABLED", 0));
  }

  @Test
  void heldExecutor_thatRestarts_isLostAsRestarted_atOnce() {
    start(LossGuardConfig.defaults(INTERVAL));
    registerAll(4, 1);
    main.advance(INTERVAL.multipliedBy(2));
    for (int i = 1; i <= 3; i++) {
      fakes.get("te-" + i).health = Health.HUNG;
    }
    main.advance(TIMEOUT.multipliedBy(2));
    assertThat(lost()).isEmpty();

    register(registration("te-1", "i-new", 1));

    assertThat(lost()).containsExactly("te-1 RESTARTED");
  }

  @Test
  void silentExecutor_isSuspectExactlyThreeQuartersOfTheTimeoutAfterItsLastHeartbeat() {
    start(LossGuardConfig.defaults(INTERVAL));
    registerAll(6, 1);
    main.advance(INTERVAL.multipliedBy(2));
    fakes.get("te-1").health = Health.HUNG;
    long lastHeard = wall.nanosAt(rm.taskExecutor("te-1").lastHeartbeat());
    long silentAfter = TIMEOUT.toNanos() / 4 * 3;

    main.advanceTo(lastHeard + silentAfter - 1);
    assertThat(rm.taskExecutor("te-1").state()).isEqualTo("ACTIVE");
    main.advanceNanos(1);
    assertThat(rm.taskExecutor("te-1").state()).isEqualTo("SUSPECT");
  }

  @Test
  void silentAfter_isAtLeastTwoIntervals_whenThreeQuartersOfTheTimeoutIsLess() {
    Duration timeout = INTERVAL.multipliedBy(2); // 3/4 of it is 1.5 s, less than two intervals
    start(LossGuardConfig.defaults(INTERVAL), HeartbeatConfig.of(INTERVAL, timeout));
    registerAll(6, 1);
    main.advance(INTERVAL.multipliedBy(2));
    fakes.get("te-1").health = Health.HUNG;
    long lastHeard = wall.nanosAt(rm.taskExecutor("te-1").lastHeartbeat());

    main.advanceTo(lastHeard + INTERVAL.toNanos() * 2 - 1);

    assertThat(rm.taskExecutor("te-1").state()).isEqualTo("ACTIVE");
  }

  @Test
  void heldExecutor_thatSendsASlotReport_isBackAtOnce() {
    start(LossGuardConfig.defaults(INTERVAL));
    registerAll(6, 1);
    main.advance(INTERVAL.multipliedBy(2));
    for (int i = 1; i <= 4; i++) {
      fakes.get("te-" + i).health = Health.HUNG;
    }
    main.advance(TIMEOUT.multipliedBy(2));
    assertThat(rm.taskExecutor("te-1").state()).isEqualTo("SUSPECT");

    rm.slotReport("te-1", registrationIds.get("te-1"), SlotReport.allFree(1)); // its heartbeats still hang

    assertThat(rm.taskExecutor("te-1").state()).isEqualTo("ACTIVE");
  }

  @Test
  void everyOneSilent_theSuspicionSaysNoneIsReleased() {
    start(LossGuardConfig.defaults(INTERVAL));
    registerAll(3, 1);
    main.advance(INTERVAL.multipliedBy(2));
    fakes.all.forEach(f -> f.health = Health.HUNG);

    main.advance(TIMEOUT.multipliedBy(2));

    assertThat(lost()).isEmpty();
    assertThat(rm.events(0, 100)).filteredOn(e -> e.type() == EventType.MASS_FAILURE_SUSPECTED).singleElement()
        .extracting(ResourceManagerEvent::detail).asString()
        .isEqualTo("3 of 3 task executors are silent at once (at least 3 and 0.55 of all): the resource manager may"
            + " be the one cut off; releasing none while every one is silent");
  }

  @Test
  void massFailure_inAClusterOfExactlyTheLargeClusterSize_releasesNone() {
    LossGuardConfig d = LossGuardConfig.defaults(INTERVAL);
    start(new LossGuardConfig(true, d.minUnhealthy(), d.unhealthyFraction(), 10, 1, d.overloadTickLag()));
    registerAll(10, 1);
    main.advance(INTERVAL.multipliedBy(2));
    for (int i = 1; i <= 6; i++) {
      fakes.get("te-" + i).health = Health.HUNG;
    }

    main.advance(TIMEOUT.multipliedBy(4)); // twenty turns of the secondary rate: none may be used

    assertThat(lost()).isEmpty();
    assertThat(rm.events(0, 1000)).filteredOn(e -> e.type() == EventType.MASS_FAILURE_SUSPECTED).singleElement()
        .extracting(ResourceManagerEvent::detail).asString()
        .endsWith("releasing none (10 task executor(s), at most resourcemanager.loss-guard.large-cluster-size 10)");
  }

  @Test
  void massFailure_inALargeCluster_releasesTheLongestSilentFirst() {
    LossGuardConfig d = LossGuardConfig.defaults(INTERVAL);
    start(new LossGuardConfig(true, d.minUnhealthy(), d.unhealthyFraction(), d.largeClusterSize(), 0.1,
        d.overloadTickLag()));
    registerAll(60, 1);
    main.advance(INTERVAL.multipliedBy(2));
    Map<String, Long> lastHeartbeat = new HashMap<>();
    for (int i = 1; i <= 40; i++) {
      fakes.get("te-" + i).health = Health.HUNG;
      lastHeartbeat.put("te-" + i, rm.taskExecutor("te-" + i).lastHeartbeat());
    }

    main.advance(Duration.ofSeconds(60));

    // Each release takes the task executor held the longest, which is the one whose last heartbeat is the oldest.
    List<String> released = rm.events(0, 10_000).stream().filter(e -> e.type() == EventType.TASK_EXECUTOR_LOST)
        .map(ResourceManagerEvent::taskExecutorId).toList();
    List<String> oldestFirst = lastHeartbeat.entrySet().stream().sorted(Map.Entry.comparingByValue())
        .map(Map.Entry::getKey).toList();
    assertThat(released).hasSizeGreaterThan(3).isEqualTo(oldestFirst.subList(0, released.size()));
  }

  @Test
  void closed_releasesNothingMore_duringAMassFailureInALargeCluster() {
    LossGuardConfig d = LossGuardConfig.defaults(INTERVAL);
    start(new LossGuardConfig(true, d.minUnhealthy(), d.unhealthyFraction(), d.largeClusterSize(), 0.1,
        d.overloadTickLag()));
    registerAll(60, 1);
    main.advance(INTERVAL.multipliedBy(2));
    for (int i = 1; i <= 40; i++) {
      fakes.get("te-" + i).health = Health.HUNG;
    }
    main.advance(TIMEOUT.plus(INTERVAL));
    assertThat(rm.lossGuardStatus().guardState()).isEqualTo("MASS_FAILURE");
    int lostBefore = lost().size();

    rm.close();
    main.advance(Duration.ofSeconds(60));

    assertThat(lost()).hasSize(lostBefore);
  }

  // ------------------------------------------------------------------ the guard alone, at its boundaries

  @Test
  void census_suspectsAtExactlyTheUnhealthyFraction() {
    LossGuardConfig d = LossGuardConfig.defaults(INTERVAL);
    LossGuard guard = guard(new LossGuardConfig(true, 3, 0.5, 50, 1, d.overloadTickLag()));

    assertThat(guard.census(2, 6)).isEqualTo(LossGuard.Change.NONE);
    assertThat(guard.census(3, 6)).isEqualTo(LossGuard.Change.SUSPECTED);
  }

  @Test
  void mayRelease_inALargeCluster_neverWhileEveryOneIsSilent_andOnTheDotOfEachTurn() {
    LossGuard guard = guard(new LossGuardConfig(true, 3, 0.55, 50, 1, Duration.ofMillis(500)));
    long turn = Duration.ofSeconds(1).toNanos();
    assertThat(guard.census(40, 60)).isEqualTo(LossGuard.Change.SUSPECTED);

    clock = turn - 1;
    assertThat(guard.mayRelease(40, 60)).isFalse();
    clock = turn;
    assertThat(guard.mayRelease(60, 60)).isFalse();
    assertThat(guard.mayRelease(40, 60)).isTrue();
    assertThat(guard.mayRelease(40, 60)).isFalse(); // that used the turn; the next is one turn on
    clock = 2 * turn;
    assertThat(guard.mayRelease(40, 60)).isTrue();
  }

  @Test
  void mayRelease_withTheGuardOff_always() {
    LossGuard guard = guard(LossGuardConfig.disabled(INTERVAL));

    assertThat(guard.mayRelease(60, 60)).isTrue();
  }

  @Test
  void onTick_aLagOfExactlyTheThreshold_isNoOverload_andOverloadLastsOneTimeoutAfterTheLastLag() {
    LossGuard guard = guard(LossGuardConfig.defaults(INTERVAL)); // threshold 500 ms
    guard.onTick(Duration.ofMillis(500).toNanos());
    assertThat(guard.state()).isEqualTo(LossGuard.State.NORMAL);

    guard.onTick(Duration.ofMillis(500).toNanos() + 1);
    clock = TIMEOUT.toNanos() - 1;
    assertThat(guard.state()).isEqualTo(LossGuard.State.OVERLOADED);
    clock = TIMEOUT.toNanos();
    assertThat(guard.state()).isEqualTo(LossGuard.State.NORMAL);
  }

  @Test
  void overloadExtension_countsOnlyLagsAfterTheLastHeartbeat() {
    LossGuard guard = guard(LossGuardConfig.defaults(INTERVAL));
    long second = Duration.ofSeconds(1).toNanos();
    clock = second;
    guard.onTick(2 * second); // the resource manager's timer ran 2 s late, at 1 s
    clock = 6 * second;

    assertThat(guard.overloadExtension(LossReason.HEARTBEAT_TIMEOUT, second)).isZero(); // heard at that instant
    assertThat(guard.overloadExtension(LossReason.HEARTBEAT_TIMEOUT, second - 1)).isEqualTo(2 * second - 1);
  }

  @Test
  void overloadExtension_forgetsLagsOlderThanFourTimeouts() {
    LossGuard guard = guard(LossGuardConfig.defaults(INTERVAL));
    long second = Duration.ofSeconds(1).toNanos();
    clock = second;
    guard.onTick(16 * second);
    long silentSince = second / 2;
    long horizon = second + LossGuard.LAG_HORIZON_TIMEOUTS * TIMEOUT.toNanos();

    clock = horizon; // 20.5 s silent, 16 s of it the resource manager's own lag: charged 4.5 s of the 5
    assertThat(guard.overloadExtension(LossReason.HEARTBEAT_TIMEOUT, silentSince)).isEqualTo(second / 2);
    clock = horizon + 1; // the lag is forgotten: charged in full
    assertThat(guard.overloadExtension(LossReason.HEARTBEAT_TIMEOUT, silentSince)).isZero();
  }

  @Test
  void overloadExtension_keepsTheNewestHundredThousandLags() {
    LossGuard guard = guard(LossGuardConfig.defaults(INTERVAL));
    long lag = Duration.ofMillis(600).toNanos();
    for (int i = 0; i <= LossGuard.MAX_LAGS; i++) {
      guard.onTick(lag);
    }
    clock = 1;

    long extension = guard.overloadExtension(LossReason.HEARTBEAT_TIMEOUT, -1);

    assertThat(extension).isEqualTo(TIMEOUT.toNanos() - 2 + LossGuard.MAX_LAGS * lag);
  }

  // ------------------------------------------------------------------ helpers

  private void start(LossGuardConfig guard) {
    start(guard, HeartbeatConfig.of(INTERVAL, TIMEOUT));
  }

  private void start(LossGuardConfig guard, HeartbeatConfig heartbeat) {
    rm = new ResourceManagerCore(new FencingToken("rm-test", 1), heartbeat, main, wall,
        fakes, List.of(), HeartbeatMetrics.NONE, new MemoryRegistryStore(),
        new StoredState("rm-test", 1, List.of(), List.of(), 0, List.of()), TIMEOUT, guard, QuarantineConfig.defaults());
  }

  private void registerAll(int n, int slots) {
    for (int i = 1; i <= n; i++) {
      register(registration("te-" + i, "i-1", slots));
    }
  }

  private void register(TaskExecutorRegistration registration) {
    RegistrationResult result = rm.register(registration);
    registrationIds.put(registration.resourceId(), result.registrationId());
    rm.slotReport(registration.resourceId(), result.registrationId(), registration.slotReport());
  }

  /** The guard alone, on {@link #clock}. */
  private LossGuard guard(LossGuardConfig config) {
    return new LossGuard(config, HeartbeatConfig.of(INTERVAL, TIMEOUT), () -> clock);
  }

  private List<Allocation> allocate(String job, int n) {
    CompletableFuture<List<Allocation>> f = rm.allocate(job, n);
    main.runPending();
    return f.join();
  }

  private List<String> lost() {
    List<String> result = new ArrayList<>();
    for (ResourceManagerEvent e : rm.events(0, 10_000)) {
      if (e.type() == EventType.TASK_EXECUTOR_LOST) {
        result.add(e.taskExecutorId() + " " + e.reason());
      }
    }
    return result;
  }

  private List<EventType> types() {
    return rm.events(0, 10_000).stream().map(ResourceManagerEvent::type).toList();
  }
}
