package dev.pulse.rm;

import dev.pulse.heartbeat.HeartbeatTarget;
import java.util.concurrent.CompletableFuture;

/**
 * The resource manager's line to one registered task executor, for the life of that registration.
 * The gRPC implementation is {@code GrpcTaskExecutorConnector}; tests use in-memory ones.
 *
 * <p>Futures may complete on any thread; the resource manager moves results to its main thread. A
 * refusal by the task executor completes the future exceptionally.
 */
public interface TaskExecutorConnection extends AutoCloseable {

  /** The target the heartbeat sender asks; its answers go to the receiver given at connect time. */
  HeartbeatTarget<Void> heartbeatTarget();

  /** Asks the task executor to hold {@code slotIndex} for the allocation. */
  CompletableFuture<Void> requestSlot(int slotIndex, String allocationId, String jobId);

  /** Tells the task executor to free the slot that holds {@code allocationId}. */
  CompletableFuture<Void> freeSlot(String allocationId, String cause);

  /** Tells the task executor it is no longer registered, and why. Best effort. */
  CompletableFuture<Void> disconnect(LossReason reason, String cause);

  /** Releases the transport resources (channel). Idempotent; outstanding calls fail. */
  @Override
  void close();
}
