package dev.pulse.heartbeat;

import java.util.concurrent.CompletableFuture;

/**
 * A manager that watches nothing: it accepts every call, schedules nothing and never calls back.
 * Stateless, so one instance serves every payload type; thread-safe.
 */
public final class NoOpHeartbeatManager<I, O> implements HeartbeatManager<I, O> {

  private static final NoOpHeartbeatManager<?, ?> INSTANCE = new NoOpHeartbeatManager<>();
  private static final HeartbeatStats ZERO = new HeartbeatStats(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0);

  private NoOpHeartbeatManager() {}

  @SuppressWarnings("unchecked")
  public static <I, O> NoOpHeartbeatManager<I, O> instance() {
    return (NoOpHeartbeatManager<I, O>) INSTANCE;
  }

  @Override
  public void monitorTarget(ResourceId resourceId, HeartbeatTarget<O> heartbeatTarget) {}

  @Override
  public void unmonitorTarget(ResourceId resourceId) {}

  @Override
  public void stop() {}

  /** Always {@code -1}: nothing is monitored. */
  @Override
  public long getLastHeartbeatFrom(ResourceId resourceId) {
    return -1;
  }

  @Override
  public int getConsecutiveFailedRpcs(ResourceId resourceId) {
    return -1;
  }

  @Override
  public int numberOfTargets() {
    return 0;
  }

  @Override
  public HeartbeatStats stats() {
    return ZERO;
  }

  @Override
  public CompletableFuture<Void> receiveHeartbeat(ResourceId heartbeatOrigin, I heartbeatPayload) {
    return HeartbeatManagerImpl.DONE;
  }

  @Override
  public CompletableFuture<Void> requestHeartbeat(ResourceId requestOrigin, I heartbeatPayload) {
    return HeartbeatManagerImpl.DONE;
  }
}
