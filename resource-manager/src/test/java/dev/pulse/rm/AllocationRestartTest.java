package dev.pulse.rm;

import static dev.pulse.rm.FakeTaskExecutors.registration;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pulse.heartbeat.HeartbeatConfig;
import dev.pulse.heartbeat.HeartbeatMetrics;
import dev.pulse.heartbeat.time.ManualMainThreadExecutor;
import dev.pulse.rm.store.MemoryRegistryStore;
import dev.pulse.rm.store.StoredQuarantine;
import dev.pulse.rm.store.StoredState;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/**
 * The allocation lifecycle on executor loss (SPEC 10), on the fake clock: an allocation with a restart policy is
 * placed again on another task executor exactly one backoff after the loss (same id, next attempt, {@code PENDING}
 * while it waits), fails at its last attempt or at its deadline, is not charged for a graceful leave or a drain, and
 * never moves to a quarantined task executor. Expected times are worked out here from the policy.
 */
class AllocationRestartTest {

  private static final Duration INTERVAL = Duration.ofSeconds(1);
  private static final Duration TIMEOUT = Duration.ofSeconds(5);
  private static final Duration BACKOFF = Duration.ofSeconds(2);
  private static final Duration DEADLINE = Duration.ofSeconds(30);
  private static final long EPOCH_MILLIS = 1_800_000_000_000L;
  private static final long MILLI = 1_000_000;

  private final ManualMainThreadExecutor main = new ManualMainThreadExecutor();
  private final FakeTaskExecutors fakes = new FakeTaskExecutors();
  private final List<String> heard = new ArrayList<>();
  private final List<ResourceManagerEvent> published = new ArrayList<>();
  private final FollowingClock wall = new FollowingClock(main, EPOCH_MILLIS);
  private final MemoryRegistryStore store = new MemoryRegistryStore();
  private final Map<String, String> registrationIds = new HashMap<>();
  private ResourceManagerCore rm = start(List.of());

  // ------------------------------------------------------------------ moves

  @Test
  void lostExecutor_allocationMovesExactlyOneBackoffLater_sameIdNextAttempt_pendingWhileItWaits() {
    register("te-1", 2);
    register("te-2", 1);
    Allocation a = allocate("job-a", 1, new RestartPolicy(3, BACKOFF, DEADLINE)).get(0);
    assertThat(a.taskExecutorId()).isEqualTo("te-1");
    assertThat(a.attempt()).isEqualTo(1);
    List<AllocationUpdate> updates = new ArrayList<>();
    rm.watch("job-a", rm.lastEvent().seq(), updates::add);

    long lostAt = crash("te-1");

    assertThat(rm.allocations("job-a")).singleElement().satisfies(w -> {
      assertThat(w.allocationId()).isEqualTo(a.allocationId());
      assertThat(w.state()).isEqualTo(Allocation.State.PENDING);
      assertThat(w.taskExecutorId()).isNull();
      assertThat(w.slotIndex()).isEqualTo(-1);
      assertThat(w.attempt()).isEqualTo(2);
    });
    assertThat(published).noneMatch(e -> e.type() == EventType.ALLOCATION_LOST);
    assertThat(heard).doesNotContain("allocation lost " + a.allocationId() + " RESTARTED");
    main.advanceTo(lostAt + BACKOFF.toNanos() - 1);
    assertThat(fakes.get("te-2").callsStartingWith("requestSlot")).isEmpty();

    main.advanceNanos(1);

    assertThat(fakes.get("te-2").callsStartingWith("requestSlot")).containsExactly("requestSlot 0 " + a.allocationId());
    assertThat(rm.allocations("job-a")).singleElement().isEqualTo(new Allocation(a.allocationId(), "job-a", "te-2", 0,
        Allocation.State.ALLOCATED, a.createdAt(), 2, a.restart()));
    ResourceManagerEvent moved = last(EventType.ALLOCATION_MOVED);
    assertThat(wall.nanosAt(moved.time())).isEqualTo(lostAt + BACKOFF.toNanos());
    assertThat(moved.taskExecutorId()).isEqualTo("te-2");
    assertThat(moved.reason()).isEqualTo(LossReason.RESTARTED);
    assertThat(moved.detail()).startsWith("moved from te-1 to te-2 (slot 0) after its task executor was lost")
        .endsWith("attempt 2 of 3");
    assertThat(heard).contains("allocation moved " + a.allocationId() + " te-1->te-2 attempt 2");
    assertThat(updates).extracting(AllocationUpdate::type).containsExactly(EventType.ALLOCATION_MOVED);
    assertThat(updates.get(0).previousTaskExecutorId()).isEqualTo("te-1");
    assertThat(rm.overviewSnapshot().slotsFree()).isZero();
  }

  @Test
  void withoutAPolicy_aLostAllocationIsReportedLost_asBefore() {
    register("te-1", 1);
    register("te-2", 1);
    Allocation a = allocate("job-a", 1, null).get(0);

    crash("te-1");
    main.advance(DEADLINE);

    assertThat(heard).contains("allocation lost " + a.allocationId() + " RESTARTED");
    assertThat(rm.allocations("job-a")).isEmpty();
    assertThat(fakes.get("te-2").callsStartingWith("requestSlot")).isEmpty();
  }

  @Test
  void lossDuringTheLastAttempt_failsWithAttemptsExhausted_once_andNothingIsPlacedAgain() {
    register("te-1", 1);
    register("te-2", 1);
    register("te-3", 1);
    Allocation a = allocate("job-a", 1, new RestartPolicy(2, BACKOFF, DEADLINE)).get(0);
    crash(a.taskExecutorId());
    main.advance(BACKOFF);
    Allocation moved = rm.allocations("job-a").get(0);
    assertThat(moved.attempt()).isEqualTo(2);

    crash(moved.taskExecutorId());
    main.advance(DEADLINE.multipliedBy(2));

    assertThat(published).filteredOn(e -> e.type() == EventType.ALLOCATION_FAILED).singleElement().satisfies(e -> {
      assertThat(e.allocationId()).isEqualTo(a.allocationId());
      assertThat(e.reason()).isEqualTo(LossReason.ATTEMPTS_EXHAUSTED);
      assertThat(e.taskExecutorId()).isEqualTo(moved.taskExecutorId());
      assertThat(e.detail()).contains("during attempt 2 of 2");
    });
    assertThat(heard).containsOnlyOnce("allocation failed " + a.allocationId() + " ATTEMPTS_EXHAUSTED");
    assertThat(rm.allocations("job-a")).isEmpty();
    assertThat(rm.failures("job-a")).singleElement().satisfies(f -> {
      assertThat(f.reason()).isEqualTo(LossReason.ATTEMPTS_EXHAUSTED);
      assertThat(f.lastTaskExecutorId()).isEqualTo(moved.taskExecutorId());
      assertThat(f.allocation().attempt()).isEqualTo(2);
    });
    int asked = 0;
    for (FakeTaskExecutors.Fake f : fakes.all) {
      asked += f.callsStartingWith("requestSlot").size();
    }
    assertThat(asked).isEqualTo(2); // its first placement and its one move
  }

  @Test
  void noFreeSlotUntilTheDeadline_failsExactlyAtTheDeadline() {
    register("te-1", 1);
    register("te-2", 1);
    Allocation a = allocate("job-a", 1, new RestartPolicy(3, BACKOFF, DEADLINE)).get(0);
    allocate("job-filler", 1, null);
    long lostAt = crash(a.taskExecutorId());

    main.advanceTo(lostAt + DEADLINE.toNanos() - 1);
    assertThat(rm.allocations("job-a")).singleElement().extracting(Allocation::state)
        .isEqualTo(Allocation.State.PENDING);
    assertThat(published).noneMatch(e -> e.type() == EventType.ALLOCATION_FAILED);
    main.advanceNanos(1);

    ResourceManagerEvent failed = last(EventType.ALLOCATION_FAILED);
    assertThat(wall.nanosAt(failed.time())).isEqualTo(lostAt + DEADLINE.toNanos());
    assertThat(failed.reason()).isEqualTo(LossReason.NO_SLOT_BEFORE_DEADLINE);
    assertThat(rm.allocations("job-a")).isEmpty();
    assertThat(heard).containsOnlyOnce("allocation failed " + a.allocationId() + " NO_SLOT_BEFORE_DEADLINE");
  }

  @Test
  void aSlotFreedBeforeTheDeadline_takesTheWaitingAllocationAtOnce() {
    register("te-1", 1);
    register("te-2", 1);
    Allocation a = allocate("job-a", 1, new RestartPolicy(3, BACKOFF, DEADLINE)).get(0);
    Allocation filler = allocate("job-filler", 1, null).get(0);
    long lostAt = crash(a.taskExecutorId());
    main.advanceTo(lostAt + Duration.ofSeconds(10).toNanos() + 123);
    long freedAt = main.nanoTime();

    rm.release(filler.allocationId());
    main.runPending(); // the answer of the task executor asked (synchronous here) comes back as a task

    assertThat(rm.allocations("job-a")).singleElement().satisfies(m -> {
      assertThat(m.state()).isEqualTo(Allocation.State.ALLOCATED);
      assertThat(m.taskExecutorId()).isEqualTo(filler.taskExecutorId());
    });
    assertThat(main.nanoTime()).isEqualTo(freedAt); // not at its next retry, an interval later
    main.advance(DEADLINE);
    assertThat(published).noneMatch(e -> e.type() == EventType.ALLOCATION_FAILED);
  }

  @Test
  void gracefulLeave_movesWithoutCountingAnAttempt() {
    register("te-1", 1);
    register("te-2", 1);
    register("te-3", 1);
    Allocation a = allocate("job-a", 1, new RestartPolicy(1, BACKOFF, DEADLINE)).get(0);

    leave(a.taskExecutorId());
    main.advance(BACKOFF);

    Allocation moved = rm.allocations("job-a").get(0);
    assertThat(moved.state()).isEqualTo(Allocation.State.ALLOCATED);
    assertThat(moved.attempt()).isEqualTo(1);
    assertThat(last(EventType.ALLOCATION_MOVED).detail()).contains("after its task executor left");
    // Its one attempt is still there to lose: a crash now fails it.
    crash(moved.taskExecutorId());
    assertThat(last(EventType.ALLOCATION_FAILED).reason()).isEqualTo(LossReason.ATTEMPTS_EXHAUSTED);
  }

  @Test
  void drain_movesAllocationsWithAPolicyWithoutCounting_keepsTheOthers_andOffersNoSlot() {
    register("te-1", 3);
    register("te-2", 2);
    Allocation a = allocate("job-a", 1, new RestartPolicy(1, BACKOFF, DEADLINE)).get(0);
    Allocation plain = allocate("job-b", 1, null).get(0);
    assertThat(List.of(a.taskExecutorId(), plain.taskExecutorId())).containsOnly("te-1");
    long drainedAt = main.nanoTime();

    assertThat(rm.drain("te-1")).isEqualTo(1);

    assertThat(fakes.get("te-1").callsStartingWith("freeSlot")).containsExactly("freeSlot " + a.allocationId());
    assertThatThrownBy(() -> rm.allocate("job-c", 3)).isInstanceOf(NotEnoughSlotsException.class);
    main.advanceTo(drainedAt + BACKOFF.toNanos());
    assertThat(rm.allocations("job-a")).singleElement().satisfies(m -> {
      assertThat(m.taskExecutorId()).isEqualTo("te-2");
      assertThat(m.attempt()).isEqualTo(1);
    });
    assertThat(last(EventType.ALLOCATION_MOVED).reason()).isNull();
    assertThat(rm.allocations("job-b")).containsExactly(plain);
    assertThat(rm.drain("te-9")).isEqualTo(-1);
  }

  @Test
  void quarantinedExecutor_getsNoMove_evenWithTheMostFreeSlots() {
    rm.close();
    rm = start(List.of(new StoredQuarantine("te-2", List.of(), 1, EPOCH_MILLIS + 3_600_000, 0)));
    register("te-1", 1);
    register("te-2", 4);
    register("te-3", 1);
    Allocation a = allocate("job-a", 1, new RestartPolicy(3, BACKOFF, DEADLINE)).get(0);
    assertThat(a.taskExecutorId()).isEqualTo("te-1");

    crash("te-1");
    main.advance(BACKOFF);

    assertThat(rm.allocations("job-a")).singleElement().extracting(Allocation::taskExecutorId).isEqualTo("te-3");
    assertThat(fakes.get("te-2").callsStartingWith("requestSlot")).isEmpty();
  }

  @Test
  void aSlotFreedDuringTheBackoff_waitsForTheEndOfTheBackoff() {
    register("te-1", 1);
    register("te-2", 1);
    Allocation a = allocate("job-a", 1, new RestartPolicy(3, BACKOFF, DEADLINE)).get(0);
    Allocation filler = allocate("job-filler", 1, null).get(0);
    long lostAt = crash(a.taskExecutorId());
    main.advanceTo(lostAt + BACKOFF.toNanos() / 2);

    rm.release(filler.allocationId());
    main.advanceTo(lostAt + BACKOFF.toNanos() - 1);
    assertThat(asksFor(a, "te-2")).isZero();
    main.advanceNanos(1);

    assertThat(asksFor(a, "te-2")).isEqualTo(1);
    assertThat(rm.allocations("job-a")).singleElement().extracting(Allocation::state)
        .isEqualTo(Allocation.State.ALLOCATED);
  }

  @Test
  void aSlotFreedAtTheEndOfTheBackoff_afterTheRetryFoundNone_isTakenAtOnce() {
    register("te-1", 1);
    register("te-2", 1);
    Allocation a = allocate("job-a", 1, new RestartPolicy(3, BACKOFF, DEADLINE)).get(0);
    Allocation filler = allocate("job-filler", 1, null).get(0);
    long lostAt = crash(a.taskExecutorId());
    main.advanceTo(lostAt + BACKOFF.toNanos()); // the retry at the end of the backoff finds no slot

    rm.release(filler.allocationId());
    main.runPending();

    assertThat(asksFor(a, "te-2")).isEqualTo(1);
    assertThat(rm.allocations("job-a")).singleElement().extracting(Allocation::taskExecutorId).isEqualTo("te-2");
  }

  @Test
  void twoMovesAndOneSlotThatIsRefused_bothKeepAsking() {
    register("te-1", 2);
    register("te-2", 1);
    RestartPolicy policy = new RestartPolicy(3, BACKOFF, DEADLINE);
    Allocation a = allocate("job-a", 1, policy).get(0);
    Allocation b = allocate("job-b", 1, policy).get(0);
    assertThat(List.of(a.taskExecutorId(), b.taskExecutorId())).containsOnly("te-1");
    fakes.get("te-2").refuseSlots = true;
    long lostAt = crash("te-1");

    main.advanceTo(lostAt + BACKOFF.toNanos() + INTERVAL.toNanos() * 4);

    // The one slot is tried by one move at a time; the other looks again an interval later, and so on.
    assertThat(asksFor(a, "te-2")).isGreaterThanOrEqualTo(2);
    assertThat(asksFor(b, "te-2")).isGreaterThanOrEqualTo(2);
  }

  @Test
  void refusedPlacement_afterASlotFreedBetweenRetries_isAskedAgainOneIntervalAfterTheRefusal() {
    register("te-1", 1);
    register("te-2", 1);
    Allocation a = allocate("job-a", 1, new RestartPolicy(3, BACKOFF, DEADLINE)).get(0);
    Allocation filler = allocate("job-filler", 1, null).get(0);
    long lostAt = crash(a.taskExecutorId());
    main.advanceTo(lostAt + BACKOFF.toNanos() + INTERVAL.toNanos() / 2); // a retry is due half an interval on
    fakes.get("te-2").refuseSlots = true;
    long freedAt = main.nanoTime();

    rm.release(filler.allocationId());
    main.runPending();
    assertThat(asksFor(a, "te-2")).isEqualTo(1);

    main.advanceTo(freedAt + INTERVAL.toNanos() - 1); // the retry that was due meanwhile no longer runs
    assertThat(asksFor(a, "te-2")).isEqualTo(1);
    main.advanceNanos(1);
    assertThat(asksFor(a, "te-2")).isEqualTo(2);
  }

  @Test
  void aMoveThatFoundNoSlot_looksAgainAnIntervalLater_forOneThatARefusalGaveBack() {
    register("te-1", 2);
    register("te-2", 1);
    RestartPolicy policy = new RestartPolicy(3, BACKOFF, DEADLINE);
    Allocation a = allocate("job-a", 1, policy).get(0);
    Allocation b = allocate("job-b", 1, policy).get(0);
    fakes.get("te-2").hangSlots = true;
    long lostAt = crash("te-1");
    main.advanceTo(lostAt + BACKOFF.toNanos() + INTERVAL.toNanos() / 2); // one is asked at te-2, one found no slot
    Allocation asked = asksFor(a, "te-2") == 1 ? a : b;
    Allocation other = asked == a ? b : a;
    assertThat(asksFor(other, "te-2")).isZero();

    fakes.get("te-2").pendingSlots.get(0).completeExceptionally(new IllegalStateException("test: refused"));
    main.advanceTo(lostAt + BACKOFF.toNanos() + INTERVAL.toNanos());

    assertThat(asksFor(other, "te-2")).isEqualTo(1); // at its own retry, before the refused one's
    assertThat(asksFor(asked, "te-2")).isEqualTo(1);
  }

  @Test
  void refusedPlacement_offersTheSlotAgainAtOnce() {
    register("te-1", 1);
    register("te-2", 1);
    Allocation a = allocate("job-a", 1, new RestartPolicy(3, BACKOFF, DEADLINE)).get(0);
    fakes.get("te-2").hangSlots = true;
    long lostAt = crash(a.taskExecutorId());
    main.advanceTo(lostAt + BACKOFF.toNanos());
    assertThat(rm.overviewSnapshot().slotsFree()).isZero(); // taken by the placement being asked

    fakes.get("te-2").pendingSlots.get(0).completeExceptionally(new IllegalStateException("test: refused"));
    main.runPending();

    assertThat(rm.overviewSnapshot().slotsFree()).isEqualTo(1);
  }

  @Test
  void refusalThatArrivesAfterTheDeadline_failsTheMoveAtOnce() {
    register("te-1", 1);
    register("te-2", 1);
    Allocation a = allocate("job-a", 1, new RestartPolicy(3, BACKOFF, DEADLINE)).get(0);
    fakes.get("te-2").hangSlots = true;
    long lostAt = crash(a.taskExecutorId());
    main.advanceTo(lostAt + DEADLINE.toNanos() + INTERVAL.toNanos());
    assertThat(published).noneMatch(e -> e.type() == EventType.ALLOCATION_FAILED); // its answer decides

    fakes.get("te-2").pendingSlots.get(0).completeExceptionally(new IllegalStateException("test: refused"));
    main.runPending();

    assertThat(last(EventType.ALLOCATION_FAILED)).satisfies(e -> {
      assertThat(e.allocationId()).isEqualTo(a.allocationId());
      assertThat(e.reason()).isEqualTo(LossReason.NO_SLOT_BEFORE_DEADLINE);
    });
    assertThat(rm.allocations("job-a")).isEmpty();
  }

  @Test
  void newExecutorLostWhileAskedAfterTheDeadline_failsTheMoveAtOnce() {
    register("te-1", 1);
    register("te-2", 1);
    Allocation a = allocate("job-a", 1, new RestartPolicy(3, BACKOFF, DEADLINE)).get(0);
    assertThat(a.taskExecutorId()).isEqualTo("te-1");
    fakes.get("te-2").hangSlots = true;
    long lostAt = crash("te-1");
    main.advanceTo(lostAt + DEADLINE.toNanos() + INTERVAL.toNanos());

    leave("te-2");

    assertThat(last(EventType.ALLOCATION_FAILED)).satisfies(e -> {
      assertThat(e.allocationId()).isEqualTo(a.allocationId());
      assertThat(e.reason()).isEqualTo(LossReason.NO_SLOT_BEFORE_DEADLINE);
    });
    assertThat(heard).containsOnlyOnce("allocation failed " + a.allocationId() + " NO_SLOT_BEFORE_DEADLINE");
  }

  @Test
  void aMoveWaitingForASlot_takesOneOfANewExecutorAtOnce() {
    register("te-1", 1);
    Allocation a = allocate("job-a", 1, new RestartPolicy(3, BACKOFF, DEADLINE)).get(0);
    long lostAt = crash("te-1");
    main.advanceTo(lostAt + BACKOFF.toNanos() + INTERVAL.toNanos() / 2);

    register("te-3", 1);
    main.runPending();

    assertThat(asksFor(a, "te-3")).isEqualTo(1);
    assertThat(rm.allocations("job-a")).singleElement().extracting(Allocation::taskExecutorId).isEqualTo("te-3");
  }

  @Test
  void aMoveWaitingForASlot_takesOneThatAnUndoneAllocationGivesBackAtOnce() {
    register("te-1", 1);
    register("te-2", 1);
    Allocation a = allocate("job-a", 1, new RestartPolicy(3, BACKOFF, DEADLINE)).get(0);
    fakes.get("te-2").hangSlots = true;
    CompletableFuture<List<Allocation>> other = rm.allocate("job-b", 1); // te-2's slot, while it is asked
    main.runPending();
    long lostAt = crash("te-1");
    main.advanceTo(lostAt + BACKOFF.toNanos() + INTERVAL.toNanos() / 2);
    assertThat(asksFor(a, "te-2")).isZero();

    fakes.get("te-2").pendingSlots.get(0).completeExceptionally(new IllegalStateException("test: refused"));
    main.runPending();

    assertThat(other).isCompletedExceptionally();
    assertThat(asksFor(a, "te-2")).isEqualTo(1);
  }

  @Test
  void aMoveWaitingForASlot_takesOneThatAReleasedMoveGivesBackAtOnce() {
    register("te-1", 2);
    register("te-2", 1);
    RestartPolicy policy = new RestartPolicy(3, BACKOFF, DEADLINE);
    Allocation a = allocate("job-a", 1, policy).get(0);
    Allocation b = allocate("job-b", 1, policy).get(0);
    fakes.get("te-2").hangSlots = true;
    long lostAt = crash("te-1");
    main.advanceTo(lostAt + BACKOFF.toNanos() + INTERVAL.toNanos() / 2);
    Allocation beingPlaced = asksFor(a, "te-2") == 1 ? a : b;
    Allocation waiting = beingPlaced == a ? b : a;
    assertThat(asksFor(waiting, "te-2")).isZero();

    rm.release(beingPlaced.allocationId());
    main.runPending();

    assertThat(asksFor(waiting, "te-2")).isEqualTo(1);
  }

  @Test
  void aMoveWaitingForASlot_takesOneThatADroppedAllocationGivesBack_atTheSameInstant() {
    register("te-1", 1);
    register("te-2", 1);
    Allocation a = allocate("job-a", 1, new RestartPolicy(3, BACKOFF, DEADLINE)).get(0);
    Allocation filler = allocate("job-filler", 1, null).get(0);
    long lostAt = crash(a.taskExecutorId());
    main.advanceTo(lostAt + BACKOFF.toNanos() + INTERVAL.toNanos() / 2);

    fakes.get("te-2").slotAllocations[filler.slotIndex()] = null; // its next heartbeat reports the slot free
    main.advance(INTERVAL);

    ResourceManagerEvent dropped = last(EventType.ALLOCATION_LOST);
    assertThat(dropped.allocationId()).isEqualTo(filler.allocationId());
    assertThat(dropped.reason()).isEqualTo(LossReason.DROPPED_BY_TASK_EXECUTOR);
    assertThat(last(EventType.ALLOCATION_MOVED).time()).isEqualTo(dropped.time());
  }

  @Test
  void aMoveWaitingForASlot_takesOneWhoseQuarantineIsLiftedAtOnce() {
    rm.close();
    rm = start(List.of(new StoredQuarantine("te-2", List.of(), 1, EPOCH_MILLIS + 3_600_000, 0)));
    register("te-1", 1);
    register("te-2", 1);
    Allocation a = allocate("job-a", 1, new RestartPolicy(3, BACKOFF, DEADLINE)).get(0);
    long lostAt = crash("te-1");
    main.advanceTo(lostAt + BACKOFF.toNanos() + INTERVAL.toNanos() / 2);
    assertThat(asksFor(a, "te-2")).isZero();

    rm.liftQuarantine("te-2");
    main.runPending();

    assertThat(asksFor(a, "te-2")).isEqualTo(1);
  }

  @Test
  void aMoveThatFindsNoSlotTwice_keepsOneRetry_soARefusingExecutorIsAskedOncePerInterval() {
    rm.close();
    long until = EPOCH_MILLIS + 3_600_000;
    rm = start(List.of(new StoredQuarantine("te-2", List.of(), 1, until, 0),
        new StoredQuarantine("te-3", List.of(), 1, until, 0)));
    register("te-1", 1);
    register("te-2", 1);
    fakes.get("te-2").refuseSlots = true;
    Allocation a = allocate("job-a", 1, new RestartPolicy(3, BACKOFF, DEADLINE)).get(0);
    long lostAt = crash("te-1");
    // The retry at the end of the backoff finds no slot (te-2 is quarantined). Half an interval later a quarantined
    // newcomer offers a slot that fits no move either: the move looks again an interval later, with one timer.
    main.advanceTo(lostAt + BACKOFF.toNanos() + INTERVAL.toNanos() / 2);
    register("te-3", 1);
    main.runPending();
    rm.liftQuarantine("te-2");
    main.runPending();
    long liftedAt = main.nanoTime();
    assertThat(asksFor(a, "te-2")).isEqualTo(1);

    main.advanceTo(liftedAt + INTERVAL.multipliedBy(5).toNanos() - MILLI);

    // Asked when its quarantine was lifted, then once an interval after each refusal: 5, not one per timer.
    assertThat(asksFor(a, "te-2")).isEqualTo(5);
  }

  @Test
  void jobViews_showOnlyThatJobsMovingAndFailedAllocations() {
    register("te-1", 2);
    RestartPolicy policy = new RestartPolicy(3, BACKOFF, DEADLINE);
    Allocation a = allocate("job-a", 1, policy).get(0);
    Allocation b = allocate("job-b", 1, policy).get(0);
    long lostAt = crash("te-1");

    assertThat(rm.allocations("job-a")).extracting(Allocation::allocationId).containsExactly(a.allocationId());
    assertThat(rm.allocations(null)).extracting(Allocation::allocationId)
        .containsExactlyInAnyOrder(a.allocationId(), b.allocationId());
    main.advanceTo(lostAt + DEADLINE.toNanos()); // nowhere to go: both fail
    assertThat(rm.failures("job-b")).extracting(f -> f.allocation().allocationId())
        .containsExactly(b.allocationId());
    assertThat(rm.failures(null)).hasSize(2);
  }

  @Test
  void closed_placesNothingMore_andFailsNothing() {
    register("te-1", 1);
    register("te-2", 1);
    Allocation a = allocate("job-a", 1, new RestartPolicy(3, BACKOFF, DEADLINE)).get(0);
    crash(a.taskExecutorId());

    rm.close();
    main.advance(DEADLINE.multipliedBy(2));

    assertThat(asksFor(a, "te-2")).isZero();
    assertThat(published).noneMatch(e -> e.type() == EventType.ALLOCATION_FAILED);
  }

  @Test
  void failures_keepTheNewestThousand_inMemoryAndInTheStore() {
    register("te-0", 1);
    Allocation oldest = allocate("job-old", 1, new RestartPolicy(1, BACKOFF, DEADLINE)).get(0);
    crash("te-0"); // the oldest failure, of a loss of its own
    register("te-1", Relocations.KEPT_FAILURES);
    allocate("job-a", Relocations.KEPT_FAILURES, new RestartPolicy(1, BACKOFF, DEADLINE));

    crash("te-1"); // every allocation was in its one attempt: all fail, and the oldest failure is forgotten

    List<String> kept = rm.failures(null).stream().map(f -> f.allocation().allocationId()).toList();
    assertThat(kept).hasSize(Relocations.KEPT_FAILURES).doesNotHaveDuplicates().doesNotContain(oldest.allocationId());
    restart();
    assertThat(rm.failures(null)).extracting(f -> f.allocation().allocationId())
        .containsExactlyInAnyOrderElementsOf(kept);
  }

  // ------------------------------------------------------------------ races that end a move

  @Test
  void releaseWhileWaiting_isTheOneTerminalState_andNothingIsPlacedLater() {
    register("te-1", 1);
    register("te-2", 1);
    Allocation a = allocate("job-a", 1, new RestartPolicy(3, BACKOFF, DEADLINE)).get(0);
    crash(a.taskExecutorId());

    CompletableFuture<Void> released = rm.release(a.allocationId());
    main.advance(DEADLINE.multipliedBy(2));

    assertThat(released).isCompleted();
    assertThat(terminalEvents(a.allocationId())).containsExactly(EventType.ALLOCATION_RELEASED);
    assertThat(rm.allocations("job-a")).isEmpty();
    assertThat(rm.failures("job-a")).isEmpty();
    assertThat(fakes.get("te-2").callsStartingWith("requestSlot")).isEmpty();
    assertThatThrownBy(() -> rm.release(a.allocationId())).isInstanceOf(UnknownAllocationException.class);
  }

  @Test
  void releaseWhileTheNewExecutorIsAsked_freesTheSlotItTook_andNeverReportsAMove() {
    register("te-1", 1);
    register("te-2", 1);
    Allocation a = allocate("job-a", 1, new RestartPolicy(3, BACKOFF, DEADLINE)).get(0);
    String other = a.taskExecutorId().equals("te-1") ? "te-2" : "te-1";
    fakes.get(other).hangSlots = true;
    crash(a.taskExecutorId());
    main.advance(BACKOFF);
    assertThat(rm.allocations("job-a")).singleElement().satisfies(p -> {
      assertThat(p.state()).isEqualTo(Allocation.State.PENDING);
      assertThat(p.taskExecutorId()).isEqualTo(other);
    });

    rm.release(a.allocationId());
    fakes.get(other).slotAllocations[0] = a.allocationId(); // it said yes after all
    fakes.get(other).pendingSlots.get(0).complete(null);
    main.runPending();

    assertThat(terminalEvents(a.allocationId())).containsExactly(EventType.ALLOCATION_RELEASED);
    assertThat(published).noneMatch(e -> e.type() == EventType.ALLOCATION_MOVED);
    assertThat(fakes.get(other).slotAllocations[0]).isNull();
    assertThat(rm.overviewSnapshot().slotsFree()).isEqualTo(1);
  }

  @Test
  void releaseWhileTheNewExecutorIsAsked_tellsItToFreeTheSlotAtOnce() {
    register("te-1", 1);
    register("te-2", 1);
    Allocation a = allocate("job-a", 1, new RestartPolicy(3, BACKOFF, DEADLINE)).get(0);
    fakes.get("te-2").hangSlots = true;
    crash(a.taskExecutorId());
    main.advance(BACKOFF);

    rm.release(a.allocationId());

    assertThat(fakes.get("te-2").freeCauses).containsExactly(a.allocationId() + ": released by its job");
  }

  @Test
  void newExecutorLostWhileAsked_doesNotCount_andTheMoveGoesElsewhere() {
    register("te-1", 1);
    register("te-2", 2);
    register("te-3", 1);
    Allocation a = allocate("job-a", 1, new RestartPolicy(2, BACKOFF, DEADLINE)).get(0);
    assertThat(a.taskExecutorId()).isEqualTo("te-2");
    fakes.get("te-1").hangSlots = true;
    crash("te-2");
    main.advance(BACKOFF);
    assertThat(rm.allocations("job-a")).singleElement().extracting(Allocation::taskExecutorId).isEqualTo("te-1");

    leave("te-1");
    main.runPending();

    assertThat(rm.allocations("job-a")).singleElement().satisfies(m -> {
      assertThat(m.taskExecutorId()).isEqualTo("te-3");
      assertThat(m.state()).isEqualTo(Allocation.State.ALLOCATED);
      assertThat(m.attempt()).isEqualTo(2);
    });
    assertThat(terminalEvents(a.allocationId())).isEmpty();
  }

  @Test
  void refusedPlacement_isTriedAgainEveryInterval_untilTheDeadline() {
    register("te-1", 1);
    register("te-2", 1);
    Allocation a = allocate("job-a", 1, new RestartPolicy(3, BACKOFF, DEADLINE)).get(0);
    String other = a.taskExecutorId().equals("te-1") ? "te-2" : "te-1";
    fakes.get(other).refuseSlots = true;
    long lostAt = crash(a.taskExecutorId());

    main.advanceTo(lostAt + DEADLINE.toNanos());

    // Asked at the backoff, then once per interval while the deadline has not come (it wins at its instant).
    long expected = (DEADLINE.toNanos() - BACKOFF.toNanos()) / INTERVAL.toNanos();
    assertThat(fakes.get(other).callsStartingWith("requestSlot")).hasSize((int) expected);
    assertThat(last(EventType.ALLOCATION_FAILED).reason()).isEqualTo(LossReason.NO_SLOT_BEFORE_DEADLINE);
  }

  @Test
  void restartPolicy_boundsNameTheField() {
    assertThatThrownBy(() -> new RestartPolicy(0, BACKOFF, DEADLINE)).hasMessageStartingWith("restart.maxAttempts: ");
    assertThatThrownBy(() -> new RestartPolicy(1, Duration.ofSeconds(-1), DEADLINE))
        .hasMessageStartingWith("restart.backoff: ");
    assertThatThrownBy(() -> new RestartPolicy(1, BACKOFF, BACKOFF)).hasMessageStartingWith("restart.deadline: ");
    assertThat(new RestartPolicy(RestartPolicy.MAX_ATTEMPTS, Duration.ZERO, Duration.ofNanos(1)).maxAttempts())
        .isEqualTo(1000);
  }

  @Test
  void restartPolicy_ofAttempts_takesTheDefaultBackoffAndDeadline_andReadsAsItSays() {
    RestartPolicy p = RestartPolicy.ofAttempts(3);

    assertThat(p).isEqualTo(new RestartPolicy(3, Duration.ofSeconds(1), Duration.ofMinutes(1)));
    assertThat(p).hasToString("3 attempt(s), backoff 1 s, deadline 1 min");
  }

  // ------------------------------------------------------------------ durability

  @Test
  void pendingMove_survivesARestart_withItsAttemptAndWhatIsLeftOfItsBackoff() {
    register("te-1", 1);
    register("te-2", 1);
    Allocation a = allocate("job-a", 1, new RestartPolicy(3, BACKOFF, DEADLINE)).get(0);
    long lostAt = crash("te-1");
    main.advance(Duration.ofMillis(500));

    restart();
    register("te-2", 1); // alive: it registers again at once

    assertThat(rm.allocations("job-a")).singleElement().satisfies(w -> {
      assertThat(w.state()).isEqualTo(Allocation.State.PENDING);
      assertThat(w.attempt()).isEqualTo(2);
      assertThat(w.restart()).isEqualTo(a.restart());
    });
    main.advanceTo(lostAt + BACKOFF.toNanos() - MILLI); // the stored start of the move is in wall-clock ms
    assertThat(fakes.get("te-2").callsStartingWith("requestSlot")).isEmpty();
    main.advanceTo(lostAt + BACKOFF.toNanos() + MILLI);
    assertThat(rm.allocations("job-a")).singleElement().satisfies(m -> {
      assertThat(m.taskExecutorId()).isEqualTo("te-2");
      assertThat(m.state()).isEqualTo(Allocation.State.ALLOCATED);
      assertThat(m.attempt()).isEqualTo(2);
    });
  }

  @Test
  void attemptBudget_survivesARestart_andSoDoesTheFailure() {
    register("te-1", 1);
    register("te-2", 1);
    Allocation a = allocate("job-a", 1, new RestartPolicy(2, BACKOFF, DEADLINE)).get(0);
    crash("te-1");
    main.advance(BACKOFF);
    FakeTaskExecutors.Fake holder = fakes.get("te-2");
    assertThat(holder.slotAllocations[0]).isEqualTo(a.allocationId());

    restart();
    registerHolding("te-2", holder);
    register("te-3", 1);
    assertThat(rm.allocations("job-a")).singleElement().extracting(Allocation::attempt).isEqualTo(2);
    crash("te-2");
    main.advance(DEADLINE);

    assertThat(last(EventType.ALLOCATION_FAILED).reason()).isEqualTo(LossReason.ATTEMPTS_EXHAUSTED);
    assertThat(fakes.get("te-3").callsStartingWith("requestSlot")).isEmpty();
    restart();
    assertThat(rm.failures("job-a")).singleElement().satisfies(f -> {
      assertThat(f.allocation().allocationId()).isEqualTo(a.allocationId());
      assertThat(f.reason()).isEqualTo(LossReason.ATTEMPTS_EXHAUSTED);
      assertThat(f.lastTaskExecutorId()).isEqualTo("te-2");
    });
    assertThat(rm.allocations("job-a")).isEmpty();
  }

  @Test
  void deadline_runsOnThroughARestart() {
    register("te-1", 1);
    register("te-2", 1);
    allocate("job-a", 1, new RestartPolicy(3, BACKOFF, DEADLINE));
    allocate("job-filler", 1, null);
    FakeTaskExecutors.Fake filler = fakes.get("te-2");
    long lostAt = crash("te-1");
    main.advance(Duration.ofSeconds(10));

    restart();
    registerHolding("te-2", filler);
    main.advanceTo(lostAt + DEADLINE.toNanos() - MILLI);
    assertThat(published).noneMatch(e -> e.type() == EventType.ALLOCATION_FAILED);
    main.advanceTo(lostAt + DEADLINE.toNanos() + MILLI);

    assertThat(last(EventType.ALLOCATION_FAILED).reason()).isEqualTo(LossReason.NO_SLOT_BEFORE_DEADLINE);
  }

  @Test
  void movedAllocation_isStoredAsAllocatedOnItsNewExecutor() {
    register("te-1", 1);
    register("te-2", 1);
    Allocation a = allocate("job-a", 1, new RestartPolicy(3, BACKOFF, DEADLINE)).get(0);
    crash("te-1");
    main.advance(BACKOFF);
    FakeTaskExecutors.Fake holder = fakes.get("te-2");

    restart();
    registerHolding("te-2", holder);

    assertThat(rm.allocations("job-a")).containsExactly(new Allocation(a.allocationId(), "job-a", "te-2", 0,
        Allocation.State.ALLOCATED, a.createdAt(), 2, a.restart()));
    assertThat(fakes.get("te-2").freeCauses).isEmpty();
  }

  @Test
  void storedPendingAllocationWithAPolicy_isDroppedOnRestart() {
    register("te-1", 1);
    fakes.get("te-1").hangSlots = true;
    rm.allocate("job-a", 1, new RestartPolicy(3, BACKOFF, DEADLINE)); // stored PENDING; never acknowledged
    main.runPending();

    restart();

    assertThat(rm.allocations("job-a")).isEmpty();
    assertThat(store.open("rm-test").allocations()).isEmpty();
  }

  // ------------------------------------------------------------------ helpers

  private ResourceManagerCore start(List<StoredQuarantine> quarantines) {
    StoredState opened = store.open("rm-test");
    StoredState state = new StoredState(opened.resourceManagerId(), opened.epoch(), opened.allocations(),
        opened.taskExecutors(), opened.lastEventSeq(), opened.events(), quarantines);
    ResourceManagerListener events = new ResourceManagerListener() {
      @Override
      public void onEvent(ResourceManagerEvent event) {
        published.add(event);
      }
    };
    return new ResourceManagerCore(new FencingToken("rm-test", state.epoch()), HeartbeatConfig.of(INTERVAL, TIMEOUT),
        main, wall, fakes, List.of(new RecordingListener(heard), events), HeartbeatMetrics.NONE, store, state,
        TIMEOUT);
  }

  /** The resource manager's process ends (nothing more is written) and a new one opens the same store. */
  private void restart() {
    rm.close();
    main.runPending();
    registrationIds.clear();
    rm = start(List.of());
  }

  /** A task executor that ran through a restart registers again (same instance) with what {@code before} holds. */
  private void registerHolding(String id, FakeTaskExecutors.Fake before) {
    SlotReport report = before.report();
    RegistrationResult result = rm.register(new TaskExecutorRegistration(id, before.registration.instanceId(),
        before.registration.address(), before.slotAllocations.length, report));
    FakeTaskExecutors.Fake now = fakes.get(id);
    System.arraycopy(before.slotAllocations, 0, now.slotAllocations, 0, before.slotAllocations.length);
    System.arraycopy(before.slotJobs, 0, now.slotJobs, 0, before.slotJobs.length);
    registrationIds.put(id, result.registrationId());
    rm.slotReport(id, result.registrationId(), report);
  }

  private void register(String id, int slots) {
    TaskExecutorRegistration registration = registration(id, "i-" + id, slots);
    RegistrationResult result = rm.register(registration);
    registrationIds.put(id, result.registrationId());
    rm.slotReport(id, result.registrationId(), registration.slotReport());
  }

  private List<Allocation> allocate(String job, int n, RestartPolicy restart) {
    CompletableFuture<List<Allocation>> f = rm.allocate(job, n, restart);
    main.runPending();
    assertThat(f).isCompleted();
    return f.join();
  }

  /**
   * The task executor's process is replaced: its next heartbeat request finds another instance. Runs the fake
   * clock task by task until it is lost, and returns that exact instant.
   */
  private long crash(String id) {
    fakes.get(id).health = FakeTaskExecutors.Health.RESTARTED;
    while (rm.knows(id)) {
      main.advanceTo(main.nextDueAt());
    }
    return main.nanoTime();
  }

  /** How many times {@code te} was asked for a slot for {@code a}. */
  private int asksFor(Allocation a, String te) {
    return (int) fakes.get(te).callsStartingWith("requestSlot").stream()
        .filter(c -> c.endsWith(" " + a.allocationId())).count();
  }

  private void leave(String id) {
    rm.disconnect(id, registrationIds.get(id), "shutting down");
  }

  private ResourceManagerEvent last(EventType type) {
    List<ResourceManagerEvent> of = published.stream().filter(e -> e.type() == type).toList();
    assertThat(of).as("events of type " + type).isNotEmpty();
    return of.get(of.size() - 1);
  }

  private List<EventType> terminalEvents(String allocationId) {
    return published.stream().filter(e -> allocationId.equals(e.allocationId()))
        .map(ResourceManagerEvent::type)
        .filter(t -> t == EventType.ALLOCATION_RELEASED || t == EventType.ALLOCATION_LOST
            || t == EventType.ALLOCATION_FAILED)
        .toList();
  }
}
