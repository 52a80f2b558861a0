package dev.pulse.rm;

import static dev.pulse.rm.FakeTaskExecutors.registration;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pulse.heartbeat.HeartbeatConfig;
import dev.pulse.heartbeat.HeartbeatMetrics;
import dev.pulse.heartbeat.time.ManualMainThreadExecutor;
import dev.pulse.rm.store.MemoryRegistryStore;
import dev.pulse.rm.store.Mutation;
import dev.pulse.rm.store.RegistryStore;
import dev.pulse.rm.store.StoredAllocation;
import dev.pulse.rm.store.StoredEvent;
import dev.pulse.rm.store.StoredState;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/**
 * The resource manager on its registry store, on the fake clock (SPEC 9): nothing is acknowledged before
 * the store holds it, and a restart on the same store recovers the task executors and their allocations.
 */
class ResourceManagerDurabilityTest {

  private static final Duration INTERVAL = Duration.ofSeconds(1);
  private static final Duration TIMEOUT = Duration.ofSeconds(5);
  private static final Duration RECOVERY = Duration.ofSeconds(8);

  private final ManualMainThreadExecutor main = new ManualMainThreadExecutor();
  private final FakeTaskExecutors fakes = new FakeTaskExecutors();
  private final List<String> heard = new ArrayList<>();
  private final Clock wall = Clock.fixed(Instant.ofEpochMilli(1_800_000_000_000L), ZoneOffset.UTC);
  private ResourceManagerCore rm;
  private long startedAt;

  // ------------------------------------------------------------------ acknowledge after persist

  @Test
  void allocate_isStoredPendingBeforeTheExecutorIsAsked_andAllocatedBeforeAnybodyHears() {
    ManualRegistryStore store = new ManualRegistryStore();
    start(store);
    register("te-1", "i-1", 2);
    store.completeAll();
    main.runPending();
    List<AllocationUpdate> updates = new ArrayList<>();
    rm.watch("job-a", updates::add);
    heard.clear();
    int eventsBefore = rm.events(0, 100).size();

    CompletableFuture<List<Allocation>> allocated = rm.allocate("job-a", 1);
    main.runPending();

    assertThat(store.written()).last().isInstanceOfSatisfying(Mutation.PutAllocation.class,
        p -> assertThat(p.allocation().state()).isEqualTo("PENDING"));
    assertThat(fakes.get("te-1").callsStartingWith("requestSlot")).isEmpty();

    store.completeAll(); // PENDING durable: now the executor is asked, and ALLOCATED is written
    main.runPending();
    assertThat(fakes.get("te-1").callsStartingWith("requestSlot")).hasSize(1);
    assertThat(store.written()).anySatisfy(m -> assertThat(m).isInstanceOfSatisfying(Mutation.PutAllocation.class,
        p -> assertThat(p.allocation().state()).isEqualTo("ALLOCATED")));
    assertThat(allocated).isNotDone();
    assertThat(rm.events(0, 100)).hasSize(eventsBefore);
    assertThat(updates).isEmpty();
    assertThat(heard).isEmpty();

    store.completeAll(); // ALLOCATED durable: the ALLOCATION_CREATED event is written, still not published
    main.runPending();
    assertThat(allocated).isNotDone();
    assertThat(updates).isEmpty();
    store.completeAll();
    main.runPending();
    assertThat(allocated).isCompleted();
    assertThat(rm.events(0, 100)).last().extracting(ResourceManagerEvent::type).isEqualTo(EventType.ALLOCATION_CREATED);
    assertThat(updates).singleElement().extracting(AllocationUpdate::type).isEqualTo(EventType.ALLOCATION_CREATED);
  }

  @Test
  void release_isAcknowledgedAndFreedOnTheExecutorOnlyOnceStored() {
    ManualRegistryStore store = new ManualRegistryStore();
    start(store);
    register("te-1", "i-1", 2);
    CompletableFuture<List<Allocation>> allocated = rm.allocate("job-a", 1);
    for (int i = 0; i < 3; i++) {
      store.completeAll();
      main.runPending();
    }
    String id = allocated.join().get(0).allocationId();

    CompletableFuture<Void> released = rm.release(id);
    main.runPending();

    assertThat(store.written()).contains(new Mutation.RemoveAllocation(id));
    assertThat(released).isNotDone();
    assertThat(fakes.get("te-1").callsStartingWith("freeSlot")).isEmpty();
    assertThat(rm.events(0, 100)).noneMatch(e -> e.type() == EventType.ALLOCATION_RELEASED);

    store.completeAll();
    main.runPending();
    assertThat(released).isCompleted();
    assertThat(fakes.get("te-1").callsStartingWith("freeSlot")).containsExactly("freeSlot " + id);
    assertThat(rm.events(0, 100)).last().extracting(ResourceManagerEvent::type).isEqualTo(EventType.ALLOCATION_RELEASED);
  }

  @Test
  void registrationAndLoss_areStored_beforeListenersOrTheEventLogHearOfThem() {
    ManualRegistryStore store = new ManualRegistryStore();
    start(store);

    RegistrationResult registered = register("te-1", "i-1", 2);
    assertThat(store.written()).first().isInstanceOf(Mutation.PutTaskExecutor.class);
    assertThat(heard).isEmpty();
    assertThat(rm.events(0, 100)).isEmpty();
    store.completeAll();
    main.runPending();
    assertThat(heard).containsExactly("registered te-1");
    assertThat(rm.events(0, 100)).extracting(ResourceManagerEvent::type)
        .containsExactly(EventType.TASK_EXECUTOR_REGISTERED);

    rm.disconnect("te-1", registered.registrationId(), "bye");
    assertThat(store.written()).last().isInstanceOfSatisfying(Mutation.Batch.class,
        b -> assertThat(b.mutations()).contains(new Mutation.RemoveTaskExecutor("te-1")));
    assertThat(heard).containsExactly("registered te-1");
    store.completeAll();
    main.runPending();
    assertThat(heard).containsExactly("registered te-1", "lost te-1 DISCONNECTED");
  }

  @Test
  void executorLostWhileItsPendingAllocationIsStored_failsTheAllocationClearly_withoutAskingIt() {
    ManualRegistryStore store = new ManualRegistryStore();
    start(store);
    RegistrationResult registered = register("te-1", "i-1", 2);
    store.completeAll();
    main.runPending();

    CompletableFuture<List<Allocation>> allocated = rm.allocate("job-a", 1);
    rm.disconnect("te-1", registered.registrationId(), "bye"); // before PENDING is durable
    for (int i = 0; i < 3; i++) {
      store.completeAll();
      main.runPending();
    }

    assertThat(allocated).isCompletedExceptionally();
    assertThatThrownBy(allocated::join).hasCauseInstanceOf(AllocationFailedException.class)
        .rootCause().hasMessage("task executor te-1 was lost before it was asked");
    assertThat(fakes.get("te-1").callsStartingWith("requestSlot")).isEmpty();
    assertThat(rm.allocations(null)).isEmpty();
  }

  @Test
  void failedWrite_acknowledgesNothing_andFailsTheAllocation() {
    ManualRegistryStore store = new ManualRegistryStore();
    start(store);
    register("te-1", "i-1", 2);
    store.completeAll();
    main.runPending();

    CompletableFuture<List<Allocation>> allocated = rm.allocate("job-a", 1);
    store.failAll(new IllegalStateException("disk full"));
    main.runPending();
    store.completeAll();
    main.runPending();

    assertThat(allocated).isCompletedExceptionally();
    assertThat(fakes.get("te-1").callsStartingWith("requestSlot")).isEmpty();
    assertThat(rm.events(0, 100)).noneMatch(e -> e.type() == EventType.ALLOCATION_CREATED);
  }

  // ------------------------------------------------------------------ recovery

  @Test
  void restart_keepsTheIdTakesANewEpoch_andRestoresExecutorsAsRecoveringWithTheirAllocations() {
    MemoryRegistryStore store = new MemoryRegistryStore();
    start(store);
    register("te-1", "i-1", 2);
    register("te-2", "i-2", 2);
    List<Allocation> held = allocate("job-a", 2);
    int connectionsBefore = fakes.all.size();

    restart(store);

    assertThat(rm.fencing()).isEqualTo(new FencingToken("rm-test", 2));
    assertThat(rm.taskExecutors()).extracting(TaskExecutorInfo::state).containsExactly("RECOVERING", "RECOVERING");
    assertThat(rm.overviewSnapshot()).isEqualTo(new Overview("rm-test", 2, 0, 0, 0));
    assertThat(rm.allocations("job-a")).extracting(Allocation::allocationId)
        .containsExactlyInAnyOrderElementsOf(held.stream().map(Allocation::allocationId).toList());
    assertThatThrownBy(() -> rm.allocate("job-b", 1)).isInstanceOf(NotEnoughSlotsException.class);
    // Connected at their stored addresses at once, and asked for a heartbeat within one interval.
    assertThat(fakes.all).hasSize(connectionsBefore + 2);
    main.advance(INTERVAL);
    assertThat(fakes.get("te-1").callsStartingWith("heartbeat")).isNotEmpty();
  }

  @Test
  void serving_asksEveryRecoveringExecutorAtOnce_notAtItsPhase() {
    MemoryRegistryStore store = new MemoryRegistryStore();
    start(store);
    register("te-1", "i-1", 1);
    register("te-2", "i-2", 1);
    register("te-3", "i-3", 1);
    restart(store);
    register("te-3", "i-3", 1); // already back: not recovering any more
    fakes.all.forEach(f -> f.calls.clear());

    rm.serving();

    assertThat(main.nanoTime()).isEqualTo(startedAt); // no time has passed: no phase can have come
    assertThat(List.of("te-1", "te-2", "te-3")).extracting(id -> fakes.get(id).callsStartingWith("heartbeat").size())
        .containsExactly(1, 1, 0);
  }

  @Test
  void serving_startsTheRecoveryTimeoutAfresh_soASlowStartUpDoesNotEatIt() {
    MemoryRegistryStore store = new MemoryRegistryStore();
    start(store);
    register("te-1", "i-1", 1);
    restart(store);
    fakes.get("te-1").health = FakeTaskExecutors.Health.SILENT;
    main.advance(RECOVERY.minusSeconds(3)); // the RPC server took this long to bind

    rm.serving();
    long servingAt = main.nanoTime();
    main.advanceTo(servingAt + RECOVERY.toNanos() - 1);
    assertThat(rm.taskExecutors()).extracting(TaskExecutorInfo::state).containsExactly("RECOVERING");
    main.advanceNanos(1);

    assertThat(rm.taskExecutors()).isEmpty();
    assertThat(heard).contains("lost te-1 RECOVERY_TIMEOUT");
  }

  @Test
  void recovery_sameInstance_keepsItsAllocations_freesUnknownOnes_andLosesThoseItLacks() {
    MemoryRegistryStore store = new MemoryRegistryStore();
    start(store);
    register("te-1", "i-1", 3);
    List<Allocation> held = allocate("job-a", 2); // slots 0 and 1 of te-1
    restart(store);
    heard.clear();

    // te-1 still runs slot 0's work, dropped slot 1's, and holds something the store never had.
    SlotReport report = new SlotReport(List.of(new ReportedSlot(0, held.get(0).allocationId(), "job-a"),
        new ReportedSlot(1, null, null), new ReportedSlot(2, "stranded", "job-x")));
    RegistrationResult again = rm.register(new TaskExecutorRegistration("te-1", "i-1",
        fakes.get("te-1").registration.address(), 3, report));
    rm.slotReport("te-1", again.registrationId(), report);

    assertThat(rm.taskExecutor("te-1").state()).isNotEqualTo("RECOVERING");
    assertThat(rm.allocations("job-a")).extracting(Allocation::allocationId).containsExactly(held.get(0).allocationId());
    assertThat(fakes.get("te-1").callsStartingWith("freeSlot")).containsExactly("freeSlot stranded");
    assertThat(heard).containsExactly("allocation lost " + held.get(1).allocationId() + " DROPPED_BY_TASK_EXECUTOR",
        "registered te-1");
    assertThat(rm.overviewSnapshot()).isEqualTo(new Overview("rm-test", 2, 1, 3, 2));
    main.advance(RECOVERY.plus(TIMEOUT));
    assertThat(rm.isRegistered("te-1")).isTrue();
  }

  @Test
  void recovery_newInstance_losesTheOldOneAsRestarted() {
    MemoryRegistryStore store = new MemoryRegistryStore();
    start(store);
    register("te-1", "i-1", 1);
    Allocation held = allocate("job-a", 1).get(0);
    restart(store);
    heard.clear();

    register("te-1", "i-1-new", 1);

    assertThat(heard).containsExactly("allocation lost " + held.allocationId() + " RESTARTED", "lost te-1 RESTARTED",
        "registered te-1");
    assertThat(rm.allocations("job-a")).isEmpty();
  }

  @Test
  void recovery_executorThatNeverComesBack_isLostAsRecoveryTimeout_exactlyAtTheTimeout() {
    MemoryRegistryStore store = new MemoryRegistryStore();
    start(store);
    register("te-1", "i-1", 1);
    Allocation held = allocate("job-a", 1).get(0);
    restart(store);
    fakes.get("te-1").health = FakeTaskExecutors.Health.REFUSING; // a dead process
    heard.clear();

    main.advanceTo(startedAt + RECOVERY.toNanos() - 1);
    assertThat(rm.taskExecutor("te-1").state()).isEqualTo("RECOVERING");
    assertThat(heard).isEmpty();

    main.advanceNanos(1);
    assertThat(rm.taskExecutor("te-1")).isNull();
    assertThat(heard).containsExactly("allocation lost " + held.allocationId() + " RECOVERY_TIMEOUT",
        "lost te-1 RECOVERY_TIMEOUT");
    assertThat(rm.events(0, 100)).last().satisfies(e -> {
      assertThat(e.type()).isEqualTo(EventType.TASK_EXECUTOR_LOST);
      assertThat(e.reason()).isEqualTo(LossReason.RECOVERY_TIMEOUT);
    });
    StoredState after = store.open("ignored");
    assertThat(after.taskExecutors()).isEmpty();
    assertThat(after.allocations()).isEmpty();
  }

  @Test
  void restart_dropsPendingAllocations_andFreesThemWhenTheExecutorReportsThem() {
    MemoryRegistryStore store = new MemoryRegistryStore();
    start(store);
    register("te-1", "i-1", 2);
    // A crash after the PENDING write and the ask, before ALLOCATED: never acknowledged.
    store.apply(new Mutation.PutAllocation(new StoredAllocation("a-pending", "job-a", "te-1", 1, "PENDING", 0, 1,
        null)));
    restart(store);

    assertThat(rm.allocations(null)).isEmpty();
    SlotReport report = new SlotReport(List.of(new ReportedSlot(0, null, null),
        new ReportedSlot(1, "a-pending", "job-a")));
    RegistrationResult again = rm.register(new TaskExecutorRegistration("te-1", "i-1",
        fakes.get("te-1").registration.address(), 2, report));
    rm.slotReport("te-1", again.registrationId(), report);

    assertThat(fakes.get("te-1").callsStartingWith("freeSlot")).containsExactly("freeSlot a-pending");
    assertThat(rm.overviewSnapshot().slotsFree()).isEqualTo(2);
    assertThat(store.open("ignored").allocations()).isEmpty();
  }

  @Test
  void loss_isOneAtomicWrite_ofItsEventsAndItsRemovals_heardOfOnlyOnceDurable() {
    ManualRegistryStore store = new ManualRegistryStore();
    start(store);
    RegistrationResult registered = register("te-1", "i-1", 2);
    CompletableFuture<List<Allocation>> allocated = rm.allocate("job-a", 1);
    for (int i = 0; i < 3; i++) {
      store.completeAll();
      main.runPending();
    }
    String id = allocated.join().get(0).allocationId();
    int before = store.written().size();
    heard.clear();

    rm.disconnect("te-1", registered.registrationId(), "bye");
    main.runPending();

    assertThat(store.written().subList(before, store.written().size())).singleElement()
        .isInstanceOfSatisfying(Mutation.Batch.class, b -> {
          assertThat(b.mutations()).filteredOn(Mutation.AppendEvent.class::isInstance)
              .extracting(m -> ((Mutation.AppendEvent) m).event().type())
              .containsExactly("ALLOCATION_LOST", "TASK_EXECUTOR_LOST");
          assertThat(b.mutations()).contains(new Mutation.RemoveAllocation(id),
              new Mutation.RemoveTaskExecutor("te-1"));
        });
    assertThat(heard).isEmpty();
    store.completeAll();
    main.runPending();
    assertThat(heard).contains("lost te-1 DISCONNECTED");
  }

  @Test
  void restart_eventSequenceContinues_andTheStoredTailIsServed() {
    MemoryRegistryStore store = new MemoryRegistryStore();
    start(store);
    register("te-1", "i-1", 1);
    allocate("job-a", 1);
    List<ResourceManagerEvent> before = rm.events(0, 100);
    long last = before.get(before.size() - 1).seq();

    restart(store);
    assertThat(rm.events(0, 100)).isEqualTo(before);
    register("te-1", "i-1-new", 1);

    assertThat(rm.events(last, 100)).extracting(ResourceManagerEvent::seq).startsWith(last + 1, last + 2);
  }

  @Test
  void watch_resumedAfterARestart_replaysTheStoredTail_thenLiveOnes_withoutGapOrDuplicate() {
    MemoryRegistryStore store = new MemoryRegistryStore();
    start(store);
    register("te-1", "i-1", 3);
    List<AllocationUpdate> first = new ArrayList<>();
    rm.watch("job-a", first::add);
    Allocation a1 = allocate("job-a", 1).get(0);
    Allocation a2 = allocate("job-a", 1).get(0);
    allocate("job-b", 1);
    long seen = first.get(0).seq(); // the watcher saw a1's creation, then its stream broke

    restart(store);
    List<AllocationUpdate> resumed = new ArrayList<>();
    rm.watch("job-a", seen, resumed::add);
    rm.release(a2.allocationId());

    assertThat(resumed).extracting(u -> u.type() + " " + u.allocation().allocationId())
        .containsExactly("ALLOCATION_CREATED " + a2.allocationId(), "ALLOCATION_RELEASED " + a2.allocationId());
    assertThat(resumed.get(0).seq()).isEqualTo(first.get(1).seq());
    assertThat(resumed).allSatisfy(u -> assertThat(u.seq()).isGreaterThan(seen));
    assertThat(a1.allocationId()).isNotEqualTo(a2.allocationId());
  }

  // ------------------------------------------------------------------ helpers

  private void start(RegistryStore store) {
    StoredState state = store.open("rm-test");
    startedAt = main.nanoTime();
    ResourceManagerListener listener = new RecordingListener(heard);
    rm = new ResourceManagerCore(new FencingToken(state.resourceManagerId(), state.epoch()),
        HeartbeatConfig.of(INTERVAL, TIMEOUT), main, wall, fakes, List.of(listener), HeartbeatMetrics.NONE, store,
        state, RECOVERY);
  }

  /** The old core stops (as a killed process would: nothing more is written) and a new one opens the store. */
  private void restart(RegistryStore store) {
    rm.close();
    main.runPending();
    start(store);
  }

  private RegistrationResult register(String id, String instance, int slots) {
    TaskExecutorRegistration registration = registration(id, instance, slots);
    RegistrationResult result = rm.register(registration);
    rm.slotReport(id, result.registrationId(), registration.slotReport());
    return result;
  }

  private List<Allocation> allocate(String job, int n) {
    CompletableFuture<List<Allocation>> f = rm.allocate(job, n);
    main.runPending();
    assertThat(f).isCompleted();
    return f.join();
  }
}
