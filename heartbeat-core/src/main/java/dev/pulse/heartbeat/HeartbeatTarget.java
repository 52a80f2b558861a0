package dev.pulse.heartbeat;

import java.util.concurrent.CompletableFuture;

/**
 * The remote side of a heartbeat relation, as seen by a {@link HeartbeatManager}.
 *
 * <p>The core knows nothing about transport: an adapter (for example the gRPC one in
 * {@code heartbeat-rpc}) implements this interface. The futures it returns tell the core whether the
 * RPC went through. A future that fails with a {@link HeartbeatRpcException} tells the core what kind
 * of failure it was; any other failure counts as {@link RpcFailureKind#OTHER}. A method that throws
 * or returns {@code null} instead of a future breaks this contract; the core logs and counts it
 * ({@link HeartbeatStats#callbackFailures()}) and treats it as a failed RPC of that kind.
 *
 * <p>Implementations may complete the futures on any thread; the core moves the outcome onto its
 * main-thread executor. A target that answers synchronously can return an already-completed future,
 * which the core handles without allocating.
 *
 * @param <I> type of the payload sent with heartbeats and heartbeat requests
 */
public interface HeartbeatTarget<I> {

  /**
   * Sends a heartbeat to this target.
   *
   * @param heartbeatOrigin the sender of the heartbeat
   * @param heartbeatPayload payload of the heartbeat, may be {@code null}
   * @return completes when the heartbeat was delivered, or fails with the reason it was not
   */
  CompletableFuture<Void> receiveHeartbeat(ResourceId heartbeatOrigin, I heartbeatPayload);

  /**
   * Asks this target for a heartbeat.
   *
   * @param requestOrigin the requester
   * @param heartbeatPayload payload of the request, may be {@code null}
   * @return completes when the request was answered, or fails with the reason it was not
   */
  CompletableFuture<Void> requestHeartbeat(ResourceId requestOrigin, I heartbeatPayload);

  /**
   * A target that is never really called: both methods succeed at once and do nothing. For a
   * receiving manager whose peer's heartbeats arrive by other means (in pulse.v1 a task executor
   * watches its resource manager through the requests it gets, and never calls it for heartbeats).
   */
  @SuppressWarnings("unchecked")
  static <I> HeartbeatTarget<I> noOp() {
    return (HeartbeatTarget<I>) NoOpHeartbeatTarget.INSTANCE;
  }
}

/** See {@link HeartbeatTarget#noOp()}. Stateless; one instance serves every payload type. */
final class NoOpHeartbeatTarget implements HeartbeatTarget<Object> {

  static final NoOpHeartbeatTarget INSTANCE = new NoOpHeartbeatTarget();

  private NoOpHeartbeatTarget() {}

  @Override
  public CompletableFuture<Void> receiveHeartbeat(ResourceId heartbeatOrigin, Object heartbeatPayload) {
    return HeartbeatManagerImpl.DONE;
  }

  @Override
  public CompletableFuture<Void> requestHeartbeat(ResourceId requestOrigin, Object heartbeatPayload) {
    return HeartbeatManagerImpl.DONE;
  }
}
