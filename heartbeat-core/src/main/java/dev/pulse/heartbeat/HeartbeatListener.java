package dev.pulse.heartbeat;

import java.time.Duration;

/**
 * Receives the outcomes of a {@link HeartbeatManager}: timeouts, unreachable and restarted targets,
 * payloads, and local pauses; and supplies the payloads the manager sends.
 *
 * <p>Every method is called on the manager's main-thread executor, never while the manager holds a
 * lock, and may call back into the manager (for example {@link HeartbeatManager#unmonitorTarget}).
 * Each of the loss notifications ({@link #notifyHeartbeatTimeout}, {@link #notifyTargetUnreachable},
 * {@link #notifyTargetRestarted}) fires at most once per monitored target, and at most one of them.
 *
 * <p>A callback that throws does not disturb the manager: the exception is logged (the first of each
 * callback as a WARN with its trace, later ones rate-limited) and counted in
 * {@link HeartbeatStats#callbackFailures()}; a loss stays a loss, and a {@link #retrievePayload} that
 * throws sends the heartbeat without a payload. Throwing is still a bug to fix, not a way to signal.
 *
 * @param <I> type of incoming payloads
 * @param <O> type of outgoing payloads
 */
public interface HeartbeatListener<I, O> {

  /** The target sent no heartbeat for {@code heartbeat.timeout}. */
  void notifyHeartbeatTimeout(ResourceId resourceId);

  /**
   * {@code heartbeat.rpc-failure-threshold} heartbeat RPCs in a row failed with
   * {@link RpcFailureKind#UNREACHABLE}.
   */
  void notifyTargetUnreachable(ResourceId resourceId);

  /**
   * A heartbeat RPC failed with {@link RpcFailureKind#RESTARTED}: another process now answers for
   * this id. Defaults to {@link #notifyTargetUnreachable}, which is what a Flink-style listener that
   * does not know the difference would want.
   */
  default void notifyTargetRestarted(ResourceId resourceId) {
    notifyTargetUnreachable(resourceId);
  }

  /** A heartbeat carrying {@code payload} (never {@code null}) arrived from {@code resourceId}. */
  void reportPayload(ResourceId resourceId, I payload);

  /** Returns the payload to send to {@code resourceId} with the next heartbeat or request. */
  O retrievePayload(ResourceId resourceId);

  /**
   * The manager's own process did not run for {@code pausedFor} (GC pause, SIGSTOP, VM freeze). No
   * target was charged for the gap. The default does nothing.
   */
  default void notifyLocalPause(Duration pausedFor) {}
}
