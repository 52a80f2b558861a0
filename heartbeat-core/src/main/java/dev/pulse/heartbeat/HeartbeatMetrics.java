package dev.pulse.heartbeat;

import java.util.Arrays;
import java.util.List;

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

  /**
   * Every value {@link #onCallbackFailed} may be called with: the names of the listener and target
   * methods a manager calls out to, e.g. {@code notifyHeartbeatTimeout}, {@code requestHeartbeat}.
   */
  List<String> CALLBACKS = Arrays.stream(CallbackFailures.Callback.values()).map(c -> c.label).toList();

  /** The manager's timer ran {@code lagNanos} after it was due. */
  default void onTick(long lagNanos) {}

  /** The sender asked a target for a heartbeat. */
  default void onRequestSent() {}

  /** A heartbeat request completed normally, {@code roundTripNanos} after it was sent. */
  default void onRpcSucceeded(long roundTripNanos) {}

  /** A heartbeat RPC failed. */
  default void onRpcFailed(RpcFailureKind kind) {}

  /**
   * A listener callback threw, or a target adapter threw or returned {@code null}; the manager logged
   * it and carried on.
   *
   * @param callback the method that failed, one of {@link #CALLBACKS}
   */
  default void onCallbackFailed(String callback) {}
}
