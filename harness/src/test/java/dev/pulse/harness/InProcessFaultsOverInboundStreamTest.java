package dev.pulse.harness;

/**
 * {@link InProcessFaultsTest} with the heartbeat stream opened by each task executor to the resource
 * manager ({@code resourcemanager.heartbeat.transport: inbound_stream}) instead of by the resource manager:
 * the same faults give the same losses within the same bounds, and a task executor comes back the same way.
 */
class InProcessFaultsOverInboundStreamTest extends InProcessFaultsTest {

  @Override
  MiniCluster.Builder cluster() {
    return super.cluster().setting("resourcemanager.heartbeat.transport", "inbound_stream");
  }
}
