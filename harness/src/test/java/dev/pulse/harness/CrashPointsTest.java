package dev.pulse.harness;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.pulse.harness.MiniCluster.Mode;
import dev.pulse.proto.v1.Allocation;
import dev.pulse.rm.EventType;
import io.grpc.StatusRuntimeException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * SPEC 9, test 2: the resource manager process halts at a named crash point ({@code -Dpulse.crash-at}), is
 * restarted on the same SQLite store without it, and nothing is held twice: an allocation never acknowledged
 * is gone from the resource manager and from the task executor (its slot can be allocated again), one that
 * was acknowledged is kept.
 */
class CrashPointsTest {

  private static final Duration PATIENCE = Duration.ofSeconds(30);
  private static final int SLOTS = 4;

  private MiniCluster cluster;
  private ClusterProbe probe;

  @BeforeEach
  void start() {
    cluster = MiniCluster.builder().mode(Mode.PROCESSES).taskExecutors(2).slotsPerTaskExecutor(2)
        .heartbeatTimeout(Duration.ofSeconds(10)).setting("resourcemanager.recovery.timeout", "10 s")
        .build().start();
    probe = new ClusterProbe(cluster);
  }

  @AfterEach
  void stop() {
    if (cluster != null) {
      cluster.close();
    }
  }

  @Test
  void haltAfterPendingPersisted_beforeTheTaskExecutorIsAsked_allocationGone() throws IOException {
    haltDuringAllocation("after-pending-persisted");
  }

  @Test
  void haltAfterTheTaskExecutorCall_beforeAllocatedIsPersisted_slotFreedOnTheTaskExecutor() throws IOException {
    haltDuringAllocation("after-task-executor-call");
  }

  @Test
  void haltInTheMiddleOfRecovery_acknowledgedAllocationsKept() throws IOException {
    List<Allocation> held = cluster.slotPool().allocate("job-1", 4);
    long epoch = rm().overview().epoch();

    try {
      rm().restartWith(List.of("-Dpulse.crash-at=after-task-executor-reconciled"));
    } catch (UncheckedIOException haltedBeforeItsStartLine) {
      // the first task executor may come back before the start-up line is printed
    }
    assertHalted("after-task-executor-reconciled");
    cluster.restartResourceManager();

    awaitAllActive();
    assertThat(rm().overview().epoch()).isEqualTo(epoch + 2);
    Map<String, ClusterProbe.Held> known = probe.allocations();
    assertThat(known.keySet()).containsExactlyInAnyOrderElementsOf(ids(held));
    assertThat(known.values()).extracting(ClusterProbe.Held::state).containsOnly("ALLOCATED");
    assertThat(probe.eventsAfter(0)).noneMatch(e -> e.type() == EventType.ALLOCATION_LOST);
  }

  private void haltDuringAllocation(String point) throws IOException {
    rm().restartWith(List.of("-Dpulse.crash-at=" + point));
    awaitAllActive();

    assertThatThrownBy(() -> cluster.slotPool().allocate("job-1", 1)).isInstanceOf(StatusRuntimeException.class);
    assertHalted(point);
    cluster.restartResourceManager();

    awaitAllActive();
    // The unacknowledged allocation is dropped (it was PENDING) and freed on the task executor if it got
    // there: every slot is free, and all of them can be allocated, which a task executor still holding one
    // would refuse.
    await().atMost(PATIENCE).pollInterval(Duration.ofMillis(20)).ignoreExceptions()
        .until(() -> probe.allocations().isEmpty() && rm().overview().slotsFree() == SLOTS);
    List<Allocation> all = cluster.slotPool().allocate("job-2", SLOTS);
    assertThat(all.stream().map(a -> a.getTaskExecutorId() + "/" + a.getSlotIndex()).collect(Collectors.toSet()))
        .hasSize(SLOTS);
  }

  private void assertHalted(String point) throws IOException {
    ChildProcess process = rm().process();
    process.onExit().orTimeout(PATIENCE.toSeconds(), java.util.concurrent.TimeUnit.SECONDS).join();
    assertThat(process.exitCode()).isEqualTo(137);
    assertThat(Files.readString(process.log())).contains("crash point " + point + " reached");
  }

  private void awaitAllActive() {
    await().atMost(PATIENCE).pollInterval(Duration.ofMillis(20)).ignoreExceptions()
        .until(() -> probe.taskExecutorStates().values().stream().filter("ACTIVE"::equals).count() == 2);
  }

  private ProcessResourceManager rm() {
    return (ProcessResourceManager) cluster.resourceManager();
  }

  private static Set<String> ids(List<Allocation> held) {
    return held.stream().map(Allocation::getAllocationId).collect(Collectors.toSet());
  }
}
