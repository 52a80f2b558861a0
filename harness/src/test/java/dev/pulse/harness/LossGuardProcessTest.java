package dev.pulse.harness;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.pulse.harness.MiniCluster.Mode;
import dev.pulse.proto.v1.Allocation;
import dev.pulse.rm.EventType;
import dev.pulse.rm.LossReason;
import dev.pulse.rm.ResourceManagerEvent;
import java.net.URI;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * The loss guards on real processes (SPEC 11): task executors are child JVMs and faults are real signals.
 * Heartbeats every 200 ms, timeout 2 s, 2 failed RPCs until unreachable.
 *
 * <ul>
 *   <li>4 of 6 stopped at once (SIGSTOP): a mass failure is suspected, nothing is released while they are
 *       silent, and after SIGCONT all six are back with every allocation;
 *   <li>2 of 6 stopped: too few for the guard, both are lost as before;
 *   <li>a task executor restarted 3 times within a minute is quarantined: registered, but given no slot until
 *       an administrator lifts the quarantine.
 * </ul>
 */
class LossGuardProcessTest {

  private static final Duration PATIENCE = Duration.ofSeconds(30);
  private static final Duration TIMEOUT = Duration.ofSeconds(2);

  private static MiniCluster.Builder sixTaskExecutors() {
    return MiniCluster.builder()
        .mode(Mode.PROCESSES)
        .taskExecutors(6)
        .slotsPerTaskExecutor(1)
        .heartbeatTimeout(TIMEOUT)
        .logDirectory(java.nio.file.Path.of("target", "loss-guard-logs"))
        .setting("taskexecutor.registration.timeout", "1 min");
  }

  @Test
  void fourOfSixStopped_areSuspectNotReleased_andAllComeBackWithEveryAllocation() {
    try (MiniCluster cluster = sixTaskExecutors().build().start()) {
      ClusterProbe probe = new ClusterProbe(cluster);
      List<Allocation> held = cluster.slotPool().allocate("job-1", 6);

      for (int i = 0; i < 4; i++) {
        cluster.taskExecutor(i).pause();
      }
      ResourceManagerEvent suspected = cluster.awaitEvent(EventType.MASS_FAILURE_SUSPECTED, e -> true, PATIENCE);
      assertThat(suspected.detail()).startsWith("4 of 6 task executors are silent at once");
      await().atMost(PATIENCE).untilAsserted(() -> assertThat(probe.taskExecutorStates()).containsAllEntriesOf(
          Map.of("te-0", "SUSPECT", "te-1", "SUSPECT", "te-2", "SUSPECT", "te-3", "SUSPECT")));
      // Three timeouts in which nothing may be released.
      observeFor(TIMEOUT.multipliedBy(3), () -> assertThat(lossEvents(cluster)).isEmpty());

      for (int i = 0; i < 4; i++) {
        cluster.taskExecutor(i).resume();
      }
      cluster.awaitEvent(EventType.MASS_FAILURE_ENDED, e -> true, PATIENCE);
      await().atMost(PATIENCE).untilAsserted(() ->
          assertThat(probe.taskExecutorStates().values()).hasSize(6).containsOnly("ACTIVE"));
      assertThat(probe.allocations().keySet()).containsExactlyInAnyOrderElementsOf(
          held.stream().map(Allocation::getAllocationId).collect(Collectors.toList()));
      assertThat(probe.allocations().values()).allSatisfy(a -> assertThat(a.state()).isEqualTo("ALLOCATED"));
      assertThat(lossEvents(cluster)).isEmpty();
      String metrics = cluster.metrics();
      assertThat(Bounds.metric(metrics, "pulse_loss_guard_releases_held_back_total", "")).isEqualTo(4);
      assertThat(Bounds.metric(metrics, "pulse_loss_guard_state", "state=\"NORMAL\"")).isEqualTo(1);
    }
  }

  @Test
  void twoOfSixStopped_areLostAsBefore() {
    try (MiniCluster cluster = sixTaskExecutors().build().start()) {
      long stoppedAt = System.currentTimeMillis();
      cluster.taskExecutor(0).pause();
      cluster.taskExecutor(1).pause();

      for (String id : List.of("te-0", "te-1")) {
        ResourceManagerEvent lost = cluster.awaitEvent(EventType.TASK_EXECUTOR_LOST, id, PATIENCE);
        assertThat(lost.reason()).isEqualTo(LossReason.HEARTBEAT_TIMEOUT);
        Bounds.assertDetectedWithin("SIGSTOP", stoppedAt, lost, Bounds.hung(cluster));
      }
      assertThat(cluster.events()).extracting(ResourceManagerEvent::type)
          .doesNotContain(EventType.MASS_FAILURE_SUSPECTED);
    }
  }

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

  /** The window in which nothing may happen: {@code check} must hold all through {@code window}. */
  private static void observeFor(Duration window, Runnable check) {
    await().during(window).atMost(window.plus(PATIENCE)).untilAsserted(check::run);
  }

  private static List<ResourceManagerEvent> lossEvents(MiniCluster cluster) {
    return cluster.events().stream().filter(e -> e.type() == EventType.TASK_EXECUTOR_LOST
        || e.type() == EventType.ALLOCATION_LOST).toList();
  }
}
