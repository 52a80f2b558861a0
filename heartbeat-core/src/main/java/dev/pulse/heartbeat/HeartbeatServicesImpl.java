package dev.pulse.heartbeat;

import dev.pulse.heartbeat.time.MainThreadExecutor;
import java.util.Objects;

/** The real {@link HeartbeatServices}. */
record HeartbeatServicesImpl(HeartbeatConfig config) implements HeartbeatServices {

  HeartbeatServicesImpl {
    Objects.requireNonNull(config, "config");
  }

  @Override
  public <I, O> HeartbeatManager<I, O> createHeartbeatManager(ResourceId ownResourceId,
      HeartbeatListener<I, O> listener, MainThreadExecutor mainThread, HeartbeatMetrics metrics) {
    return new HeartbeatManagerImpl<>(config, ownResourceId, listener, mainThread, metrics, 1).start();
  }

  @Override
  public <I, O> HeartbeatManager<I, O> createHeartbeatManagerSender(ResourceId ownResourceId,
      HeartbeatListener<I, O> listener, MainThreadExecutor mainThread, HeartbeatMetrics metrics) {
    return new HeartbeatManagerSenderImpl<>(config, ownResourceId, listener, mainThread, metrics).start();
  }
}
