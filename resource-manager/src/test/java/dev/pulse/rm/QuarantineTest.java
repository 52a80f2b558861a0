package dev.pulse.rm;

import static dev.pulse.rm.FakeTaskExecutors.registration;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pulse.heartbeat.HeartbeatConfig;
import dev.pulse.heartbeat.HeartbeatMetrics;
import dev.pulse.heartbeat.time.ManualMainThreadExecutor;
import dev.pulse.rm.store.Mutation;
import dev.pulse.rm.store.RegistryStore;
import dev.pulse.rm.store.MemoryRegistryStore;
import dev.pulse.rm.store.StoredQuarantine;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/**
 * Flapping quarantine on the fake clock (SPEC 11): three losses within ten minutes quarantine a resource id
 * for a minute, doubling to an hour; graceful leaves do not count; a quarantined task executor stays
 * registered and watched but gets no new allocation; the quarantine ends on time or when lifted, and
 * survives a restart on the same store.
 */
class QuarantineTest {

  private static final Duration INTERVAL = Duration.ofSeconds(1);
  private static final Duration TIMEOUT = Duration.ofSeconds(5);
  private static final long EPOCH_MILLIS = 1_800_000_000_000L;

  private final ManualMainThreadExecutor main = new ManualMainThreadExecutor();
  private final FakeTaskExecutors fakes = new FakeTaskExecutors();
  private final RegistryStore store = new MemoryRegistryStore();
  private ResourceManagerCore rm;
  private int instances;

  /** Wall clock that moves with the fake monotonic clock. */
  private final FollowingClock wall = new FollowingClock(main, EPOCH_MILLIS);
  /** How far the resource manager's wall clock is behind {@link #wall} (set back, or slow to sync). */
  private long behindMillis;
  private final Clock rmWall = new Clock() {
    @Override
    public ZoneId getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
      return this;
    }

    @Override
    public Instant instant() {
      return wall.instant().minusMillis(behindMillis);
    }
  };

  @Test
  void threeLossesWithinTheWindow_quarantineForAMinute_andNoNewAllocationGoesThere() {
    start();
    register("te-2", 1);
    flap("te-1", 3, Duration.ofSeconds(20));
    long quarantinedAt = now();

    assertThat(lastOfType(EventType.TASK_EXECUTOR_QUARANTINED).detail()).isEqualTo("lost 3 times within 10 min"
        + " (graceful leaves not counted); no new allocation until " + Instant.ofEpochMilli(quarantinedAt + 60_000)
        + " (1 min)");
    register("te-1", 2); // it may register, and is watched
    main.advance(INTERVAL.multipliedBy(2));
    TaskExecutorInfo info = rm.taskExecutor("te-1");
    assertThat(info.state()).isEqualTo("QUARANTINED");
    assertThat(info.quarantinedUntil()).isEqualTo(quarantinedAt + 60_000);
    assertThat(fakes.get("te-1").callsStartingWith("heartbeat")).isNotEmpty();
    assertThat(rm.overviewSnapshot()).isEqualTo(new Overview("rm-test", 1, 2, 3, 1));
    assertThat(rm.lossGuardStatus().quarantined()).isEqualTo(1);

    assertThat(allocate("job-a", 1)).extracting(Allocation::taskExecutorId).containsExactly("te-2");
    assertThatThrownBy(() -> rm.allocate("job-a", 1)).isInstanceOf(NotEnoughSlotsException.class);
    assertThat(fakes.get("te-1").callsStartingWith("requestSlot")).isEmpty();
  }

  @Test
  void quarantine_endsAfterItsBackoff_andTheSlotsAreOfferedAgain() {
    start();
    flap("te-1", 3, Duration.ofSeconds(20));
    register("te-1", 2);
    long until = rm.taskExecutor("te-1").quarantinedUntil();

    main.advanceTo(wall.nanosAt(until - 1));
    assertThat(rm.taskExecutor("te-1").state()).isEqualTo("QUARANTINED");
    main.advanceTo(wall.nanosAt(until));

    assertThat(lastOfType(EventType.TASK_EXECUTOR_RELEASED_FROM_QUARANTINE).detail())
        .isEqualTo("its quarantine ended");
    assertThat(rm.taskExecutor("te-1")).satisfies(te -> {
      assertThat(te.state()).isEqualTo("ACTIVE");
      assertThat(te.quarantinedUntil()).isZero();
    });
    assertThat(allocate("job-a", 2)).extracting(Allocation::taskExecutorId).containsOnly("te-1");
  }

  @Test
  void gracefulLeaves_andLossesSpreadBeyondTheWindow_doNotQuarantine() {
    start();
    for (int i = 0; i < 5; i++) {
      RegistrationResult r = register("te-1", 1);
      rm.disconnect("te-1", r.registrationId(), "shutting down");
    }
    flap("te-1", 2, Duration.ofSeconds(10));
    main.advance(Duration.ofMinutes(10));
    flap("te-1", 2, Duration.ofSeconds(10));

    assertThat(types()).doesNotContain(EventType.TASK_EXECUTOR_QUARANTINED);
    assertThat(rm.taskExecutor("te-1").quarantinedUntil()).isZero();
  }

  @Test
  void flappingOnDuringTheQuarantine_doublesTheNextOne() {
    start();
    flap("te-1", 3, Duration.ofSeconds(5));
    flap("te-1", 3, Duration.ofSeconds(5)); // three more losses while quarantined
    long firstUntil = lastOfType(EventType.TASK_EXECUTOR_QUARANTINED).time() + 60_000;
    main.advanceTo(wall.nanosAt(firstUntil));

    assertThat(types()).filteredOn(t -> t == EventType.TASK_EXECUTOR_QUARANTINED).hasSize(2);
    assertThat(types()).doesNotContain(EventType.TASK_EXECUTOR_RELEASED_FROM_QUARANTINE);
    assertThat(lastOfType(EventType.TASK_EXECUTOR_QUARANTINED).detail()).endsWith("(2 min)");
  }

  @Test
  void backoff_doublesFromOneMinuteToAnHour() {
    Quarantines q = new Quarantines(QuarantineConfig.defaults());
    List<Long> minutes = new ArrayList<>();
    for (int n = 1; n <= 9; n++) {
      minutes.add(q.backoff(n).toMinutes());
    }
    assertThat(minutes).containsExactly(1L, 2L, 4L, 8L, 16L, 32L, 60L, 60L, 60L);
  }

  @Test
  void quarantineAgain_longAfterTheLastEnded_startsOverAtOneMinute() {
    Quarantines q = new Quarantines(QuarantineConfig.defaults());
    long t = EPOCH_MILLIS;
    for (int i = 0; i < 3; i++) {
      q.lost("te-1", LossReason.UNREACHABLE, t += 1_000);
    }
    assertThat(q.expire("te-1", t + 60_000).kind()).isEqualTo(Quarantines.Kind.RELEASED);
    t += 60_000 + Duration.ofMinutes(5).toMillis();
    for (int i = 0; i < 2; i++) {
      q.lost("te-1", LossReason.UNREACHABLE, t += 1_000);
    }
    assertThat(q.lost("te-1", LossReason.UNREACHABLE, t += 1_000).backoff()).isEqualTo(Duration.ofMinutes(2));
    assertThat(q.expire("te-1", t + 120_000).kind()).isEqualTo(Quarantines.Kind.RELEASED);
    t += 120_000 + Duration.ofMinutes(11).toMillis();
    for (int i = 0; i < 2; i++) {
      q.lost("te-1", LossReason.HEARTBEAT_TIMEOUT, t += 1_000);
    }
    assertThat(q.lost("te-1", LossReason.RESTARTED, t + 1_000).backoff()).isEqualTo(Duration.ofMinutes(1));
  }

  @Test
  void lift_releasesAtOnce_andForgetsTheHistory() {
    start();
    flap("te-1", 3, Duration.ofSeconds(5));
    register("te-1", 1);

    CompletableFuture<Boolean> lifted = rm.liftQuarantine("te-1");
    main.runPending();

    assertThat(lifted).isCompletedWithValue(true);
    assertThat(lastOfType(EventType.TASK_EXECUTOR_RELEASED_FROM_QUARANTINE).detail())
        .isEqualTo("lifted by an administrator");
    assertThat(allocate("job-a", 1)).extracting(Allocation::taskExecutorId).containsExactly("te-1");
    assertThat(rm.liftQuarantine("te-1")).isCompletedWithValue(false);
    assertThat(rm.liftQuarantine("te-9")).isCompletedWithValue(false);
    // Forgotten: one more loss does not quarantine it again.
    flap("te-1", 1, Duration.ofSeconds(5));
    assertThat(types()).filteredOn(t -> t == EventType.TASK_EXECUTOR_QUARANTINED).hasSize(1);
  }

  @Test
  void quarantine_isStored_andKeptAcrossARestart() {
    start();
    flap("te-1", 3, Duration.ofSeconds(5));
    long until = lastOfType(EventType.TASK_EXECUTOR_QUARANTINED).time() + 60_000;
    rm.close();

    start(); // a new core on the same store, as after a restart
    register("te-1", 1);
    assertThat(rm.taskExecutor("te-1").state()).isEqualTo("QUARANTINED");
    assertThat(rm.taskExecutor("te-1").quarantinedUntil()).isEqualTo(until);
    assertThat(rm.overviewSnapshot().slotsFree()).isZero();
    main.advanceTo(wall.nanosAt(until));
    assertThat(rm.taskExecutor("te-1").state()).isEqualTo("ACTIVE");
  }

  @Test
  void lossHistory_isStoredWithEachCountedLoss() {
    start();
    flap("te-1", 2, Duration.ofSeconds(5));
    rm.close();
    assertThat(store.open("rm-test").quarantines()).singleElement().satisfies(q -> {
      assertThat(q.resourceId()).isEqualTo("te-1");
      assertThat(q.losses()).hasSize(2);
      assertThat(q.quarantinedUntil()).isZero();
    });
    assertThat(new Mutation.PutQuarantine(new StoredQuarantine("te-1", List.of(1L), 0, 0, 0)).quarantine().losses())
        .containsExactly(1L);
  }

  @Test
  void quarantine_beginningAndLifted_showInTheOverviewAndTheGuardStatusAtOnce() {
    start();
    flap("te-1", 3, Duration.ofSeconds(5));
    assertThat(rm.lossGuardStatus().quarantined()).isEqualTo(1);
    register("te-1", 2);
    assertThat(rm.overviewSnapshot().slotsFree()).isZero();

    rm.liftQuarantine("te-1");

    assertThat(rm.lossGuardStatus().quarantined()).isZero();
    assertThat(rm.overviewSnapshot().slotsFree()).isEqualTo(2);
  }

  @Test
  void quarantineEnd_waitsForTheWallClock_whenItIsBehindTheTimer() {
    start();
    flap("te-1", 3, Duration.ofSeconds(5));
    register("te-1", 1);
    long until = rm.taskExecutor("te-1").quarantinedUntil();
    behindMillis = 10_000; // the wall clock is set back 10 s while the timer runs

    main.advanceTo(wall.nanosAt(until));
    assertThat(rm.taskExecutor("te-1").state()).isEqualTo("QUARANTINED");
    main.advanceTo(wall.nanosAt(until + behindMillis) - 1);
    assertThat(rm.taskExecutor("te-1").state()).isEqualTo("QUARANTINED");
    main.advanceNanos(1);

    assertThat(rm.taskExecutor("te-1").state()).isEqualTo("ACTIVE");
    assertThat(types()).containsOnlyOnce(EventType.TASK_EXECUTOR_RELEASED_FROM_QUARANTINE);
  }

  @Test
  void closed_endsNoQuarantine() {
    start();
    flap("te-1", 3, Duration.ofSeconds(5));
    long until = lastOfType(EventType.TASK_EXECUTOR_QUARANTINED).time() + 60_000;

    rm.close();
    main.advanceTo(wall.nanosAt(until) + TIMEOUT.toNanos());

    assertThat(types()).doesNotContain(EventType.TASK_EXECUTOR_RELEASED_FROM_QUARANTINE);
    assertThat(store.open("rm-test").quarantines()).singleElement()
        .satisfies(q -> assertThat(q.quarantinedUntil()).isEqualTo(until));
  }

  @Test
  void quarantineTurnedOff_neverQuarantines() {
    Quarantines q = new Quarantines(new QuarantineConfig(-1, Duration.ofMinutes(10), Duration.ofMinutes(1),
        Duration.ofHours(1)));
    for (int i = 0; i < 5; i++) {
      assertThat(q.lost("te-1", LossReason.UNREACHABLE, EPOCH_MILLIS + i).kind()).isEqualTo(Quarantines.Kind.NONE);
    }
    assertThat(q.isQuarantined("te-1")).isFalse();
  }

  @Test
  void lossExactlyAWindowOld_isForgotten() {
    Quarantines q = new Quarantines(QuarantineConfig.defaults());
    long t = EPOCH_MILLIS;
    long window = QuarantineConfig.DEFAULT_WINDOW.toMillis();
    q.lost("te-1", LossReason.UNREACHABLE, t);
    q.lost("te-1", LossReason.UNREACHABLE, t + 1);

    assertThat(q.lost("te-1", LossReason.UNREACHABLE, t + window).kind()).isEqualTo(Quarantines.Kind.NONE);
    // One millisecond younger, it still counts.
    q.lost("te-2", LossReason.UNREACHABLE, t);
    q.lost("te-2", LossReason.UNREACHABLE, t + 1);
    assertThat(q.lost("te-2", LossReason.UNREACHABLE, t + window - 1).kind()).isEqualTo(Quarantines.Kind.QUARANTINED);
  }

  @Test
  void quarantineAgain_exactlyAWindowAfterTheLastEnded_startsOverAtOneMinute() {
    Quarantines q = new Quarantines(QuarantineConfig.defaults());
    long t = EPOCH_MILLIS;
    for (int i = 0; i < 3; i++) {
      q.lost("te-1", LossReason.UNREACHABLE, t + i);
    }
    long releasedAt = t + 2 + 60_000; // quarantined at the third loss, for a minute
    assertThat(q.expire("te-1", releasedAt).kind()).isEqualTo(Quarantines.Kind.RELEASED);
    long window = QuarantineConfig.DEFAULT_WINDOW.toMillis();
    q.lost("te-1", LossReason.UNREACHABLE, releasedAt + window - 2);
    q.lost("te-1", LossReason.UNREACHABLE, releasedAt + window - 1);

    assertThat(q.lost("te-1", LossReason.UNREACHABLE, releasedAt + window).backoff())
        .isEqualTo(QuarantineConfig.DEFAULT_INITIAL_BACKOFF);
  }

  @Test
  void quarantineLongerThanTheWindow_endsFree_ofTheLossesAtItsStart() {
    Quarantines q = new Quarantines(new QuarantineConfig(3, Duration.ofMinutes(10), Duration.ofMinutes(20),
        Duration.ofHours(1)));
    long t = EPOCH_MILLIS;
    for (int i = 0; i < 6; i++) { // three to quarantine it, three more at once while it is quarantined
      q.lost("te-1", LossReason.UNREACHABLE, t + i);
    }

    assertThat(q.expire("te-1", t + 2 + Duration.ofMinutes(20).toMillis()).kind())
        .isEqualTo(Quarantines.Kind.RELEASED);
  }

  @Test
  void lossesWhileQuarantined_areKeptUpToTheLimit_andCountAtItsEnd() {
    int limit = QuarantineConfig.MAX_LOSSES_LIMIT;
    Quarantines q = new Quarantines(new QuarantineConfig(limit, Duration.ofMinutes(10), Duration.ofMinutes(1),
        Duration.ofHours(1)));
    long t = EPOCH_MILLIS;
    for (int i = 0; i < limit; i++) {
      q.lost("te-1", LossReason.UNREACHABLE, t);
    }
    assertThat(q.isQuarantined("te-1")).isTrue();
    for (int i = 0; i <= limit; i++) { // one more than is kept
      q.lost("te-1", LossReason.UNREACHABLE, t + 1);
    }

    assertThat(q.expire("te-1", t + 60_000).kind()).isEqualTo(Quarantines.Kind.QUARANTINED);
  }

  // ------------------------------------------------------------------ helpers

  private long now() {
    return wall.millis();
  }

  private void start() {
    rm = new ResourceManagerCore(new FencingToken("rm-test", 1), HeartbeatConfig.of(INTERVAL, TIMEOUT), main, rmWall,
        fakes, List.of(), HeartbeatMetrics.NONE, store, store.open("rm-test"), TIMEOUT,
        LossGuardConfig.defaults(INTERVAL), QuarantineConfig.defaults());
    main.runPending();
  }

  /** Restarts {@code id} {@code times} times (each new instance replaces the last: a loss as RESTARTED). */
  private void flap(String id, int times, Duration apart) {
    if (!rm.knows(id)) {
      register(id, 1);
    }
    for (int i = 0; i < times; i++) {
      main.advance(apart);
      register(id, 1);
    }
  }

  private RegistrationResult register(String id, int slots) {
    TaskExecutorRegistration registration = registration(id, "i-" + ++instances, slots);
    RegistrationResult result = rm.register(registration);
    rm.slotReport(id, result.registrationId(), registration.slotReport());
    main.runPending();
    return result;
  }

  private List<Allocation> allocate(String job, int n) {
    CompletableFuture<List<Allocation>> f = rm.allocate(job, n);
    main.runPending();
    return f.join();
  }

  private ResourceManagerEvent lastOfType(EventType type) {
    List<ResourceManagerEvent> all = rm.events(0, 10_000).stream().filter(e -> e.type() == type).toList();
    assertThat(all).as("events of type " + type).isNotEmpty();
    return all.get(all.size() - 1);
  }

  private List<EventType> types() {
    return rm.events(0, 10_000).stream().map(ResourceManagerEvent::type).toList();
  }
}
