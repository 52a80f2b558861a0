package dev.pulse.harness;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.pulse.harness.ClusterProbe.Held;
import dev.pulse.harness.MiniCluster.Mode;
import dev.pulse.proto.v1.Allocation;
import dev.pulse.rm.EventType;
import dev.pulse.rm.ResourceManagerEvent;
import io.grpc.StatusRuntimeException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * SPEC 9, test 3: the resource manager SIGKILLed at random moments (during allocation bursts, task executor
 * losses and its own recovery) and restarted on the same SQLite store, with real processes. Seeded: the
 * seed is printed, and {@code -Dpulse.test.seed=N} replays a run.
 *
 * <p>After every round: the epoch grew; no slot is held twice; every allocation acknowledged to the client is
 * still known or was reported {@code ALLOCATION_LOST} with a reason; the task executors that stayed up are
 * ACTIVE again and keep theirs (still {@code ALLOCATED}, which after their re-sync means their slot report
 * holds them, since a known allocation missing from it is lost); the event log never goes back. After
 * the run, no SQLite file was left in the system's temporary directory.
 */
class ResourceManagerCrashTest {

  private static final Duration INTERVAL = Duration.ofMillis(200);
  /**
   * Longer than a resource manager is down here (a JVM start, twice when killed during recovery), so that
   * the task executors are still registered when the new one calls: see {@link #RECOVERY_TIMEOUT}.
   */
  private static final Duration HEARTBEAT_TIMEOUT = Duration.ofSeconds(10);
  /**
   * Longer than a task executor's registration backoff grows while resource managers die during recovery
   * (100 ms doubling, about 5 s here): a task executor without a registration waits out its backoff, which
   * the new resource manager's call does not cut short today, so a shorter timeout loses live ones.
   */
  private static final Duration RECOVERY_TIMEOUT = Duration.ofSeconds(10);
  private static final Duration PATIENCE = Duration.ofSeconds(30);
  private static final int ROUNDS = 20;
  private static final int TASK_EXECUTORS = 3;
  private static final int SLOTS = 4;

  private final long seed = Long.getLong("pulse.test.seed", System.nanoTime());
  private final Random random = new Random(seed);
  private Set<Path> tempFilesBefore;
  private MiniCluster cluster;
  private ClusterProbe probe;

  /** Acknowledged to the client and neither released nor reported lost yet: id to task executor. */
  private final Map<String, String> acknowledged = new ConcurrentHashMap<>();
  /** Every event read, by sequence number, across resource manager instances. */
  private final TreeMap<Long, ResourceManagerEvent> events = new TreeMap<>();
  private long epoch;
  /** Per restart with live task executors still registered: start line to all ACTIVE, milliseconds. */
  private final List<Long> activeAfterMillis = new ArrayList<>();
  /** The same after a resource manager killed during its recovery (not bounded: see RECOVERY_TIMEOUT). */
  private final List<Long> activeAfterRecoveryKillMillis = new ArrayList<>();

  @BeforeEach
  void start() throws IOException {
    System.out.println("ResourceManagerCrashTest seed " + seed + " (replay with -Dpulse.test.seed=" + seed + ")");
    tempFilesBefore = sqliteTempFiles();
    cluster = MiniCluster.builder().mode(Mode.PROCESSES).taskExecutors(TASK_EXECUTORS).slotsPerTaskExecutor(SLOTS)
        .heartbeatInterval(INTERVAL).heartbeatTimeout(HEARTBEAT_TIMEOUT)
        .setting("resourcemanager.recovery.timeout", RECOVERY_TIMEOUT.toMillis() + " ms")
        // A task executor killed in several rounds would be quarantined (SPEC 11) and get no slot: this test
        // is about what a crash keeps, not about flapping.
        .setting("resourcemanager.quarantine.max-losses", "-1")
        .build().start();
    probe = new ClusterProbe(cluster);
    epoch = cluster.resourceManager().overview().epoch();
  }

  @AfterEach
  void stop() throws IOException {
    if (cluster != null) {
      cluster.close();
    }
    assertThat(sqliteTempFiles()).as("SQLite files left in the temporary directory (seed " + seed + ")")
        .isSubsetOf(tempFilesBefore);
  }

  @Test
  void randomKillsOfTheResourceManager_loseNothingAcknowledged() {
    try {
      for (int round = 0; round < ROUNDS; round++) {
        round(round);
      }
    } catch (AssertionError | RuntimeException e) {
      throw new AssertionError("failed with seed " + seed + " (replay with -Dpulse.test.seed=" + seed + "; "
          + cluster.resourceManager() + " running: " + cluster.resourceManager().isRunning() + "): " + e, e);
    }
    System.out.printf("killed again during recovery: every live task executor ACTIVE after %s ms%n",
        activeAfterRecoveryKillMillis);
    printActiveBound("random rounds, single restart");
  }

  private void round(int round) {
    makeRoom();
    TaskExecutorNode victim = random.nextInt(4) == 0 ? cluster.taskExecutor(random.nextInt(TASK_EXECUTORS)) : null;
    int count = 1 + random(6);
    Thread burst = new Thread(() -> burst(round, count), "crash-test-burst");
    burst.start();
    if (victim != null) {
      park(random(300));
      victim.kill();
    }
    park(random(500));
    cluster.killResourceManager();
    join(burst);
    cluster.restartResourceManager();
    boolean killedDuringRecovery = random.nextInt(3) == 0;
    if (killedDuringRecovery) {
      park(random(300));
      cluster.killResourceManager();
      cluster.restartResourceManager();
    }
    long startLine = ((ProcessResourceManager) cluster.resourceManager()).startLineMillis();
    long activeAfter = checkAfterRestart(victim == null ? Set.of() : Set.of(victim.id()), startLine);
    (killedDuringRecovery ? activeAfterRecoveryKillMillis : activeAfterMillis).add(activeAfter);
    if (victim != null) {
      victim.restart();
      await().atMost(PATIENCE).pollInterval(Duration.ofMillis(20)).ignoreExceptions()
          .until(() -> "ACTIVE".equals(probe.taskExecutorStates().get(victim.id())));
      // The new instance holds nothing: the old one's allocations are all reported lost by now.
      await().atMost(PATIENCE).pollInterval(Duration.ofMillis(20)).untilAsserted(() -> {
        readEvents();
        Set<String> lost = lostAllocations();
        assertThat(acknowledged.entrySet()).as("allocations of the killed %s", victim.id())
            .allMatch(a -> !a.getValue().equals(victim.id()) || lost.contains(a.getKey()));
      });
      acknowledged.keySet().removeAll(lostAllocations());
    }
  }

  /** Allocates one slot at a time; keeps the acknowledged ones. Calls fail once the resource manager dies. */
  private void burst(int round, int count) {
    for (int i = 0; i < count; i++) {
      try {
        for (Allocation a : cluster.slotPool().allocate("job-" + round + "-" + i, 1)) {
          acknowledged.put(a.getAllocationId(), a.getTaskExecutorId());
        }
      } catch (StatusRuntimeException unacknowledged) {
        return; // the resource manager is gone, or the pool is full
      }
    }
  }

  /** Releases allocations until at least 6 slots are free, so that every burst has room. */
  private void makeRoom() {
    List<Held> held = new ArrayList<>(probe.allocations().values());
    int free = TASK_EXECUTORS * SLOTS - held.size();
    java.util.Collections.shuffle(held, random);
    for (int i = 0; free < 6 && i < held.size(); i++, free++) {
      String id = held.get(i).allocationId();
      cluster.slotPool().release(id);
      acknowledged.remove(id);
    }
  }

  /**
   * The invariants after a restart; {@code down} are the task executors killed in this round, whose
   * allocations may be lost.
   */
  private long checkAfterRestart(Set<String> down, long startLineMillis) {
    long newEpoch = cluster.resourceManager().overview().epoch();
    assertThat(newEpoch).as("epoch after a restart").isGreaterThan(epoch);
    epoch = newEpoch;

    Set<String> live = cluster.taskExecutors().stream().map(TaskExecutorNode::id).filter(id -> !down.contains(id))
        .collect(Collectors.toSet());
    await().atMost(PATIENCE).pollInterval(Duration.ofMillis(10)).ignoreExceptions().until(() -> {
      Map<String, String> states = probe.taskExecutorStates();
      return live.stream().allMatch(id -> "ACTIVE".equals(states.get(id)));
    });
    long activeAfter = System.currentTimeMillis() - startLineMillis;

    // Acknowledged allocations on a killed task executor are lost within the recovery timeout at most.
    await().atMost(PATIENCE).pollInterval(Duration.ofMillis(20)).untilAsserted(() -> {
      readEvents();
      Map<String, Held> known = probe.allocations();
      Set<String> lost = lostAllocations();
      for (Map.Entry<String, String> a : acknowledged.entrySet()) {
        assertThat(known.containsKey(a.getKey()) || lost.contains(a.getKey()))
            .as("acknowledged allocation %s on %s known or lost", a.getKey(), a.getValue()).isTrue();
      }
    });
    Map<String, Held> known = probe.allocations();
    Set<String> lost = lostAllocations();
    for (Map.Entry<String, String> a : acknowledged.entrySet()) {
      if (live.contains(a.getValue())) {
        assertThat(lost).as("allocation on %s, which stayed up: %s", a.getValue(), lostEvent(a.getKey()))
            .doesNotContain(a.getKey());
        assertThat(known.get(a.getKey()).state()).as("allocation %s on %s", a.getKey(), a.getValue())
            .isEqualTo("ALLOCATED");
      }
    }
    acknowledged.keySet().removeAll(lost);
    Map<String, List<String>> bySlot = new HashMap<>();
    for (Held h : known.values()) {
      bySlot.computeIfAbsent(h.taskExecutorId() + "/" + h.slotIndex(), k -> new ArrayList<>()).add(h.allocationId());
    }
    assertThat(bySlot.values()).as("slots held by more than one allocation").allMatch(ids -> ids.size() == 1);
    return activeAfter;
  }

  /** Reads the new events; the log never goes back: a sequence number seen before names the same event. */
  private void readEvents() {
    long last = events.isEmpty() ? 0 : events.lastKey();
    List<ResourceManagerEvent> page = probe.eventsAfter(Math.max(0, last - 5));
    long previous = -1;
    for (ResourceManagerEvent e : page) {
      assertThat(e.seq()).as("event sequence").isGreaterThan(previous);
      previous = e.seq();
      ResourceManagerEvent seen = events.putIfAbsent(e.seq(), e);
      if (seen != null) {
        assertThat(e).as("event %d read again after a restart", e.seq()).isEqualTo(seen);
      }
    }
    if (last > 0) {
      assertThat(page).as("events up to %d, the last one read before", last)
          .anyMatch(e -> e.seq() == last);
    }
  }

  private Set<String> lostAllocations() {
    Set<String> lost = new HashSet<>();
    for (ResourceManagerEvent e : events.values()) {
      if (e.type() == EventType.ALLOCATION_LOST) {
        assertThat(e.reason()).as("reason of %s", e).isNotNull();
        lost.add(e.allocationId());
      }
    }
    return lost;
  }

  private List<ResourceManagerEvent> lostEvent(String allocationId) {
    return events.values().stream().filter(e -> allocationId.equals(e.allocationId())).toList();
  }

  private void printActiveBound(String what) {
    long max = activeAfterMillis.stream().mapToLong(Long::longValue).max().orElse(-1);
    long within = activeAfterMillis.stream().filter(ms -> ms <= INTERVAL.multipliedBy(2).toMillis()).count();
    System.out.printf("%s: every live task executor ACTIVE after the new resource manager's start line:"
        + " max %d ms, %d of %d restarts within 2 intervals (%d ms); all %s ms%n", what, max, within,
        activeAfterMillis.size(), INTERVAL.multipliedBy(2).toMillis(), activeAfterMillis);
    assertThat(max).as("ACTIVE again after a restart (2 intervals + slack)")
        .isLessThanOrEqualTo(INTERVAL.multipliedBy(2).plus(Bounds.SLACK).toMillis());
  }

  private int random(int bound) {
    return random.nextInt(bound);
  }

  /** The random delay before a fault: the scenario itself, not a wait for a condition. */
  private static void park(long millis) {
    LockSupport.parkNanos(millis * 1_000_000L);
  }

  private static void join(Thread t) {
    try {
      t.join(PATIENCE.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted", e);
    }
    assertThat(t.isAlive()).as("allocation burst still running").isFalse();
  }

  private static Set<Path> sqliteTempFiles() throws IOException {
    try (Stream<Path> files = Files.list(Path.of(System.getProperty("java.io.tmpdir")))) {
      return files.filter(p -> p.getFileName().toString().toLowerCase().contains("sqlite"))
          .collect(Collectors.toSet());
    }
  }
}
