package dev.pulse.harness;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pulse.proto.v1.Allocation;
import dev.pulse.proto.v1.AllocationEvent;
import dev.pulse.proto.v1.AllocationEventType;
import dev.pulse.rm.EventType;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** What a test can observe: allocations and their stream over gRPC, events, REST and metrics. */
class ObservationTest {

  private static final Duration PATIENCE = Duration.ofSeconds(30);

  @RegisterExtension
  final MiniClusterExtension extension = MiniClusterExtension.perTest(MiniCluster.builder()
      .taskExecutors(2)
      .slotsPerTaskExecutor(2)
      .authToken("harness-test-token-0123456789"));

  @Test
  void allocationsOnAKilledTaskExecutor_areStreamedAsLost(MiniCluster cluster) {
    SlotPoolClient slotPool = cluster.slotPool();
    List<Allocation> allocations = slotPool.allocate("job-1", 4);
    assertThat(allocations).hasSize(4).extracting(Allocation::getTaskExecutorId).containsOnly("te-0", "te-1");

    try (SlotPoolClient.Watch watch = slotPool.watch("job-1")) {
      cluster.taskExecutor(0).kill();

      AllocationEvent lost = watch.await(e -> e.getType() == AllocationEventType.ALLOCATION_EVENT_TYPE_LOST,
          PATIENCE);
      assertThat(lost.getAllocation().getTaskExecutorId()).isEqualTo("te-0");
      assertThat(lost.getReason()).isEqualTo(dev.pulse.proto.v1.LossReason.LOSS_REASON_UNREACHABLE);
    }
    cluster.awaitEvent(EventType.ALLOCATION_LOST, e -> "job-1".equals(e.jobId()), PATIENCE);
    slotPool.release(allocations.stream().filter(a -> a.getTaskExecutorId().equals("te-1")).findFirst()
        .orElseThrow().getAllocationId());
    cluster.awaitEvent(EventType.ALLOCATION_RELEASED, e -> true, PATIENCE);
  }

  @Test
  void restAndMetrics_areReachable(MiniCluster cluster) throws Exception {
    URI rest = cluster.restUrl();
    HttpClient http = HttpClient.newHttpClient();
    HttpResponse<String> overview = http.send(HttpRequest.newBuilder(rest.resolve("/v1/overview")).build(),
        HttpResponse.BodyHandlers.ofString());

    assertThat(overview.statusCode()).isEqualTo(200);
    assertThat(overview.body()).contains("\"taskExecutors\":2");
    assertThat(cluster.metrics()).contains("pulse_task_executors_registered 2.0");
    assertThat(cluster.events()).filteredOn(e -> e.type() == EventType.TASK_EXECUTOR_REGISTERED).hasSize(2);
  }

  @Test
  void awaitEvent_thatDoesNotCome_failsListingTheEventsSeen(MiniCluster cluster) {
    cluster.taskExecutor(0).kill();
    cluster.awaitEvent(EventType.TASK_EXECUTOR_LOST, "te-0", PATIENCE);

    assertThatThrownBy(() -> cluster.awaitEvent(EventType.TASK_EXECUTOR_LOST, "te-1", Duration.ofMillis(300)))
        .isInstanceOf(AssertionError.class)
        .hasMessageContaining("no TASK_EXECUTOR_LOST event matching the predicate within 300 ms");
  }

  @Test
  void networkFaults_ofAChildProcess_areRefusedClearly() {
    // Documented subset: process mode has no network faults. Checked without starting processes.
    ProcessTaskExecutor te = new ProcessTaskExecutor("te-9", java.util.Map.of(), 42, null, () -> 0, null, PATIENCE,
        () -> {});
    assertThatThrownBy(te::partition).isInstanceOf(UnsupportedOperationException.class)
        .hasMessageContaining("partition() needs an in-process task executor");
    assertThatThrownBy(() -> te.dropHeartbeats(0.5)).isInstanceOf(UnsupportedOperationException.class);
    assertThatThrownBy(te::network).isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("networkFaults(true)");
  }
}
