package dev.pulse.heartbeat;

/**
 * Optional hook through which a heartbeat manager reports events a metrics system records as
 * distributions (round-trip times, timer lag). Counters are in {@link HeartbeatManager#stats()}.
 *
 * <p>Called on the manager's main-thread executor, on the heartbeat path: implementations must be
 * cheap and must not block. All methods default to doing nothing.
 */
public interface HeartbeatMetrics {

  /** Does nothing. */
  HeartbeatMetrics NONE = new HeartbeatMetrics() {};

  /** The manager's timer ran {@code lagNanos} after it was due. */
  default void onTick(long lagNanos) {}

  /** The sender asked a target for a heartbeat. */
  default void onRequestSent() {}

  /** A heartbeat request completed normally, {@code roundTripNanos} after it was sent. */
  default void onRpcSucceeded(long roundTripNanos) {}

  /** A heartbeat RPC failed. */
  default void onRpcFailed(RpcFailureKind kind) {}
}
