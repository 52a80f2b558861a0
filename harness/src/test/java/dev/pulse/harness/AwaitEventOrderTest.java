package dev.pulse.harness;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pulse.rm.EventType;
import dev.pulse.rm.LossReason;
import dev.pulse.rm.ResourceManagerEvent;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@link MiniCluster#awaitEvent} after one fault: a task executor's loss and its allocations' losses can be
 * awaited in either order, each event is returned once, and a failure lists the events seen.
 */
class AwaitEventOrderTest {

  private static final Duration PATIENCE = Duration.ofSeconds(30);

  @RegisterExtension
  final MiniClusterExtension extension = MiniClusterExtension.perTest(MiniCluster.builder()
      .taskExecutors(2)
      .slotsPerTaskExecutor(2));

  @Test
  void taskExecutorLossFirst_thenItsAllocationsLosses(MiniCluster cluster) {
    cluster.slotPool().allocate("job-1", 4);
    cluster.taskExecutor("te-0").kill();

    ResourceManagerEvent lost = cluster.awaitEvent(EventType.TASK_EXECUTOR_LOST, "te-0", PATIENCE);
    ResourceManagerEvent first = cluster.awaitEvent(EventType.ALLOCATION_LOST, "te-0", PATIENCE);
    ResourceManagerEvent second = cluster.awaitEvent(EventType.ALLOCATION_LOST, "te-0", PATIENCE);

    assertThat(lost.reason()).isEqualTo(LossReason.UNREACHABLE);
    assertThat(first.allocationId()).isNotEqualTo(second.allocationId());
  }

  @Test
  void allocationsLossesFirst_thenTheTaskExecutorLoss(MiniCluster cluster) {
    cluster.slotPool().allocate("job-1", 4);
    cluster.taskExecutor("te-0").kill();

    ResourceManagerEvent first = cluster.awaitEvent(EventType.ALLOCATION_LOST, "te-0", PATIENCE);
    ResourceManagerEvent second = cluster.awaitEvent(EventType.ALLOCATION_LOST, "te-0", PATIENCE);
    ResourceManagerEvent lost = cluster.awaitEvent(EventType.TASK_EXECUTOR_LOST, "te-0", PATIENCE);

    assertThat(first.allocationId()).isNotEqualTo(second.allocationId());
    assertThat(lost.reason()).isEqualTo(LossReason.UNREACHABLE);
  }

  @Test
  void anEventIsReturnedOnce_andAFailureListsTheEventsSeenSinceTheFault(MiniCluster cluster) {
    cluster.slotPool().allocate("job-1", 4);
    cluster.taskExecutor("te-0").kill();
    cluster.awaitEvent(EventType.TASK_EXECUTOR_LOST, "te-0", PATIENCE);

    assertThatThrownBy(() -> cluster.awaitEvent(EventType.TASK_EXECUTOR_LOST, "te-0", Duration.ofMillis(300)))
        .isInstanceOf(AssertionError.class)
        .hasMessageContaining("no TASK_EXECUTOR_LOST event")
        .hasMessageContaining("TASK_EXECUTOR_LOST te-0 UNREACHABLE")
        .hasMessageContaining("ALLOCATION_LOST te-0 UNREACHABLE");
  }
}
