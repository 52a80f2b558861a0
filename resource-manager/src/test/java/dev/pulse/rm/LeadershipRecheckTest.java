package dev.pulse.rm;

import static dev.pulse.rm.FakeTaskExecutors.registration;
import static org.assertj.core.api.Assertions.assertThat;

import dev.pulse.heartbeat.HeartbeatConfig;
import dev.pulse.heartbeat.HeartbeatMetrics;
import dev.pulse.heartbeat.time.ManualMainThreadExecutor;
import dev.pulse.rm.store.MemoryRegistryStore;
import dev.pulse.rm.store.Mutation;
import dev.pulse.rm.store.RegistryStore;
import dev.pulse.rm.store.StoreException;
import dev.pulse.rm.store.StoredState;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * After a local pause, the resource manager acts on nothing destructive until its store confirmed that it still
 * leads (SPEC 12): on the fake clock, with a store whose leadership check the test answers.
 */
class LeadershipRecheckTest {

  private static final Duration INTERVAL = Duration.ofSeconds(1);
  private static final Duration TIMEOUT = Duration.ofSeconds(5);
  /** Longer than any session timeout in question, and far past the sender's pause threshold (3 intervals). */
  private static final Duration PAUSE = Duration.ofSeconds(30);

  private ManualMainThreadExecutor main;
  private FakeTaskExecutors fakes;
  private CheckedStore store;
  private ResourceManagerCore rm;
  private final List<String> heard = new ArrayList<>();

  /** A store in memory whose {@link #confirmLeadership()} waits for the test. */
  private static final class CheckedStore implements RegistryStore {
    final MemoryRegistryStore inner = new MemoryRegistryStore();
    final List<CompletableFuture<Void>> checks = new ArrayList<>();

    @Override
    public StoredState open(String proposedResourceManagerId) {
      return inner.open(proposedResourceManagerId);
    }

    @Override
    public CompletableFuture<Void> apply(Mutation mutation) {
      return inner.apply(mutation);
    }

    @Override
    public CompletableFuture<Void> confirmLeadership() {
      CompletableFuture<Void> check = new CompletableFuture<>();
      checks.add(check);
      return check;
    }

    @Override
    public CompletableFuture<Path> backup(Path file) {
      return inner.backup(file);
    }

    @Override
    public void close() {}
  }

  @BeforeEach
  void setUp() {
    main = new ManualMainThreadExecutor();
    fakes = new FakeTaskExecutors();
    store = new CheckedStore();
    StoredState state = store.open("rm-test");
    // No loss guard: a silent task executor is lost at its timeout, so that only the check can hold it back.
    rm = new ResourceManagerCore(new FencingToken(state.resourceManagerId(), state.epoch()),
        HeartbeatConfig.of(INTERVAL, TIMEOUT), main, Clock.systemUTC(), fakes, List.of(new RecordingListener(heard)),
        HeartbeatMetrics.NONE, store, state, TIMEOUT, LossGuardConfig.disabled(INTERVAL), QuarantineConfig.defaults());
    for (String te : List.of("te-1", "te-2")) {
      RegistrationResult r = rm.register(registration(te, "i-" + te, 2));
      rm.slotReport(te, r.registrationId(), SlotReport.allFree(2));
    }
    main.advance(INTERVAL.multipliedBy(3));
  }

  /** Pauses the whole process, then lets te-2 fall silent: its timeout comes while the check is out. */
  private void pauseThenSilence() {
    main.freeze(PAUSE);
    main.advance(INTERVAL); // the sender wakes up, finds the gap and asks for the check
    assertThat(store.checks).as("one leadership check after the pause").hasSize(1);
    fakes.get("te-2").health = FakeTaskExecutors.Health.SILENT;
    main.advance(TIMEOUT.plus(INTERVAL.multipliedBy(3)));
  }

  @Test
  void lossAfterAPause_waitsForTheLeadershipCheck_andIsDeclaredOnceConfirmed() {
    pauseThenSilence();
    assertThat(rm.isRegistered("te-2")).as("held while the check is out").isTrue();
    assertThat(lostEvents()).isEmpty();
    assertThat(heard).noneMatch(h -> h.startsWith("lost"));
    assertThat(fakes.get("te-2").calls).noneMatch(c -> c.startsWith("disconnect"));

    store.checks.get(0).complete(null);
    main.runPending();

    assertThat(rm.isRegistered("te-2")).isFalse();
    assertThat(lostEvents()).extracting(ResourceManagerEvent::taskExecutorId).containsExactly("te-2");
    assertThat(rm.events(0, 100).stream().filter(e -> e.type() == EventType.TASK_EXECUTOR_LOST).findFirst()
        .orElseThrow().reason()).isEqualTo(LossReason.HEARTBEAT_TIMEOUT);
    assertThat(rm.isRegistered("te-1")).isTrue();
  }

  @Test
  void lossAfterAPause_ofADeposedLeader_isNeverDeclared() {
    pauseThenSilence();

    store.checks.get(0).completeExceptionally(new StoreException("deposed: epoch 2 is over"));
    main.runPending();
    fakes.get("te-1").health = FakeTaskExecutors.Health.SILENT;
    main.advance(TIMEOUT.multipliedBy(4));

    assertThat(rm.isRegistered("te-1")).isTrue();
    assertThat(rm.isRegistered("te-2")).isTrue();
    assertThat(lostEvents()).isEmpty();
    assertThat(heard).noneMatch(h -> h.startsWith("lost"));
    assertThat(fakes.all).allSatisfy(f -> assertThat(f.calls).noneMatch(c -> c.startsWith("disconnect")));
    assertThat(store.checks).as("no second check once deposed").hasSize(1);
  }

  @Test
  void allocationDroppedFromAReport_duringTheCheck_isLostOnlyOnceConfirmed() {
    CompletableFuture<List<Allocation>> allocated = rm.allocate("job-a", 1);
    main.runPending();
    Allocation a = allocated.join().get(0);
    main.freeze(PAUSE);
    main.advance(INTERVAL);
    fakes.get(a.taskExecutorId()).slotAllocations[a.slotIndex()] = null; // it no longer holds the slot
    main.advance(INTERVAL.multipliedBy(3));
    assertThat(rm.events(0, 100)).noneMatch(e -> e.type() == EventType.ALLOCATION_LOST);

    store.checks.get(0).complete(null);
    main.advance(INTERVAL.multipliedBy(2));

    assertThat(rm.events(0, 100)).filteredOn(e -> e.type() == EventType.ALLOCATION_LOST)
        .extracting(ResourceManagerEvent::reason).containsExactly(LossReason.DROPPED_BY_TASK_EXECUTOR);
  }

  @Test
  void aSecondPauseDuringTheCheck_onlyTheNewestCheckReleasesTheVerdicts() {
    pauseThenSilence();
    main.freeze(PAUSE);
    main.advance(INTERVAL);
    assertThat(store.checks).hasSize(2);

    store.checks.get(0).complete(null);
    main.runPending();
    assertThat(rm.isRegistered("te-2")).as("the older check is not enough").isTrue();

    store.checks.get(1).complete(null);
    main.runPending();
    assertThat(rm.isRegistered("te-2")).isFalse();
  }

  private List<ResourceManagerEvent> lostEvents() {
    return rm.events(0, 100).stream().filter(e -> e.type() == EventType.TASK_EXECUTOR_LOST).toList();
  }
}
