package dev.pulse.heartbeat;

/**
 * Watches a set of heartbeat targets and tells its {@link HeartbeatListener} when one is lost.
 *
 * <p>A manager is also the {@link HeartbeatTarget} its peers talk to: the transport feeds heartbeats
 * and heartbeat requests into {@link #receiveHeartbeat} and {@link #requestHeartbeat}. The
 * <em>sender</em> variant (see {@link HeartbeatServices#createHeartbeatManagerSender}) additionally
 * asks every monitored target for a heartbeat once per interval.
 *
 * <p>Thread-safety: none. A manager is confined to the main-thread executor it was created with; call
 * every method, including the {@code HeartbeatTarget} ones, on that executor.
 *
 * @param <I> type of incoming payloads
 * @param <O> type of outgoing payloads
 */
public interface HeartbeatManager<I, O> extends HeartbeatTarget<I> {

  /**
   * Starts watching {@code resourceId}: it times out {@code heartbeat.timeout} from now unless a
   * heartbeat arrives. Does nothing if the id is already monitored or the manager is stopped.
   */
  void monitorTarget(ResourceId resourceId, HeartbeatTarget<O> heartbeatTarget);

  /** Stops watching {@code resourceId}; no callback about it follows. Unknown ids are ignored. */
  void unmonitorTarget(ResourceId resourceId);

  /** Stops watching every target and cancels the manager's timer; no callback follows. Idempotent. */
  void stop();

  /**
   * When the last heartbeat from {@code resourceId} arrived, on the main-thread executor's
   * {@linkplain dev.pulse.heartbeat.time.MonotonicClock monotonic clock} (nanoseconds, always
   * {@code > 0}); {@code 0} if none has arrived yet; {@code -1} if the id is not monitored.
   */
  long getLastHeartbeatFrom(ResourceId resourceId);

  /**
   * Heartbeat RPCs to {@code resourceId} that failed as unreachable since its last successful one;
   * {@code -1} if the id is not monitored.
   */
  int getConsecutiveFailedRpcs(ResourceId resourceId);

  /** Number of monitored targets, lost ones that were not yet unmonitored included. */
  int numberOfTargets();

  /** A snapshot of this manager's counters. */
  HeartbeatStats stats();
}
