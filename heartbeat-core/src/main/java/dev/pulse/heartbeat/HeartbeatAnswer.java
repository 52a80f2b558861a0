package dev.pulse.heartbeat;

/**
 * Where a transport reports the outcome of a heartbeat request to one target, instead of completing a
 * future per request: the sender's production path (see {@link AnsweringHeartbeatTarget}).
 *
 * <p>A sender makes one answer per monitored target and reuses it for every request to that target
 * (only one is ever in flight). Reports are queued and handed to the manager's main thread in
 * batches: each batch costs one task on the main thread and one clock reading, whatever its size,
 * and reaches the target's record directly (no lookup by id). The first report for a request counts;
 * later ones for the same request, and reports after the target was unmonitored, are ignored.
 *
 * <p>Thread-safe: call from any thread, typically the transport thread that received the answer.
 * Neither method blocks or allocates.
 *
 * @param <I> type of the payload the target's heartbeats carry (the manager's incoming payload)
 */
public interface HeartbeatAnswer<I> {

  /**
   * The target answered: one heartbeat from it, carrying {@code payload} (passed to the listener's
   * {@code reportPayload} unless {@code null}), and the success of the request in flight.
   */
  void heartbeat(I payload);

  /**
   * The request failed. As for the futures of {@link HeartbeatTarget}: a {@link HeartbeatRpcException}
   * tells the kind of failure, any other throwable counts as {@link RpcFailureKind#OTHER}.
   */
  void failed(Throwable failure);
}
