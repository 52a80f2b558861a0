package dev.pulse.te;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;

/**
 * The task executor's calls to its resource manager, in the task executor's own types. The gRPC
 * implementation is {@code dev.pulse.te.grpc.GrpcResourceManagerClient}; unit tests use a scripted one.
 *
 * <p>Thread-safe. Futures may complete on any thread; a call the resource manager refuses, that
 * cannot reach it, or whose answer is unusable fails with a {@link ResourceManagerCallException}.
 */
public interface ResourceManagerClient extends AutoCloseable {

  /** Deadline of the goodbye on shutdown: short, since a process that stops should not wait long. */
  Duration DISCONNECT_DEADLINE = Duration.ofSeconds(2);

  /**
   * Registers this task executor ({@code RegisterTaskExecutor}).
   *
   * @param taskExecutor this start of the task executor
   * @param rpcAddress {@code host:port} at which it serves its gateway
   * @param numberOfSlots its slot count
   * @param slots its slot table now
   * @return the accepted registration
   */
  CompletableFuture<Registration> register(TaskExecutorInstance taskExecutor, String rpcAddress, int numberOfSlots,
      SlotReport slots);

  /**
   * Sends the slot table ({@code SendSlotReport}). Sent once right after a registration is accepted:
   * it tells the resource manager that this task executor now obeys it, so it may offer the slots.
   */
  CompletableFuture<Void> sendSlotReport(String registrationId, TaskExecutorInstance taskExecutor, SlotReport slots);

  /**
   * Says goodbye ({@code DisconnectTaskExecutor}, reason {@code DISCONNECTED}), within
   * {@link #DISCONNECT_DEADLINE}: the caller is usually shutting down.
   */
  CompletableFuture<Void> disconnect(String registrationId, TaskExecutorInstance taskExecutor, String cause);

  /** Releases the connection; later calls fail. Idempotent. */
  @Override
  void close();
}
