package dev.pulse.rm;

import static dev.pulse.rm.FakeTaskExecutors.registration;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;

import dev.pulse.heartbeat.HeartbeatConfig;
import dev.pulse.heartbeat.HeartbeatMetrics;
import dev.pulse.heartbeat.time.ManualMainThreadExecutor;
import dev.pulse.rm.store.Mutation;
import dev.pulse.rm.store.StoredAllocation;
import dev.pulse.rm.store.StoredEvent;
import dev.pulse.rm.store.StoredState;
import dev.pulse.rm.store.StoredTaskExecutor;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/**
 * Rules of the resource manager's core that {@link ResourceManagerCoreTest} leaves open: a closed core, the
 * bounds of a request, what listeners and watchers are told, a loss while a slot is being asked for, and what
 * a restart keeps. On the fake clock; every expected value is worked out here from the rules.
 */
class ResourceManagerCoreRulesTest {

  private static final Duration INTERVAL = Duration.ofSeconds(1);
  private static final Duration TIMEOUT = Duration.ofSeconds(5);
  private static final Duration RECOVERY = Duration.ofSeconds(8);
  private static final long EPOCH_MILLIS = 1_800_000_000_000L;

  private final ManualMainThreadExecutor main = new ManualMainThreadExecutor();
  private final FakeTaskExecutors fakes = new FakeTaskExecutors();
  private final List<String> heard = new ArrayList<>();
  private final List<ResourceManagerEvent> published = new ArrayList<>();
  private final List<ResourceManagerListener> listeners = List.of(new RecordingListener(heard),
      new ResourceManagerListener() {
        @Override
        public void onEvent(ResourceManagerEvent event) {
          published.add(event);
        }
      });
  /** Wall clock that moves with the fake monotonic clock. */
  private final FollowingClock wall = new FollowingClock(main, EPOCH_MILLIS);
  private ResourceManagerCore rm = new ResourceManagerCore(new FencingToken("rm-test", 7),
      HeartbeatConfig.of(INTERVAL, TIMEOUT), main, wall, fakes, listeners, HeartbeatMetrics.NONE);

  @Test
  void closed_refusesEveryCall_stopsHeartbeats_andClosesTheConnections() {
    RegistrationResult registered = register(registration("te-1", "i-1", 2));
    Allocation held = allocate("job-a", 1).get(0);
    int asked = fakes.get("te-1").callsStartingWith("heartbeat").size();

    rm.close();
    main.advance(TIMEOUT.multipliedBy(2));

    assertThat(fakes.get("te-1").callsStartingWith("heartbeat")).hasSize(asked);
    assertThat(fakes.get("te-1").closed).isTrue();
    assertThat(heard).containsExactly("registered te-1");
    List<Runnable> calls = List.of(
        () -> rm.register(registration("te-1", "i-1", 2)),
        () -> rm.allocate("job-b", 1),
        () -> rm.release(held.allocationId()),
        () -> rm.watch("job-a", u -> {}),
        () -> rm.watch("job-a", 0, u -> {}),
        () -> rm.slotReport("te-1", registered.registrationId(), SlotReport.allFree(2)),
        () -> rm.disconnect("te-1", registered.registrationId(), "bye"),
        () -> rm.liftQuarantine("te-1"),
        () -> rm.drain("te-1"));
    for (Runnable call : calls) {
      assertThatThrownBy(call::run).isInstanceOf(IllegalStateException.class)
          .hasMessage("the resource manager is shut down");
    }
  }

  @Test
  void allocate_betweenOneAndAMillionSlots() {
    register(registration("te-1", "i-1", 1));

    assertThatThrownBy(() -> rm.allocate("job-a", 0)).isInstanceOf(IllegalArgumentException.class)
        .hasMessage("slots: must be between 1 and 1000000, was 0");
    assertThatThrownBy(() -> rm.allocate("job-a", 1_000_001)).isInstanceOf(IllegalArgumentException.class)
        .hasMessage("slots: must be between 1 and 1000000, was 1000001");
    // A million is a valid request; this cluster just does not have the slots.
    assertThatThrownBy(() -> rm.allocate("job-a", 1_000_000)).isInstanceOf(NotEnoughSlotsException.class);
  }

  @Test
  void listeners_hearEveryEvent_inSequenceOrder() {
    register(registration("te-1", "i-1", 1));
    register(registration("te-2", "i-1", 1));
    allocate("job-a", 1);

    assertThat(published).extracting(ResourceManagerEvent::seq, ResourceManagerEvent::type).containsExactly(
        tuple(1L, EventType.TASK_EXECUTOR_REGISTERED), tuple(2L, EventType.TASK_EXECUTOR_REGISTERED),
        tuple(3L, EventType.ALLOCATION_CREATED));
    assertThat(rm.lastEvent()).isEqualTo(published.get(2));
    assertThat(rm.heartbeats().numberOfTargets()).isEqualTo(2);
  }

  @Test
  void disconnect_closesTheConnection_withoutCallingItBack() {
    RegistrationResult registered = register(registration("te-1", "i-1", 1));

    rm.disconnect("te-1", registered.registrationId(), " ");

    assertThat(fakes.get("te-1").closed).isTrue();
    assertThat(fakes.get("te-1").callsStartingWith("disconnect")).isEmpty();
    assertThat(rm.lastEvent()).satisfies(e -> {
      assertThat(e.reason()).isEqualTo(LossReason.DISCONNECTED);
      assertThat(e.detail()).isEqualTo("it disconnected");
    });
  }

  @Test
  void restartedTarget_isLostAsRestarted() {
    register(registration("te-1", "i-1", 1));
    fakes.get("te-1").health = FakeTaskExecutors.Health.RESTARTED;

    main.advance(INTERVAL);

    assertThat(heard).containsExactly("registered te-1", "lost te-1 RESTARTED");
    assertThat(rm.lastEvent().detail()).isEqualTo("another instance answers at its address");
    assertThat(fakes.get("te-1").callsStartingWith("disconnect")).containsExactly("disconnect RESTARTED");
  }

  @Test
  void slotReportAfterTheConfirmation_isReconciledAtOnce() {
    RegistrationResult registered = register(registration("te-1", "i-1", 2));
    Allocation held = allocate("job-a", 1).get(0);
    FakeTaskExecutors.Fake te = fakes.get("te-1");
    te.health = FakeTaskExecutors.Health.SILENT; // no heartbeat reconciles it in between
    main.advance(INTERVAL); // past the grace of one interval

    te.slotAllocations[held.slotIndex()] = null;
    rm.slotReport("te-1", registered.registrationId(), te.report());

    assertThat(heard).last().isEqualTo("allocation lost " + held.allocationId() + " DROPPED_BY_TASK_EXECUTOR");
    assertThat(rm.allocations(null)).isEmpty();
    assertThat(rm.overviewSnapshot().slotsFree()).isEqualTo(2);
  }

  @Test
  void lastHeartbeat_isTheWallTimeOfTheLastAnswer() {
    register(registration("te-1", "i-1", 1));

    // Asked (and answered) at 0 ms and 1,000 ms: phase 0 of each interval.
    main.advance(Duration.ofMillis(1_500));

    TaskExecutorInfo info = rm.taskExecutor("te-1");
    assertThat(info.lastHeartbeat()).isEqualTo(EPOCH_MILLIS + 1_000);
    assertThat(info.state()).isEqualTo("ACTIVE");
  }

  @Test
  void watch_fromASequenceNumber_replaysTheJobsAllocationEvents() {
    register(registration("te-1", "i-1", 3)); // seq 1
    Allocation a1 = allocate("job-a", 1).get(0); // seq 2
    allocate("job-b", 1); // seq 3
    rm.release(a1.allocationId()); // seq 4
    main.runPending();

    List<AllocationUpdate> fromZero = new ArrayList<>();
    rm.watch("job-a", 0, fromZero::add);
    List<AllocationUpdate> fromTwo = new ArrayList<>();
    rm.watch("job-a", 2, fromTwo::add);

    assertThat(fromZero).extracting(AllocationUpdate::seq, AllocationUpdate::type).containsExactly(
        tuple(2L, EventType.ALLOCATION_CREATED), tuple(4L, EventType.ALLOCATION_RELEASED));
    // Released: its slot is no longer known.
    assertThat(fromZero.get(0).allocation()).isEqualTo(
        new Allocation(a1.allocationId(), "job-a", "te-1", -1, Allocation.State.ALLOCATED, 0));
    assertThat(fromTwo).extracting(AllocationUpdate::seq).containsExactly(4L);
  }

  @Test
  void unwatch_stopsOnlyThatWatcher() {
    register(registration("te-1", "i-1", 3));
    List<AllocationUpdate> first = new ArrayList<>();
    List<AllocationUpdate> second = new ArrayList<>();
    Runnable stopFirst = rm.watch("job-c", first::add);
    Runnable stopSecond = rm.watch("job-c", -1, second::add);

    allocate("job-c", 1);
    stopFirst.run();
    allocate("job-c", 1);
    stopSecond.run();
    stopSecond.run();
    allocate("job-c", 1);

    assertThat(first).hasSize(1);
    assertThat(second).hasSize(2);
  }

  @Test
  void askThatThrows_failsTheAllocation_andFreesTheSlots() {
    register(registration("te-1", "i-1", 2));
    fakes.get("te-1").throwOnSlots = true;

    CompletableFuture<List<Allocation>> f = rm.allocate("job-a", 2);
    main.runPending();

    assertThat(f).isCompletedExceptionally();
    assertThatThrownBy(f::join).hasCauseInstanceOf(AllocationFailedException.class)
        .hasMessageContaining("test: the adapter throws");
    assertThat(rm.overviewSnapshot().slotsFree()).isEqualTo(2);
    assertThat(rm.allocations(null)).isEmpty();
  }

  @Test
  void executorLostWhileBeingAsked_failsTheAllocation_evenIfItThenSaysYes() {
    RegistrationResult registered = register(registration("te-1", "i-1", 1));
    FakeTaskExecutors.Fake te = fakes.get("te-1");
    te.hangSlots = true;
    CompletableFuture<List<Allocation>> f = rm.allocate("job-a", 1);
    main.runPending();

    rm.disconnect("te-1", registered.registrationId(), "bye");
    te.pendingSlots.get(0).complete(null);
    main.runPending();

    assertThatThrownBy(f::join).hasCauseInstanceOf(AllocationFailedException.class)
        .hasMessageContaining("task executor te-1 was lost while being asked");
    assertThat(rm.allocations(null)).isEmpty();
  }

  @Test
  void orphans_areFreedWithACauseThatSaysWhenTheyWereFound() {
    TaskExecutorRegistration registration = new TaskExecutorRegistration("te-1", "i-1", "127.0.0.1:7001", 2,
        new SlotReport(List.of(new ReportedSlot(0, "old", "job-x"), ReportedSlot.free(1))));
    RegistrationResult result = rm.register(registration);
    rm.slotReport("te-1", result.registrationId(), registration.slotReport());
    FakeTaskExecutors.Fake te = fakes.get("te-1");
    te.slotAllocations[1] = "stray";
    te.slotJobs[1] = "job-y";

    main.advance(INTERVAL); // the first heartbeat's report holds "stray"

    assertThat(te.freeCauses).containsExactly("old: the resource manager does not know this allocation",
        "stray: allocation is not held here");
  }

  @Test
  void drain_withdrawsTheFreeSlotsFromTheOverviewAtOnce() {
    register(registration("te-1", "i-1", 2));
    register(registration("te-2", "i-1", 1));
    assertThat(rm.overviewSnapshot().slotsFree()).isEqualTo(3);

    rm.drain("te-1");

    assertThat(rm.overviewSnapshot().slotsFree()).isEqualTo(1);
  }

  @Test
  void allocationTheExecutorNeverHolds_isLostOnceTheGraceHasPassed_thoughEveryReportIsTheSame() {
    register(registration("te-1", "i-1", 1));
    main.advance(INTERVAL.multipliedBy(2)); // reports of a free slot, reconciled once, then only compared
    FakeTaskExecutors.Fake te = fakes.get("te-1");
    Allocation held = allocate("job-a", 1).get(0);
    te.slotAllocations[held.slotIndex()] = null; // said yes, but keeps reporting the slot free
    te.slotJobs[held.slotIndex()] = null;

    main.advance(INTERVAL.multipliedBy(3));

    assertThat(heard).last().isEqualTo("allocation lost " + held.allocationId() + " DROPPED_BY_TASK_EXECUTOR");
    assertThat(rm.allocations(null)).isEmpty();
  }

  @Test
  void allocationDroppedAfterManyReportsHeldIt_isLostAtTheNextReport() {
    register(registration("te-1", "i-1", 1));
    Allocation held = allocate("job-a", 1).get(0);
    main.advance(INTERVAL.multipliedBy(3)); // the same report, holding it, every interval
    FakeTaskExecutors.Fake te = fakes.get("te-1");
    te.slotAllocations[held.slotIndex()] = null;
    te.slotJobs[held.slotIndex()] = null;

    main.advance(INTERVAL);

    assertThat(heard).last().isEqualTo("allocation lost " + held.allocationId() + " DROPPED_BY_TASK_EXECUTOR");
  }

  // ------------------------------------------------------------------ what is stored

  @Test
  void refusedAllocation_removesWhatItStored() {
    ManualRegistryStore store = startWith(new ManualRegistryStore());
    register(registration("te-1", "i-1", 2));
    durable(store);
    fakes.get("te-1").refuseSlots = true;

    CompletableFuture<List<Allocation>> f = rm.allocate("job-a", 2);
    durable(store);
    durable(store);

    assertThat(f).isCompletedExceptionally();
    assertThat(store.written()).filteredOn(m -> m instanceof Mutation.PutAllocation).hasSize(2);
    assertThat(store.open("rm-test").allocations()).isEmpty();
  }

  @Test
  void droppedAllocation_isRemovedFromTheStore() {
    ManualRegistryStore store = startWith(new ManualRegistryStore());
    RegistrationResult registered = register(registration("te-1", "i-1", 1));
    CompletableFuture<List<Allocation>> f = rm.allocate("job-a", 1);
    for (int i = 0; i < 4; i++) {
      durable(store);
    }
    Allocation held = f.join().get(0);
    assertThat(store.open("rm-test").allocations()).extracting(StoredAllocation::allocationId)
        .containsExactly(held.allocationId());
    FakeTaskExecutors.Fake te = fakes.get("te-1");
    te.health = FakeTaskExecutors.Health.SILENT;
    main.advance(INTERVAL);

    te.slotAllocations[0] = null;
    rm.slotReport("te-1", registered.registrationId(), te.report());
    durable(store);

    assertThat(heard).last().isEqualTo("allocation lost " + held.allocationId() + " DROPPED_BY_TASK_EXECUTOR");
    assertThat(store.open("rm-test").allocations()).isEmpty();
  }

  @Test
  void storeFailingWhileAllocatedIsWritten_undoesTheAllocation() {
    ManualRegistryStore store = startWith(new ManualRegistryStore());
    register(registration("te-1", "i-1", 2));
    durable(store);
    CompletableFuture<List<Allocation>> f = rm.allocate("job-a", 2);
    durable(store); // PENDING is stored; both slots are asked for and given

    store.failAll(new IllegalStateException("test: the disk is gone")); // ALLOCATED is not
    main.runPending();
    durable(store);

    assertThatThrownBy(f::join).hasCauseInstanceOf(AllocationFailedException.class)
        .hasMessageContaining("test: the disk is gone");
    assertThat(fakes.get("te-1").callsStartingWith("freeSlot")).hasSize(2);
    assertThat(rm.overviewSnapshot().slotsFree()).isEqualTo(2);
  }

  @Test
  void executorLostWhileAllocatedIsWritten_undoesTheAllocation() {
    ManualRegistryStore store = startWith(new ManualRegistryStore());
    RegistrationResult registered = register(registration("te-1", "i-1", 1));
    durable(store);
    CompletableFuture<List<Allocation>> f = rm.allocate("job-a", 1);
    durable(store); // PENDING is stored, the slot given; ALLOCATED is being written

    rm.disconnect("te-1", registered.registrationId(), "bye");
    durable(store);
    durable(store);

    assertThatThrownBy(f::join).hasCauseInstanceOf(AllocationFailedException.class)
        .hasMessageContaining("task executor te-1 was lost while being asked");
    assertThat(rm.allocations(null)).isEmpty();
  }

  // ------------------------------------------------------------------ after a restart

  @Test
  void restore_keepsAcknowledgedAllocations_andDropsTheRest() {
    ManualRegistryStore store = restart(FakeTaskExecutors.Health.SILENT);

    assertThat(rm.allocations(null)).containsExactly(
        new Allocation("kept", "job-a", "te-r", 0, Allocation.State.ALLOCATED, 11));
    assertThat(store.written()).filteredOn(m -> m instanceof Mutation.RemoveAllocation)
        .extracting(m -> ((Mutation.RemoveAllocation) m).allocationId())
        .containsExactly("pending", "gone");
    assertThat(rm.taskExecutor("te-r")).satisfies(te -> {
      assertThat(te.state()).isEqualTo("RECOVERING");
      assertThat(te.lastHeartbeat()).isZero(); // not heard from since the restart
      assertThat(te.slotsTotal()).isEqualTo(3);
      assertThat(te.slotsFree()).isEqualTo(2);
    });
    assertThat(rm.overviewSnapshot()).isEqualTo(new Overview("rm-test", 8, 0, 0, 0));
  }

  @Test
  void recoveringExecutor_answeringHeartbeats_isNotConfirmed_untilItRegistersAgain() {
    restart();
    FakeTaskExecutors.Fake te = fakes.get("te-r");
    te.slotAllocations[0] = "kept";
    te.slotJobs[0] = "job-a";

    main.advance(INTERVAL.multipliedBy(2));
    assertThat(rm.isRegistered("te-r")).isFalse();
    assertThat(rm.taskExecutor("te-r").state()).isEqualTo("RECOVERING");

    RegistrationResult again = rm.register(registration("te-r", "i-1", 3));
    rm.slotReport("te-r", again.registrationId(), te.report());
    main.runPending();

    assertThat(rm.isRegistered("te-r")).isTrue();
    assertThat(rm.overviewSnapshot()).isEqualTo(new Overview("rm-test", 8, 1, 3, 2));
    assertThat(rm.allocations(null)).extracting(Allocation::allocationId).containsExactly("kept");
  }

  @Test
  void closedWhileRecovering_losesNobodyWhenTheRecoveryTimeoutPasses() {

    ManualRegistryStore store = restart();

    rm.close();
    main.advance(RECOVERY.plus(TIMEOUT));
    store.completeAll(); // whatever was written is durable: a loss would now be heard
    main.runPending();

    assertThat(heard).isEmpty();
    assertThat(rm.events(0, 100)).noneMatch(e -> e.type() == EventType.TASK_EXECUTOR_LOST);
  }

  /**
   * A core restored from a store that holds te-r (3 slots) and four allocations: one acknowledged on te-r,
   * one never acknowledged, one already reported lost, one on a task executor the store does not know.
   */
  private ManualRegistryStore restart() {
    return restart(FakeTaskExecutors.Health.ANSWERING);
  }

  /** As {@link #restart()}, te-r answering heartbeats as {@code health} says from the first request on. */
  private ManualRegistryStore restart(FakeTaskExecutors.Health health) {
    ManualRegistryStore store = new ManualRegistryStore();
    StoredState state = new StoredState("rm-test", 8,
        List.of(stored("kept", "te-r", 0, "ALLOCATED"), stored("pending", "te-r", 1, "PENDING"),
            stored("gone", "te-gone", 0, "ALLOCATED")),
        List.of(new StoredTaskExecutor("te-r", "i-1", "127.0.0.1:7001", 3, EPOCH_MILLIS - 60_000)),
        12, List.of(new StoredEvent(12, EPOCH_MILLIS - 1, EventType.ALLOCATION_LOST.name(), "te-r", "lost-before",
            "job-a", LossReason.HEARTBEAT_TIMEOUT.name(), 0, "before the restart")));
    rm = new ResourceManagerCore(new FencingToken("rm-test", 8), HeartbeatConfig.of(INTERVAL, TIMEOUT), main, wall,
        fakes, listeners, HeartbeatMetrics.NONE, store, state, RECOVERY);
    fakes.get("te-r").health = health;
    store.completeAll();
    main.runPending();
    return store;
  }

  /** A core on {@code store}, empty as a first start finds it. */
  private ManualRegistryStore startWith(ManualRegistryStore store) {
    StoredState state = store.open("rm-test");
    rm = new ResourceManagerCore(new FencingToken(state.resourceManagerId(), state.epoch()),
        HeartbeatConfig.of(INTERVAL, TIMEOUT), main, wall, fakes, listeners, HeartbeatMetrics.NONE, store, state,
        RECOVERY);
    return store;
  }

  /** Makes every write so far durable and runs what waited for it. */
  private void durable(ManualRegistryStore store) {
    store.completeAll();
    main.runPending();
  }

  private static StoredAllocation stored(String id, String te, int slot, String state) {
    return new StoredAllocation(id, "job-a", te, slot, state, 11, 1, null);
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
}
