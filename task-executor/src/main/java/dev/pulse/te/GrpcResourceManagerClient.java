package dev.pulse.te;

import dev.pulse.proto.v1.DisconnectTaskExecutorRequest;
import dev.pulse.proto.v1.DisconnectTaskExecutorResponse;
import dev.pulse.proto.v1.RegisterTaskExecutorRequest;
import dev.pulse.proto.v1.RegisterTaskExecutorResponse;
import dev.pulse.proto.v1.ResourceManagerGatewayGrpc;
import dev.pulse.proto.v1.SendSlotReportRequest;
import dev.pulse.proto.v1.SendSlotReportResponse;
import dev.pulse.rpc.ChannelLease;
import dev.pulse.rpc.ChannelPool;
import io.grpc.stub.StreamObserver;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * {@link ResourceManagerClient} over gRPC: one pooled channel to the resource manager's address,
 * with the transport's TLS and token. Each call has its own deadline, so a resource manager that
 * hangs costs one deadline per attempt, not a stuck registration.
 *
 * <p>Thread-safe.
 */
final class GrpcResourceManagerClient implements ResourceManagerClient {

  /** Deadline of one registration attempt; the next attempt follows after the backoff. */
  static final Duration REGISTER_DEADLINE = Duration.ofSeconds(10);
  /** Deadline of the slot report that confirms a registration; heartbeats confirm it too if this fails. */
  static final Duration SLOT_REPORT_DEADLINE = Duration.ofSeconds(10);
  /** Deadline of the goodbye on shutdown: short, since a process that stops should not wait long. */
  static final Duration DISCONNECT_DEADLINE = Duration.ofSeconds(2);

  private final ChannelLease lease;
  private final ResourceManagerGatewayGrpc.ResourceManagerGatewayStub stub;

  /**
   * @param address {@code host:port} of the resource manager
   */
  GrpcResourceManagerClient(ChannelPool channels, String address) {
    this.lease = channels.acquire(address);
    this.stub = ResourceManagerGatewayGrpc.newStub(lease.channel());
  }

  @Override
  public CompletableFuture<RegisterTaskExecutorResponse> register(RegisterTaskExecutorRequest request) {
    FutureObserver<RegisterTaskExecutorResponse> answer = new FutureObserver<>();
    stub.withDeadlineAfter(REGISTER_DEADLINE.toNanos(), TimeUnit.NANOSECONDS).registerTaskExecutor(request, answer);
    return answer.future;
  }

  @Override
  public CompletableFuture<Void> sendSlotReport(SendSlotReportRequest request) {
    FutureObserver<SendSlotReportResponse> answer = new FutureObserver<>();
    stub.withDeadlineAfter(SLOT_REPORT_DEADLINE.toNanos(), TimeUnit.NANOSECONDS).sendSlotReport(request, answer);
    return answer.future.thenApply(ignored -> null);
  }

  @Override
  public CompletableFuture<Void> disconnect(DisconnectTaskExecutorRequest request) {
    FutureObserver<DisconnectTaskExecutorResponse> answer = new FutureObserver<>();
    stub.withDeadlineAfter(DISCONNECT_DEADLINE.toNanos(), TimeUnit.NANOSECONDS).disconnectTaskExecutor(request, answer);
    return answer.future.thenApply(ignored -> null);
  }

  @Override
  public void close() {
    lease.close();
  }

  @Override
  public String toString() {
    return "resource manager at " + lease.address();
  }

  /** The answer of one unary call as a future. */
  private static final class FutureObserver<T> implements StreamObserver<T> {
    final CompletableFuture<T> future = new CompletableFuture<>();

    @Override
    public void onNext(T value) {
      future.complete(value);
    }

    @Override
    public void onError(Throwable t) {
      future.completeExceptionally(t);
    }

    @Override
    public void onCompleted() {
      // a unary call's value came with onNext; completing twice is a no-op
    }
  }
}
