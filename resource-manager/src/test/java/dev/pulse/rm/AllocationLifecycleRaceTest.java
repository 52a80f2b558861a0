package dev.pulse.rm;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pulse.heartbeat.HeartbeatConfig;
import dev.pulse.heartbeat.HeartbeatMetrics;
import dev.pulse.heartbeat.time.ManualMainThreadExecutor;
import dev.pulse.rm.store.MemoryRegistryStore;
import dev.pulse.rm.store.StoredState;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Exactly once (SPEC 10): task executor crashes and graceful leaves, drains, releases by the owner and resource
 * manager restarts (on the same store) race each other in random order and at random times on the fake clock. In
 * every round each allocation ever created ends in at most one terminal state (RELEASED, LOST, FAILED) with nothing
 * after it, and once every deadline has passed each one has either ended or is held by exactly one task executor.
 * Seeded: a failure names the seed and the round ({@code -Dpulse.race.seed=N} replays it).
 */
class AllocationLifecycleRaceTest {

  private static final int ROUNDS = 200;
  private static final int STEPS = 16;
  private static final Duration INTERVAL = Duration.ofSeconds(1);
  private static final Duration TIMEOUT = Duration.ofSeconds(4);
  private static final RestartPolicy POLICY = new RestartPolicy(2, Duration.ofSeconds(1), Duration.ofSeconds(6));
  private static final Set<EventType> TERMINAL = Set.of(EventType.ALLOCATION_RELEASED, EventType.ALLOCATION_LOST,
      EventType.ALLOCATION_FAILED);

  @Test
  void executorLoss_ownerRelease_andRestart_race_eachAllocationEndsAtMostOnce_andNothingIsHeldTwice() {
    long seed = Long.getLong("pulse.race.seed", System.nanoTime());
    for (int round = 0; round < ROUNDS; round++) {
      try {
        new Round(new Random(seed * 31 + round)).run();
      } catch (AssertionError | RuntimeException e) {
        throw new AssertionError("seed " + seed + ", round " + round + " (replay with -Dpulse.race.seed=" + seed
            + "): " + e.getMessage(), e);
      }
    }
  }

  /** One cluster, one store, one random history. */
  private static final class Round {
    private final Random random;
    private final ManualMainThreadExecutor main = new ManualMainThreadExecutor();
    private final FakeTaskExecutors fakes = new FakeTaskExecutors();
    private final MemoryRegistryStore store = new MemoryRegistryStore();
    private final FollowingClock wall = new FollowingClock(main, 1_800_000_000_000L);
    /** Every event any incarnation of the resource manager published, by seq (a restart replays none). */
    private final Map<Long, ResourceManagerEvent> published = new LinkedHashMap<>();
    /** Task executors whose process runs, with its instance id. */
    private final Map<String, String> running = new HashMap<>();
    /** Registration ids handed out by the current incarnation. */
    private final Map<String, String> registrationIds = new HashMap<>();
    private ResourceManagerCore rm;
    private int instances;
    private int nextTaskExecutor;

    Round(Random random) {
      this.random = random;
    }

    void run() {
      rm = start();
      for (int i = 0; i < 4; i++) {
        startTaskExecutor("te-" + nextTaskExecutor++);
      }
      allocate("job-a", 3, POLICY);
      allocate("job-b", 1, null);
      allocate("job-c", 2, POLICY);
      for (int step = 0; step < STEPS; step++) {
        switch (random.nextInt(7)) {
          case 0 -> crash();
          case 1 -> leave();
          case 2 -> release();
          case 3 -> restart();
          case 4 -> startTaskExecutor(random.nextBoolean() || running.isEmpty() ? "te-" + nextTaskExecutor++
              : crashedOrNew());
          case 5 -> drain();
          default -> { }
        }
        main.advance(Duration.ofMillis(random.nextInt(2500)));
      }
      main.advance(Duration.ofSeconds(60)); // past every backoff, deadline, timeout and recovery timeout
      check();
      rm.close();
    }

    private ResourceManagerCore start() {
      StoredState state = store.open("rm-race");
      ResourceManagerListener recorder = new ResourceManagerListener() {
        @Override
        public void onEvent(ResourceManagerEvent event) {
          ResourceManagerEvent before = published.put(event.seq(), event);
          assertThat(before).as("event seq %d published twice", event.seq()).isNull();
        }
      };
      return new ResourceManagerCore(new FencingToken("rm-race", state.epoch()), HeartbeatConfig.of(INTERVAL, TIMEOUT),
          main, wall, fakes, List.of(recorder), HeartbeatMetrics.NONE, store, state, TIMEOUT);
    }

    private void startTaskExecutor(String id) {
      if (running.containsKey(id)) {
        return;
      }
      String instance = "i-" + instances++;
      running.put(id, instance);
      TaskExecutorRegistration registration = FakeTaskExecutors.registration(id, instance, 2);
      RegistrationResult result = rm.register(registration);
      registrationIds.put(id, result.registrationId());
      rm.slotReport(id, result.registrationId(), registration.slotReport());
    }

    private String crashedOrNew() {
      for (int i = 0; i < nextTaskExecutor; i++) {
        if (!running.containsKey("te-" + i)) {
          return "te-" + i;
        }
      }
      return "te-" + nextTaskExecutor++;
    }

    private String anyRunning() {
      List<String> ids = new ArrayList<>(running.keySet());
      ids.sort(null);
      return ids.isEmpty() ? null : ids.get(random.nextInt(ids.size()));
    }

    /** The process dies: its heartbeat RPCs are refused from now on (lost as UNREACHABLE, or at recovery). */
    private void crash() {
      String id = anyRunning();
      if (id != null) {
        running.remove(id);
        fakes.get(id).health = FakeTaskExecutors.Health.REFUSING;
      }
    }

    private void leave() {
      String id = anyRunning();
      if (id != null && registrationIds.containsKey(id) && rm.isRegistered(id)) {
        running.remove(id);
        rm.disconnect(id, registrationIds.remove(id), "shutting down");
        fakes.get(id).health = FakeTaskExecutors.Health.REFUSING;
      }
    }

    private void drain() {
      String id = anyRunning();
      if (id != null) {
        rm.drain(id);
      }
    }

    private void release() {
      List<Allocation> all = rm.allocations(null);
      if (!all.isEmpty()) {
        rm.release(all.get(random.nextInt(all.size())).allocationId());
      }
    }

    private void allocate(String job, int n, RestartPolicy restart) {
      try {
        rm.allocate(job, n, restart);
      } catch (NotEnoughSlotsException e) {
        // a crowded round: fine
      }
      main.runPending();
    }

    /**
     * The resource manager crashes and comes back on its store. Running task executors register again with what
     * they hold (they see the newer epoch); the connections to dead ones are refused.
     */
    private void restart() {
      Map<String, FakeTaskExecutors.Fake> before = new HashMap<>();
      for (String id : running.keySet()) {
        before.put(id, fakes.get(id));
      }
      rm.close();
      main.runPending();
      registrationIds.clear();
      rm = start();
      for (FakeTaskExecutors.Fake f : List.copyOf(fakes.all)) {
        if (!running.containsKey(f.registration.resourceId())) {
          f.health = FakeTaskExecutors.Health.REFUSING;
        }
      }
      for (Map.Entry<String, FakeTaskExecutors.Fake> e : before.entrySet()) {
        FakeTaskExecutors.Fake old = e.getValue();
        SlotReport report = old.report();
        RegistrationResult result = rm.register(new TaskExecutorRegistration(e.getKey(), running.get(e.getKey()),
            old.registration.address(), old.slotAllocations.length, report));
        FakeTaskExecutors.Fake now = fakes.get(e.getKey());
        System.arraycopy(old.slotAllocations, 0, now.slotAllocations, 0, old.slotAllocations.length);
        System.arraycopy(old.slotJobs, 0, now.slotJobs, 0, old.slotJobs.length);
        registrationIds.put(e.getKey(), result.registrationId());
        rm.slotReport(e.getKey(), result.registrationId(), report);
      }
      rm.serving();
    }

    private void check() {
      Map<String, List<EventType>> history = new HashMap<>();
      for (ResourceManagerEvent e : published.values()) {
        if (e.allocationId() != null) {
          history.computeIfAbsent(e.allocationId(), k -> new ArrayList<>()).add(e.type());
        }
        if (e.type() == EventType.ALLOCATION_FAILED) {
          assertThat(e.reason()).isIn(LossReason.ATTEMPTS_EXHAUSTED, LossReason.NO_SLOT_BEFORE_DEADLINE);
        }
        if (e.type() == EventType.ALLOCATION_LOST) {
          assertThat(e.reason()).isNotNull();
        }
      }
      Map<String, Allocation> held = new HashMap<>();
      for (Allocation a : rm.allocations(null)) {
        assertThat(held.put(a.allocationId(), a)).as("allocation %s listed twice", a.allocationId()).isNull();
        assertThat(a.state()).as("%s still pending after every deadline", a).isEqualTo(Allocation.State.ALLOCATED);
        assertThat(fakes.get(a.taskExecutorId()).slotAllocations[a.slotIndex()]).as("the slot of %s", a)
            .isEqualTo(a.allocationId());
        assertThat(a.attempt()).isBetween(1, a.restart() == null ? 1 : a.restart().maxAttempts());
      }
      Set<String> failed = new HashSet<>();
      rm.failures(null).forEach(f -> failed.add(f.allocation().allocationId()));
      for (Map.Entry<String, List<EventType>> e : history.entrySet()) {
        List<EventType> types = e.getValue();
        assertThat(types.get(0)).as("first event of %s", e.getKey()).isEqualTo(EventType.ALLOCATION_CREATED);
        List<EventType> terminal = types.stream().filter(TERMINAL::contains).toList();
        assertThat(terminal).as("terminal events of %s: %s", e.getKey(), types).hasSizeLessThanOrEqualTo(1);
        if (terminal.isEmpty()) {
          assertThat(held).as("%s never ended: %s", e.getKey(), types).containsKey(e.getKey());
        } else {
          assertThat(types.get(types.size() - 1)).as("events of %s after its end: %s", e.getKey(), types)
              .isEqualTo(terminal.get(0));
          assertThat(held).as("%s ended (%s) but is still held", e.getKey(), types).doesNotContainKey(e.getKey());
        }
        assertThat(failed.contains(e.getKey())).as("failure record of %s: %s", e.getKey(), types)
            .isEqualTo(terminal.contains(EventType.ALLOCATION_FAILED));
      }
      Map<String, String> slotsHeld = new HashMap<>();
      for (String id : running.keySet()) {
        for (String allocation : fakes.get(id).slotAllocations) {
          if (allocation != null) {
            assertThat(slotsHeld.put(allocation, id)).as("%s held by two task executors", allocation).isNull();
          }
        }
      }
    }
  }
}
