package dev.pulse.harness;

/**
 * {@link InProcessFaultsTest} with each heartbeat a unary call ({@code resourcemanager.heartbeat.transport:
 * unary}) instead of a message on the default stream: the same faults give the same losses within the
 * same bounds, and a task executor comes back the same way.
 */
class InProcessFaultsOverUnaryTest extends InProcessFaultsTest {

  @Override
  MiniCluster.Builder cluster() {
    return super.cluster().setting("resourcemanager.heartbeat.transport", "unary");
  }
}
