package dev.pulse.harness;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pulse.harness.MiniCluster.Mode;
import dev.pulse.proto.v1.Allocation;
import dev.pulse.rm.EventType;
import dev.pulse.rm.LossReason;
import dev.pulse.rm.ResourceManagerEvent;
import dev.pulse.rm.RestartPolicy;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The allocation lifecycle on executor loss (SPEC 10) on real processes, one test per outcome: moved after a
 * SIGKILL, failed when the attempts run out, failed when no slot frees up before the deadline, and moved without
 * counting after a graceful leave (SIGTERM). Two task executors of one slot each, heartbeats every 200 ms, 2 refused
 * heartbeats make one unreachable; quarantine off (the moved test kills the same ids again and again).
 *
 * <p>The moved test also measures, over several kills, the time from the SIGKILL to the allocation held by another
 * task executor (the {@code ALLOCATION_MOVED} event: that task executor said yes to {@code RequestSlot} and the
 * resource manager stored it), and prints the median and the maximum next to the bound: the loss bound (threshold x
 * interval + interval) + the backoff + one RPC round trip.
 */
class AllocationLifecycleProcessTest {

  private static final Duration PATIENCE = Duration.ofSeconds(30);
  private static final Duration BACKOFF = Duration.ofMillis(100);
  /** Kills measured; 3 in the build, more with {@code -Dpulse.lifecycle.kills=N} (each costs a JVM restart). */
  private static final int MOVES_MEASURED = Integer.getInteger("pulse.lifecycle.kills", 3);

  @RegisterExtension
  final MiniClusterExtension extension = MiniClusterExtension.perTest(MiniCluster.builder()
      .mode(Mode.PROCESSES)
      .taskExecutors(2)
      .slotsPerTaskExecutor(1)
      .logDirectory(Path.of("target", "lifecycle-logs"))
      .setting("resourcemanager.quarantine.max-losses", "-1")
      .setting("taskexecutor.registration.timeout", "1 min"));

  @Test
  void sigkill_movesTheAllocationToTheOtherTaskExecutor_withinLossBoundPlusBackoffPlusOneRoundTrip(
      MiniCluster cluster) {
    Allocation held = cluster.slotPool().allocate("job-1", 1, new RestartPolicy(100, BACKOFF, Duration.ofSeconds(20)))
        .get(0);
    String id = held.getAllocationId();
    Duration bound = Bounds.unreachable(cluster).plus(BACKOFF);
    List<Long> latencies = new ArrayList<>();
    List<LossReason> reasons = new ArrayList<>();
    String holder = held.getTaskExecutorId();
    for (int i = 0; i < MOVES_MEASURED; i++) {
      TaskExecutorNode victim = cluster.taskExecutor(holder);
      long killedAt = System.currentTimeMillis();
      victim.kill();

      ResourceManagerEvent moved = cluster.awaitMove(id, PATIENCE);

      assertThat(moved.taskExecutorId()).isNotEqualTo(holder);
      // Refused at once as a rule; on a loaded host the RPCs may time out first and the timeout decides.
      assertThat(moved.reason()).isIn(LossReason.UNREACHABLE, LossReason.HEARTBEAT_TIMEOUT);
      assertThat(moved.detail()).startsWith("moved from " + holder + " to " + moved.taskExecutorId())
          .endsWith("attempt " + (i + 2) + " of 100");
      Duration lossBound = moved.reason() == LossReason.UNREACHABLE ? bound : Bounds.hung(cluster).plus(BACKOFF);
      latencies.add(Bounds.assertDetectedWithin("SIGKILL to running elsewhere", killedAt, moved, lossBound));
      reasons.add(moved.reason());
      holder = moved.taskExecutorId();
      victim.restart(); // capacity for the next move
      cluster.awaitEvent(EventType.TASK_EXECUTOR_REGISTERED, victim.id(), PATIENCE);
    }
    List<Long> sorted = latencies.stream().sorted().toList();
    System.out.printf("SIGKILL to ALLOCATION_MOVED over %d kills: median %d ms, max %d ms, all %s (%s);"
        + " bound %d ms (loss %d ms + backoff %d ms) + one round trip%n", sorted.size(), sorted.get(sorted.size() / 2),
        sorted.get(sorted.size() - 1), latencies, reasons, bound.toMillis(), Bounds.unreachable(cluster).toMillis(),
        BACKOFF.toMillis());
    assertThat(cluster.events()).noneMatch(e -> e.type() == EventType.ALLOCATION_LOST
        || e.type() == EventType.ALLOCATION_FAILED);
  }

  @Test
  void crashLoop_failsWithAttemptsExhausted(MiniCluster cluster) {
    Allocation held = cluster.slotPool().allocate("job-1", 1, new RestartPolicy(2, BACKOFF, Duration.ofSeconds(20)))
        .get(0);
    String id = held.getAllocationId();
    cluster.taskExecutor(held.getTaskExecutorId()).kill();
    String second = cluster.awaitMove(id, PATIENCE).taskExecutorId();

    cluster.taskExecutor(second).kill(); // its second attempt of 2 dies too

    ResourceManagerEvent failed = cluster.awaitFailure(id, PATIENCE);
    assertThat(failed.reason()).isEqualTo(LossReason.ATTEMPTS_EXHAUSTED);
    assertThat(failed.taskExecutorId()).isEqualTo(second);
    assertThat(failed.detail()).contains("during attempt 2 of 2");
  }

  @Test
  void noFreeSlot_failsWithNoSlotBeforeDeadline(MiniCluster cluster) {
    Allocation held = cluster.slotPool().allocate("job-1", 1, new RestartPolicy(3, BACKOFF, Duration.ofSeconds(1)))
        .get(0);
    String id = held.getAllocationId();
    List<Allocation> filler = cluster.slotPool().allocate("job-filler", 1);
    String holder = held.getTaskExecutorId();
    assertThat(filler.get(0).getTaskExecutorId()).isNotEqualTo(holder);

    cluster.taskExecutor(holder).kill();

    ResourceManagerEvent failed = cluster.awaitFailure(id, PATIENCE);
    assertThat(failed.reason()).isEqualTo(LossReason.NO_SLOT_BEFORE_DEADLINE);
    assertThat(cluster.events()).noneMatch(e -> e.type() == EventType.ALLOCATION_MOVED);
  }

  @Test
  void gracefulLeave_movesWithoutCountingAnAttempt(MiniCluster cluster) {
    Allocation held = cluster.slotPool().allocate("job-1", 1, new RestartPolicy(1, BACKOFF, Duration.ofSeconds(20)))
        .get(0);

    cluster.taskExecutor(held.getTaskExecutorId()).stop(); // SIGTERM: it says goodbye

    ResourceManagerEvent moved = cluster.awaitMove(held.getAllocationId(), PATIENCE);
    assertThat(moved.reason()).isEqualTo(LossReason.DISCONNECTED);
    assertThat(moved.detail()).contains("after its task executor left").endsWith("attempt 1 of 1");
  }
}
