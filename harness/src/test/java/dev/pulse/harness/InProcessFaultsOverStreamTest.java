package dev.pulse.harness;

/**
 * {@link InProcessFaultsTest} with heartbeats on one stream per task executor
 * ({@code resourcemanager.heartbeat.transport: stream}): the same faults give the same losses within
 * the same bounds, and a task executor comes back the same way.
 */
class InProcessFaultsOverStreamTest extends InProcessFaultsTest {

  @Override
  MiniCluster.Builder cluster() {
    return super.cluster().setting("resourcemanager.heartbeat.transport", "stream");
  }
}
