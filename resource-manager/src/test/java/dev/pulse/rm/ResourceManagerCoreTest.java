package dev.pulse.rm;

import static dev.pulse.rm.FakeTaskExecutors.registration;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pulse.heartbeat.HeartbeatConfig;
import dev.pulse.heartbeat.HeartbeatMetrics;
import dev.pulse.heartbeat.time.ManualMainThreadExecutor;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Registry, slots, allocations and loss handling on the fake clock (SPEC 4). */
class ResourceManagerCoreTest {

  private static final Duration INTERVAL = Duration.ofSeconds(1);
  private static final Duration TIMEOUT = Duration.ofSeconds(5);
  private static final long EPOCH_MILLIS = 1_800_000_000_000L;

  private ManualMainThreadExecutor main;
  private FakeTaskExecutors fakes;
  private ResourceManagerCore rm;
  private final List<String> heard = new ArrayList<>();
  private final List<AllocationUpdate> updates = new ArrayList<>();

  @BeforeEach
  void setUp() {
    main = new ManualMainThreadExecutor();
    fakes = new FakeTaskExecutors();
    long mainStart = main.nanoTime();
    // Wall clock that moves with the fake monotonic clock.
    Clock wall = new Clock() {
      @Override
      public ZoneOffset getZone() {
        return ZoneOffset.UTC;
      }

      @Override
      public Clock withZone(java.time.ZoneId zone) {
        return this;
      }

      @Override
      public Instant instant() {
        return Instant.ofEpochMilli(EPOCH_MILLIS + (main.nanoTime() - mainStart) / 1_000_000);
      }
    };
    ResourceManagerListener listener = new RecordingListener(heard);
    rm = new ResourceManagerCore(new FencingToken("rm-test", 7), HeartbeatConfig.of(INTERVAL, TIMEOUT), main, wall,
        fakes, List.of(listener), HeartbeatMetrics.NONE);
  }

  @Test
  void register_startsMonitoring_andIsIdempotentForTheSameInstance() {
    RegistrationResult first = register(registration("te-1", "i-1", 4));
    RegistrationResult again = register(registration("te-1", "i-1", 4));

    assertThat(again).isEqualTo(first);
    assertThat(first.fencing()).isEqualTo(new FencingToken("rm-test", 7));
    assertThat(rm.overviewSnapshot()).isEqualTo(new Overview("rm-test", 7, 1, 4, 4));
    assertThat(types()).containsExactly(EventType.TASK_EXECUTOR_REGISTERED);
    main.advance(INTERVAL.multipliedBy(3));
    assertThat(fakes.get("te-1").callsStartingWith("heartbeat")).hasSizeGreaterThanOrEqualTo(3);
    assertThat(rm.taskExecutor("te-1")).satisfies(te -> {
      assertThat(te.state()).isEqualTo("ACTIVE");
      assertThat(te.registeredAt()).isEqualTo(EPOCH_MILLIS);
      assertThat(te.lastHeartbeat()).isBetween(EPOCH_MILLIS + 2_000, EPOCH_MILLIS + 3_000);
      assertThat(te.slotsTotal()).isEqualTo(4);
    });
  }

  @Test
  void register_offersNoSlot_untilTheExecutorConfirmsWithASlotReport() {
    RegistrationResult result = rm.register(registration("te-1", "i-1", 2));

    assertThat(rm.overviewSnapshot()).isEqualTo(new Overview("rm-test", 7, 0, 0, 0));
    assertThatThrownBy(() -> rm.allocate("job-a", 1)).isInstanceOf(NotEnoughSlotsException.class);
    assertThat(rm.taskExecutors()).isEmpty();
    assertThat(types()).isEmpty();
    assertThat(heard).isEmpty();

    rm.slotReport("te-1", result.registrationId(), SlotReport.allFree(2));
    assertThat(rm.overviewSnapshot()).isEqualTo(new Overview("rm-test", 7, 1, 2, 2));
    assertThat(types()).containsExactly(EventType.TASK_EXECUTOR_REGISTERED);
    assertThat(heard).containsExactly("registered te-1");
    assertThat(allocate("job-a", 2)).hasSize(2);
  }

  @Test
  void register_isConfirmedByTheFirstHeartbeatAnswer_whenNoSlotReportCame() {
    rm.register(registration("te-1", "i-1", 2));
    fakes.get("te-1").slotAllocations[1] = "left-over";

    main.advance(INTERVAL);
    assertThat(rm.isRegistered("te-1")).isTrue();
    assertThat(rm.overviewSnapshot().slotsFree()).isEqualTo(2);
    assertThat(fakes.get("te-1").calls).contains("freeSlot left-over");
    assertThat(types()).containsExactly(EventType.TASK_EXECUTOR_REGISTERED);
  }

  @Test
  void unconfirmedExecutor_thatFallsSilent_isDroppedWithoutEvents() {
    rm.register(registration("te-1", "i-1", 2));
    fakes.get("te-1").health = FakeTaskExecutors.Health.SILENT;

    main.advance(TIMEOUT.plus(INTERVAL));
    assertThat(fakes.get("te-1").closed).isTrue();
    assertThat(types()).isEmpty();
    assertThat(heard).isEmpty();
    // It can register again, and is watched again.
    register(registration("te-1", "i-2", 1));
    assertThat(rm.overviewSnapshot().taskExecutors()).isEqualTo(1);
  }

  @Test
  void register_badInput_isRefusedNamingTheField_andChangesNothing() {
    register(registration("te-1", "i-1", 2));
    assertThatThrownBy(() -> register(registration("te 2", "i-2", 1)))
        .isInstanceOf(RegistrationRejectedException.class).hasMessageStartingWith("resource_id: ");
    assertThatThrownBy(() -> register(registration("te-2", "", 1))).hasMessageStartingWith("instance_id: ");
    assertThatThrownBy(() -> register(registration("te-2", "i-2", 0)))
        .hasMessage("number_of_slots: must be between 1 and 1024, was 0");
    assertThatThrownBy(() -> register(registration("te-2", "i-2", 1025))).hasMessageStartingWith("number_of_slots");
    assertThatThrownBy(() -> register(new TaskExecutorRegistration("te-2", "i-2", "nohost", 1, null)))
        .hasMessage("rpc_address: 'nohost' is not host:port");
    assertThatThrownBy(() -> register(new TaskExecutorRegistration("te-2", "i-2", "h:99999", 1, null)))
        .hasMessage("rpc_address: 'h:99999' does not end with a port between 1 and 65535");
    assertThat(rm.overviewSnapshot()).isEqualTo(new Overview("rm-test", 7, 1, 2, 2));
    assertThat(rm.events(0, 100)).hasSize(1);
    assertThat(fakes.all).hasSize(1);
  }

  @Test
  void heartbeatTimeout_losesTheExecutor_releasesSlots_andLosesItsAllocationsOnce() {
    register(registration("te-1", "i-1", 2));
    register(registration("te-2", "i-2", 2));
    rm.watch("job-a", updates::add);
    List<Allocation> allocs = allocate("job-a", 4);
    assertThat(allocs).extracting(Allocation::taskExecutorId).containsOnly("te-1", "te-2");
    main.advance(INTERVAL);

    fakes.get("te-1").health = FakeTaskExecutors.Health.SILENT;
    long silentFrom = main.nanoTime();
    main.advance(TIMEOUT.plus(INTERVAL));

    List<ResourceManagerEvent> lost = rm.events(0, 100).stream()
        .filter(e -> e.type() == EventType.TASK_EXECUTOR_LOST).toList();
    assertThat(lost).singleElement().satisfies(e -> {
      assertThat(e.taskExecutorId()).isEqualTo("te-1");
      assertThat(e.reason()).isEqualTo(LossReason.HEARTBEAT_TIMEOUT);
      assertThat(e.slotsReleased()).isEqualTo(2);
      assertThat(e.detail()).isEqualTo("no heartbeat for 5 s");
    });
    assertThat(rm.events(0, 100)).filteredOn(e -> e.type() == EventType.ALLOCATION_LOST)
        .hasSize(2).allSatisfy(e -> {
          assertThat(e.reason()).isEqualTo(LossReason.HEARTBEAT_TIMEOUT);
          assertThat(e.jobId()).isEqualTo("job-a");
        });
    assertThat(updates).filteredOn(u -> u.type() == EventType.ALLOCATION_LOST).hasSize(2)
        .allSatisfy(u -> assertThat(u.allocation().taskExecutorId()).isEqualTo("te-1"));
    assertThat(rm.overviewSnapshot()).isEqualTo(new Overview("rm-test", 7, 1, 2, 0));
    assertThat(fakes.get("te-1").calls).contains("disconnect HEARTBEAT_TIMEOUT");
    assertThat(fakes.get("te-1").closed).isTrue();
    assertThat(rm.allocations("job-a")).extracting(Allocation::taskExecutorId).containsOnly("te-2");
    assertThat(heard).contains("lost te-1 HEARTBEAT_TIMEOUT");
    // Lost within timeout (+ one interval of phase) of its last answer; te-2 untouched.
    assertThat(rm.isRegistered("te-2")).isTrue();
    assertThat(silentFrom).isPositive();
  }

  @Test
  void refusedConnections_loseTheExecutorAsUnreachable() {
    register(registration("te-1", "i-1", 1));
    main.advance(INTERVAL);
    fakes.get("te-1").health = FakeTaskExecutors.Health.REFUSING;
    main.advance(INTERVAL.multipliedBy(2));
    assertThat(rm.events(0, 100)).filteredOn(e -> e.type() == EventType.TASK_EXECUTOR_LOST)
        .singleElement().extracting(ResourceManagerEvent::reason).isEqualTo(LossReason.UNREACHABLE);
    main.advance(TIMEOUT.multipliedBy(2));
    assertThat(rm.events(0, 100)).filteredOn(e -> e.type() == EventType.TASK_EXECUTOR_LOST).hasSize(1);
  }

  @Test
  void newInstanceOfAKnownExecutor_replacesTheOld_asRestarted() {
    register(registration("te-1", "i-1", 2));
    rm.watch("job-a", updates::add);
    allocate("job-a", 1);
    RegistrationResult second = register(registration("te-1", "i-2", 3));

    assertThat(rm.events(0, 100)).extracting(ResourceManagerEvent::type).containsExactly(
        EventType.TASK_EXECUTOR_REGISTERED, EventType.ALLOCATION_CREATED, EventType.ALLOCATION_LOST,
        EventType.TASK_EXECUTOR_LOST, EventType.TASK_EXECUTOR_REGISTERED);
    assertThat(rm.events(0, 100).get(3).reason()).isEqualTo(LossReason.RESTARTED);
    assertThat(rm.taskExecutor("te-1").instanceId()).isEqualTo("i-2");
    assertThat(rm.overviewSnapshot().slotsTotal()).isEqualTo(3);
    assertThat(second.registrationId()).isNotBlank();
    assertThat(fakes.all.get(0).closed).isTrue();
  }

  @Test
  void allocate_moreThanFree_isRefusedAndNothingIsReserved() {
    register(registration("te-1", "i-1", 2));
    assertThatThrownBy(() -> rm.allocate("job-a", 3)).isInstanceOf(NotEnoughSlotsException.class)
        .hasMessage("asked for 3 slot(s), 2 free");
    assertThat(rm.overviewSnapshot().slotsFree()).isEqualTo(2);
    assertThat(fakes.get("te-1").callsStartingWith("requestSlot")).isEmpty();
    assertThatThrownBy(() -> rm.allocate("bad job", 1)).hasMessageStartingWith("jobId: ");
    assertThatThrownBy(() -> rm.allocate("job-a", 0)).hasMessageStartingWith("slots: ");
  }

  @Test
  void allocate_refusedByOneExecutor_undoesTheWholeAllocation() {
    register(registration("te-1", "i-1", 2));
    register(registration("te-2", "i-2", 2));
    fakes.get("te-2").refuseSlots = true;

    CompletableFuture<List<Allocation>> result = rm.allocate("job-a", 4);
    main.runPending();

    assertThat(result).isCompletedExceptionally();
    assertThat(result.handle((v, t) -> t).join()).isInstanceOf(AllocationFailedException.class)
        .hasMessageContaining("refused");
    assertThat(rm.overviewSnapshot().slotsFree()).isEqualTo(4);
    assertThat(rm.allocations(null)).isEmpty();
    // te-1 granted both of its slots: both are freed again (a heartbeat report that was already on
    // its way may repeat the request, which task executors treat as idempotent).
    assertThat(fakes.get("te-1").callsStartingWith("freeSlot").stream().distinct()).hasSize(2);
    assertThat(fakes.get("te-1").report().slots()).allMatch(ReportedSlot::isFree);
    assertThat(types()).doesNotContain(EventType.ALLOCATION_CREATED);
  }

  @Test
  void release_freesTheSlotOnBothSides() {
    register(registration("te-1", "i-1", 1));
    Allocation a = allocate("job-a", 1).get(0);
    assertThat(fakes.get("te-1").slotAllocations[0]).isEqualTo(a.allocationId());

    rm.release(a.allocationId());
    assertThat(fakes.get("te-1").slotAllocations[0]).isNull();
    assertThat(rm.overviewSnapshot().slotsFree()).isEqualTo(1);
    assertThat(types()).endsWith(EventType.ALLOCATION_RELEASED);
    assertThatThrownBy(() -> rm.release(a.allocationId())).isInstanceOf(UnknownAllocationException.class);
  }

  @Test
  void slotReport_orphanIsFreedOnTheExecutor_andADroppedAllocationIsLostAfterGrace() {
    register(registration("te-1", "i-1", 2));
    rm.watch("job-a", updates::add);
    Allocation a = allocate("job-a", 1).get(0);
    FakeTaskExecutors.Fake fake = fakes.get("te-1");
    int other = 1 - a.slotIndex();
    fake.slotAllocations[other] = "stray-allocation";
    fake.slotJobs[other] = "old-job";

    main.advance(INTERVAL);
    assertThat(fake.calls).contains("freeSlot stray-allocation");
    assertThat(fake.slotAllocations[other]).isNull();

    // The executor silently drops the real allocation: lost on the next report past the grace.
    fake.slotAllocations[a.slotIndex()] = null;
    main.advance(INTERVAL.multipliedBy(2));
    assertThat(updates).filteredOn(u -> u.type() == EventType.ALLOCATION_LOST).singleElement()
        .satisfies(u -> {
          assertThat(u.allocation().allocationId()).isEqualTo(a.allocationId());
          assertThat(u.reason()).isEqualTo(LossReason.DROPPED_BY_TASK_EXECUTOR);
        });
    assertThat(rm.events(0, 100)).filteredOn(e -> e.type() == EventType.ALLOCATION_LOST).singleElement()
        .satisfies(e -> assertThat(e.reason()).isEqualTo(LossReason.DROPPED_BY_TASK_EXECUTOR));
    assertThat(rm.overviewSnapshot().slotsFree()).isEqualTo(2);
    assertThat(rm.isRegistered("te-1")).isTrue();
    assertThat(heard).contains("allocation lost " + a.allocationId() + " DROPPED_BY_TASK_EXECUTOR");
  }

  @Test
  void sameReport_atTheInstantItsGraceEnds_isReconciledAgain_andTheDroppedAllocationIsLostThen() {
    RegistrationResult te1 = register(registration("te-1", "i-1", 1));
    main.advance(INTERVAL.dividedBy(2)); // half-way between two heartbeats
    Allocation a = allocate("job-a", 1).get(0);
    long confirmedAt = main.nanoTime();
    FakeTaskExecutors.Fake fake = fakes.get("te-1");
    fake.slotAllocations[a.slotIndex()] = null; // the executor drops it at once, silently
    fake.slotJobs[a.slotIndex()] = null;

    // The next heartbeat's report comes within the grace (one interval): nothing is lost, the report is the quiet one.
    main.advanceTo(confirmedAt + INTERVAL.toNanos() - 1);
    assertThat(rm.events(0, 100)).noneMatch(e -> e.type() == EventType.ALLOCATION_LOST);

    // The same report again exactly when the grace ends: reconciled, not taken for the quiet one.
    main.advanceTo(confirmedAt + INTERVAL.toNanos());
    rm.slotReport("te-1", te1.registrationId(), fake.report());

    assertThat(rm.events(0, 100)).filteredOn(e -> e.type() == EventType.ALLOCATION_LOST).singleElement()
        .satisfies(e -> assertThat(e.reason()).isEqualTo(LossReason.DROPPED_BY_TASK_EXECUTOR));
  }

  /** How a test makes the resource manager lose te-1. */
  enum LossPath { HEARTBEAT_TIMEOUT, UNREACHABLE, DISCONNECTED }

  @ParameterizedTest
  @EnumSource(LossPath.class)
  void lostExecutorThatRegistersAgain_isWatchedAgain_andLostAgainWhenItFallsSilent(LossPath path) {
    RegistrationResult first = register(registration("te-1", "i-1", 1));
    main.advance(INTERVAL);
    switch (path) {
      case HEARTBEAT_TIMEOUT -> fakes.get("te-1").health = FakeTaskExecutors.Health.SILENT;
      case UNREACHABLE -> fakes.get("te-1").health = FakeTaskExecutors.Health.REFUSING;
      case DISCONNECTED -> rm.disconnect("te-1", first.registrationId(), "leaving");
    }
    main.advance(TIMEOUT.plus(INTERVAL));
    assertThat(rm.isRegistered("te-1")).isFalse();

    register(registration("te-1", "i-2", 1));
    FakeTaskExecutors.Fake second = fakes.get("te-1");
    main.advance(INTERVAL.multipliedBy(2));
    assertThat(second.callsStartingWith("heartbeat")).as("the new instance is asked for heartbeats").isNotEmpty();
    second.health = FakeTaskExecutors.Health.SILENT;
    main.advance(TIMEOUT.plus(INTERVAL));

    assertThat(rm.isRegistered("te-1")).isFalse();
    assertThat(rm.events(0, 100)).filteredOn(e -> e.type() == EventType.TASK_EXECUTOR_LOST)
        .extracting(ResourceManagerEvent::reason)
        .containsExactly(LossReason.valueOf(path.name()), LossReason.HEARTBEAT_TIMEOUT);
  }

  @Test
  void disconnect_withCurrentRegistration_isImmediate_andStaleOnesAreRefused() {
    RegistrationResult r = register(registration("te-1", "i-1", 1));
    assertThatThrownBy(() -> rm.disconnect("te-1", "not-the-id", "bye")).isInstanceOf(StaleRegistrationException.class);
    assertThat(rm.isRegistered("te-1")).isTrue();

    rm.disconnect("te-1", r.registrationId(), "shutting down");
    assertThat(rm.events(0, 100)).last().satisfies(e -> {
      assertThat(e.type()).isEqualTo(EventType.TASK_EXECUTOR_LOST);
      assertThat(e.reason()).isEqualTo(LossReason.DISCONNECTED);
      assertThat(e.detail()).isEqualTo("shutting down");
    });
    assertThat(fakes.get("te-1").calls).doesNotContain("disconnect DISCONNECTED");
    main.advance(TIMEOUT.multipliedBy(2));
    assertThat(rm.events(0, 100)).filteredOn(e -> e.type() == EventType.TASK_EXECUTOR_LOST).hasSize(1);
  }

  @Test
  void localPause_isAnEvent_andLosesNoExecutor() {
    register(registration("te-1", "i-1", 1));
    main.advance(INTERVAL.multipliedBy(3));
    main.freeze(TIMEOUT.multipliedBy(3));
    main.advance(INTERVAL.multipliedBy(10));
    assertThat(rm.events(0, 100)).extracting(ResourceManagerEvent::type)
        .containsExactly(EventType.TASK_EXECUTOR_REGISTERED, EventType.LOCAL_PAUSE_DETECTED);
    assertThat(rm.events(0, 100).get(1).detail()).startsWith("the resource manager did not run for 149");
  }

  @Test
  void watch_startsWithTheAllocationsTheJobAlreadyHolds() {
    register(registration("te-1", "i-1", 3));
    Allocation held = allocate("job-a", 1).get(0);
    allocate("job-b", 1);
    rm.watch("job-a", updates::add);
    assertThat(updates).singleElement().satisfies(u -> {
      assertThat(u.seq()).isZero();
      assertThat(u.type()).isEqualTo(EventType.ALLOCATION_CREATED);
      assertThat(u.allocation()).isEqualTo(held);
    });
    Allocation next = allocate("job-a", 1).get(0);
    assertThat(updates).hasSize(2).last().extracting(u -> u.allocation().allocationId()).isEqualTo(next.allocationId());
  }

  @Test
  void events_afterSeq_returnsOnlyNewerOnes() {
    register(registration("te-1", "i-1", 1));
    register(registration("te-2", "i-1", 1));
    register(registration("te-3", "i-1", 1));
    assertThat(rm.events(1, 100)).extracting(ResourceManagerEvent::seq).containsExactly(2L, 3L);
    assertThat(rm.events(3, 100)).isEmpty();
    assertThat(rm.events(0, 2)).hasSize(2);
  }

  /** Registers and confirms, as a task executor does right after it has taken the answer. */
  private RegistrationResult register(TaskExecutorRegistration registration) {
    RegistrationResult result = rm.register(registration);
    rm.slotReport(registration.resourceId(), result.registrationId(), registration.slotReport());
    return result;
  }

  private List<Allocation> allocate(String job, int n) {
    CompletableFuture<List<Allocation>> f = rm.allocate(job, n);
    main.runPending();
    assertThat(f).isCompleted();
    return f.join();
  }

  private List<EventType> types() {
    return rm.events(0, 1000).stream().map(ResourceManagerEvent::type).toList();
  }
}
