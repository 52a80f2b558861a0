package dev.pulse.heartbeat;

import dev.pulse.config.Durations;
import dev.pulse.heartbeat.time.MainThreadExecutor;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The real {@link HeartbeatServices}. Warns once, when created, about a timeout shorter than two intervals. */
record HeartbeatServicesImpl(HeartbeatConfig config) implements HeartbeatServices {

  private static final Logger LOG = LoggerFactory.getLogger(HeartbeatServices.class);

  HeartbeatServicesImpl {
    Objects.requireNonNull(config, "config");
    if (!config.toleratesOneMissedRequest()) {
      LOG.warn("{} ({}) is less than twice {} ({}): a single late heartbeat answer loses a healthy target;"
          + " use at least {}", HeartbeatConfig.TIMEOUT, Durations.format(config.timeout()), HeartbeatConfig.INTERVAL,
          Durations.format(config.interval()), Durations.format(config.interval().multipliedBy(2)));
    }
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
