package dev.pulse.harness;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pulse.rm.EventType;
import dev.pulse.rm.ResourceManagerEvent;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * SPEC 8's loss case: 30% of the segments lost both ways, with heartbeats every 1 s and a 5 s timeout, loses
 * no task executor over 30 s. Both modes run side by side in the same 30 s, to keep the suite short.
 */
class LossNetworkFaultTest {

  private static final Duration WINDOW = Duration.ofSeconds(30);
  private static final long SEED = 42;

  @Test
  void loss30Percent_bothWays_at1sAnd5s_losesNothingFor30s_inBothModes() {
    MiniCluster.Builder builder = MiniCluster.builder().networkFaults(true).taskExecutors(2).slotsPerTaskExecutor(1).faultSeed(SEED)
        .heartbeatInterval(Duration.ofSeconds(1)).heartbeatTimeout(Duration.ofSeconds(5));
    try (MiniCluster inProcess = builder.build().start();
         MiniCluster processes = builder.mode(MiniCluster.Mode.PROCESSES).build().start()) {
      List<MiniCluster> clusters = List.of(inProcess, processes);
      List<Long> from = new ArrayList<>();
      for (MiniCluster cluster : clusters) {
        from.add(cluster.events().stream().mapToLong(ResourceManagerEvent::seq).max().orElse(0));
        for (TaskExecutorNode te : cluster.taskExecutors()) {
          te.network().loss(0.3);
        }
      }

      long end = System.nanoTime() + WINDOW.toNanos();
      while (System.nanoTime() < end) {
        for (int i = 0; i < clusters.size(); i++) {
          List<ResourceManagerEvent> lost = clusters.get(i).resourceManager().events(from.get(i)).stream()
              .filter(e -> e.type() == EventType.TASK_EXECUTOR_LOST).toList();
          assertThat(lost).as("%s: losses under 30%% loss (fault seed %d, te-i uses seed + i)",
              clusters.get(i).mode(), SEED).isEmpty();
        }
        java.util.concurrent.locks.LockSupport.parkNanos(200_000_000L);
      }
      for (MiniCluster cluster : clusters) {
        for (TaskExecutorNode te : cluster.taskExecutors()) {
          System.out.printf("%s loss 30%% both ways, 1 s / 5 s, 30 s: %s lost nothing; %s%n", cluster.mode(), te.id(),
              ((ProxyLink) te.network()).lossSummary());
        }
        assertThat(cluster.resourceManager().overview().taskExecutors()).isEqualTo(2);
      }
    }
  }
}
