package dev.pulse.te;

import dev.pulse.proto.v1.DisconnectTaskExecutorRequest;
import dev.pulse.proto.v1.RegisterTaskExecutorRequest;
import dev.pulse.proto.v1.RegisterTaskExecutorResponse;
import dev.pulse.proto.v1.SendSlotReportRequest;
import java.util.concurrent.CompletableFuture;

/**
 * The task executor's calls to its resource manager's {@code ResourceManagerGateway}. The gRPC
 * implementation is {@link GrpcResourceManagerClient}; unit tests use a scripted one.
 *
 * <p>Thread-safe. Futures may complete on any thread; a call the resource manager refuses, or that
 * cannot reach it, fails with a {@link io.grpc.StatusRuntimeException} carrying the status.
 */
interface ResourceManagerClient extends AutoCloseable {

  /** {@code RegisterTaskExecutor}; see resource_manager_gateway.proto. */
  CompletableFuture<RegisterTaskExecutorResponse> register(RegisterTaskExecutorRequest request);

  /**
   * {@code SendSlotReport}. Sent once right after a registration is accepted: it tells the resource
   * manager that this task executor now obeys it, so it may offer the slots.
   */
  CompletableFuture<Void> sendSlotReport(SendSlotReportRequest request);

  /** {@code DisconnectTaskExecutor}, with a short deadline: the caller is usually shutting down. */
  CompletableFuture<Void> disconnect(DisconnectTaskExecutorRequest request);

  /** Releases the connection; later calls fail. Idempotent. */
  @Override
  void close();
}
