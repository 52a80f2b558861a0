package dev.pulse.harness;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.pulse.harness.MiniCluster.Mode;
import dev.pulse.proto.v1.Allocation;
import dev.pulse.rm.EventType;
import dev.pulse.rm.ResourceManagerEvent;
import java.net.URI;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Flapping quarantine on real processes (SPEC 11): a task executor restarted (SIGKILL, new JVM) 3 times within
 * a minute is quarantined: registered and watched, but given no slot until an administrator lifts the
 * quarantine through REST.
 */
class QuarantineProcessTest {

  private static final Duration PATIENCE = Duration.ofSeconds(30);

  @Test
  void restartedThreeTimesInAMinute_isQuarantined_andGetsNoAllocationUntilLifted() throws Exception {
    try (MiniCluster cluster = MiniCluster.builder().mode(Mode.PROCESSES).taskExecutors(2).slotsPerTaskExecutor(2)
        .logDirectory(java.nio.file.Path.of("target", "loss-guard-logs"))
        .build().start()) {
      ClusterProbe probe = new ClusterProbe(cluster);
      TaskExecutorNode flapping = cluster.taskExecutor("te-0");
      long firstRestartAt = System.currentTimeMillis();
      for (int i = 0; i < 2; i++) {
        flapping.restart();
        cluster.awaitEvent(EventType.TASK_EXECUTOR_REGISTERED, "te-0", PATIENCE);
      }
      flapping.restart(); // its third loss
      ResourceManagerEvent quarantined = cluster.awaitEvent(EventType.TASK_EXECUTOR_QUARANTINED, "te-0", PATIENCE);
      assertThat(quarantined.time() - firstRestartAt).isLessThan(60_000);
      await().atMost(PATIENCE).untilAsserted(() ->
          assertThat(probe.taskExecutorStates()).containsEntry("te-0", "QUARANTINED").containsEntry("te-1", "ACTIVE"));

      List<Allocation> placed = cluster.slotPool().allocate("job-1", 2);
      assertThat(placed).extracting(Allocation::getTaskExecutorId).containsOnly("te-1");
      assertThatThrownBy(() -> cluster.slotPool().allocate("job-1", 1)).hasMessageContaining("slot");
      assertThat(Bounds.metric(cluster.metrics(), "pulse_task_executors_quarantined", "")).isEqualTo(1);

      URI lift = URI.create(cluster.restUrl() + "/v1/taskexecutors/te-0/quarantine");
      HttpResponse<String> lifted = cluster.restClient().send("DELETE", lift, null);
      assertThat(lifted.statusCode()).isEqualTo(204);
      assertThat(cluster.slotPool().allocate("job-1", 1)).extracting(Allocation::getTaskExecutorId)
          .containsExactly("te-0");
    }
  }
}
