package dev.pulse.te;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.pulse.config.Settings;
import dev.pulse.heartbeat.time.Quietly;
import dev.pulse.rm.Allocation;
import dev.pulse.rm.EventType;
import dev.pulse.rm.LossReason;
import dev.pulse.rm.Overview;
import dev.pulse.rm.ResourceManager;
import dev.pulse.rm.ResourceManagerEvent;
import dev.pulse.rm.server.ResourceManagerServer;
import dev.pulse.te.server.TaskExecutorServer;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * End to end on loopback: a real {@link ResourceManager} serving gRPC and two real task executors.
 * They register, keep each other alive with heartbeats, take an allocation made through the resource
 * manager's facade, and a task executor that closes is released by the resource manager at once.
 */
class TaskExecutorWithResourceManagerTest {

  private static final Duration PATIENCE = Duration.ofSeconds(20);
  /** Short enough that a broken heartbeat shows within the test, long enough for a loaded machine. */
  private static final Settings HEARTBEATS = Settings.of("heartbeat.interval", "200 ms", "heartbeat.timeout", "3 s");

  private final Deque<AutoCloseable> toClose = new ArrayDeque<>();
  private ResourceManager rm;
  private int rmPort;
  private TaskExecutorServer te1;
  private TaskExecutorServer te2;

  @BeforeEach
  void startClusterOfTwo() {
    ResourceManagerServer server = ResourceManagerServer.builder()
        .resourceManagerId("rm-e2e")
        .settings(HEARTBEATS.overriddenBy(Settings.of("resourcemanager.rpc.port", "0")))
        .serveRest(false)
        .build();
    toClose.push(server);
    rm = server.start().resourceManager();
    rmPort = server.rpcAddress().getPort();
    te1 = startTaskExecutor("te-1", 2);
    te2 = startTaskExecutor("te-2", 3);
    await().atMost(PATIENCE).until(() -> te1.isRegistered() && te2.isRegistered()
        && rm.overview().taskExecutors() == 2);
  }

  @AfterEach
  void closeEverything() throws Exception {
    Exception failure = null;
    while (!toClose.isEmpty()) {
      try {
        toClose.pop().close();
      } catch (Exception e) {
        if (failure == null) {
          failure = e;
        } else {
          failure.addSuppressed(e);
        }
      }
    }
    if (failure != null) {
      throw failure;
    }
  }

  @Test
  void bothRegister_andTheOverviewCountsTheirSlots() {
    assertThat(te1.resourceManagerId()).contains("rm-e2e");
    assertThat(te2.resourceManagerId()).contains("rm-e2e");

    Overview overview = rm.overview();

    assertThat(overview.taskExecutors()).isEqualTo(2);
    assertThat(overview.slotsTotal()).isEqualTo(5);
    assertThat(overview.slotsFree()).isEqualTo(5);
  }

  @Test
  void heartbeats_keepBothSidesRegisteredPastTheTimeout() {
    String registration1 = te1.registrationId().orElseThrow();
    String registration2 = te2.registrationId().orElseThrow();

    Quietly.during(Duration.ofSeconds(5), "both task executors stay registered under their first registration",
        () -> te1.registrationId().orElse("").equals(registration1)
            && te2.registrationId().orElse("").equals(registration2)
            && rm.overview().taskExecutors() == 2);

    assertThat(rm.events(0, 1_000)).noneMatch(e -> e.type() == EventType.TASK_EXECUTOR_LOST);
  }

  @Test
  void allocation_throughTheResourceManager_reachesTheTaskExecutorsSlotTable() throws Exception {
    List<Allocation> allocations = rm.allocateSlots("job-1", 4).get(PATIENCE.toSeconds(), TimeUnit.SECONDS);

    assertThat(allocations).hasSize(4);
    Map<String, TaskExecutorServer> byId = Map.of("te-1", te1, "te-2", te2);
    for (Allocation a : allocations) {
      assertThat(byId.get(a.taskExecutorId()).slots().get(a.slotIndex()))
          .isEqualTo(new TaskSlot(a.slotIndex(), a.allocationId(), "job-1"));
    }
    assertThat(rm.overview().slotsFree()).isEqualTo(1);

    rm.releaseAllocation(allocations.get(0).allocationId()).get(PATIENCE.toSeconds(), TimeUnit.SECONDS);

    Allocation released = allocations.get(0);
    await().atMost(PATIENCE).until(() -> byId.get(released.taskExecutorId()).slots().get(released.slotIndex()).isFree());
  }

  @Test
  void close_isATaskExecutorLostDisconnectedAtTheResourceManagerAtOnce() throws Exception {
    List<Allocation> allocations = rm.allocateSlots("job-1", 5).get(PATIENCE.toSeconds(), TimeUnit.SECONDS);
    long onTe1 = allocations.stream().filter(a -> a.taskExecutorId().equals("te-1")).count();

    te1.close();

    // No waiting: the resource manager answers the goodbye only after it has released the task executor.
    List<ResourceManagerEvent> lost = rm.events(0, 1_000).stream()
        .filter(e -> e.type() == EventType.TASK_EXECUTOR_LOST).toList();
    assertThat(lost).singleElement().satisfies(e -> {
      assertThat(e.taskExecutorId()).isEqualTo("te-1");
      assertThat(e.reason()).isEqualTo(LossReason.DISCONNECTED);
      assertThat(e.slotsReleased()).isEqualTo(2);
    });
    assertThat(rm.events(0, 1_000).stream().filter(e -> e.type() == EventType.ALLOCATION_LOST)
        .collect(Collectors.toList())).hasSize((int) onTe1)
        .allMatch(e -> e.reason() == LossReason.DISCONNECTED);
    assertThat(rm.overview().taskExecutors()).isEqualTo(1);
    assertThat(rm.overview().slotsTotal()).isEqualTo(3);
    assertThat(te2.isRegistered()).isTrue();
  }

  private TaskExecutorServer startTaskExecutor(String id, int slots) {
    TaskExecutorServer te = TaskExecutorServer.builder()
        .settings(HEARTBEATS.overriddenBy(Settings.of(
            "taskexecutor.resource-id", id,
            "taskexecutor.numberOfTaskSlots", Integer.toString(slots),
            "resourcemanager.rpc.port", Integer.toString(rmPort))))
        .build();
    toClose.push(te);
    return te.start();
  }
}
