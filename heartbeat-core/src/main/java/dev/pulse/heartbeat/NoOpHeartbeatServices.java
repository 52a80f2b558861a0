package dev.pulse.heartbeat;

import dev.pulse.heartbeat.time.MainThreadExecutor;

/** {@link HeartbeatServices} whose managers are {@link NoOpHeartbeatManager}s. */
final class NoOpHeartbeatServices implements HeartbeatServices {

  static final NoOpHeartbeatServices INSTANCE = new NoOpHeartbeatServices();

  private NoOpHeartbeatServices() {}

  @Override
  public HeartbeatConfig config() {
    return HeartbeatConfig.DEFAULTS;
  }

  @Override
  public <I, O> HeartbeatManager<I, O> createHeartbeatManager(ResourceId ownResourceId,
      HeartbeatListener<I, O> listener, MainThreadExecutor mainThread, HeartbeatMetrics metrics) {
    return NoOpHeartbeatManager.instance();
  }

  @Override
  public <I, O> HeartbeatManager<I, O> createHeartbeatManagerSender(ResourceId ownResourceId,
      HeartbeatListener<I, O> listener, MainThreadExecutor mainThread, HeartbeatMetrics metrics) {
    return NoOpHeartbeatManager.instance();
  }
}
