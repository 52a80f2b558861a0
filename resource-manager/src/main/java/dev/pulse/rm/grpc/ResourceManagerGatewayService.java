package dev.pulse.rm.grpc;

import dev.pulse.proto.v1.DisconnectTaskExecutorRequest;
import dev.pulse.proto.v1.DisconnectTaskExecutorResponse;
import dev.pulse.proto.v1.FencingToken;
import dev.pulse.proto.v1.OpenHeartbeatStreamRequest;
import dev.pulse.proto.v1.OpenHeartbeatStreamResponse;
import dev.pulse.proto.v1.RegisterTaskExecutorRequest;
import dev.pulse.proto.v1.RegisterTaskExecutorResponse;
import dev.pulse.proto.v1.ResourceManagerGatewayGrpc;
import dev.pulse.proto.v1.SendSlotReportRequest;
import dev.pulse.proto.v1.SendSlotReportResponse;
import dev.pulse.proto.v1.TaskExecutorIdentity;
import dev.pulse.rm.ResourceManager;
import dev.pulse.rpc.InboundHeartbeatStreams;
import dev.pulse.rpc.PeerIdentity;
import dev.pulse.rpc.WireValidation;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;

/**
 * {@code ResourceManagerGateway}: what task executors call. Validates each request at the edge
 * ({@code INVALID_ARGUMENT} naming the field) and, under mutual TLS, checks that the caller's
 * certificate names the resource id the request acts for ({@code PERMISSION_DENIED}, see
 * {@link PeerIdentity}); then hands it to the {@link ResourceManager} and answers when its main thread
 * has decided. Never blocks a transport thread.
 */
public final class ResourceManagerGatewayService extends ResourceManagerGatewayGrpc.ResourceManagerGatewayImplBase {

  private final ResourceManager resourceManager;
  /** Where task executors' heartbeat streams go; {@code null} when this RM calls its task executors instead. */
  private final InboundHeartbeatStreams inboundStreams;

  /** For a resource manager that calls its task executors for heartbeats: {@code OpenHeartbeatStream} is refused. */
  public ResourceManagerGatewayService(ResourceManager resourceManager) {
    this(resourceManager, null);
  }

  /**
   * @param inboundStreams where task executors' heartbeat streams go (the registry its heartbeat targets
   *     wait in, {@code resourcemanager.heartbeat.transport: inbound_stream}); {@code null} if this resource
   *     manager calls its task executors for heartbeats
   */
  public ResourceManagerGatewayService(ResourceManager resourceManager, InboundHeartbeatStreams inboundStreams) {
    this.resourceManager = resourceManager;
    this.inboundStreams = inboundStreams;
  }

  @Override
  public void registerTaskExecutor(RegisterTaskExecutorRequest request,
      StreamObserver<RegisterTaskExecutorResponse> observer) {
    answer(observer, () -> {
      WireValidation.check(request);
      checkIdentity(request.getTaskExecutor());
      return resourceManager.registerTaskExecutor(ProtoConversions.toDomain(request));
    }, result -> RegisterTaskExecutorResponse.newBuilder()
        .setRegistrationId(result.registrationId())
        .setFencingToken(FencingToken.newBuilder()
            .setResourceManagerId(result.fencing().resourceManagerId())
            .setLeaderEpoch(result.fencing().epoch()))
        .setOpenHeartbeatStream(inboundStreams != null && request.getOpensHeartbeatStream())
        .build());
  }

  /**
   * A task executor's heartbeat stream: checked (its certificate under mutual TLS, then its registration
   * on the main thread) and handed to the task executor's heartbeat target.
   */
  @Override
  public StreamObserver<OpenHeartbeatStreamRequest> openHeartbeatStream(
      StreamObserver<OpenHeartbeatStreamResponse> responses) {
    if (inboundStreams == null) {
      responses.onError(Status.FAILED_PRECONDITION.withDescription("this resource manager calls its task executors"
          + " for heartbeats (resourcemanager.heartbeat.transport is not inbound_stream); it did not ask for a"
          + " heartbeat stream").asRuntimeException());
      return new StreamObserver<>() {
        @Override
        public void onNext(OpenHeartbeatStreamRequest value) {}

        @Override
        public void onError(Throwable t) {}

        @Override
        public void onCompleted() {}
      };
    }
    return inboundStreams.accept(responses, (resourceId, registrationId) -> {
      PeerIdentity.checkResourceId("task_executor.resource_id", resourceId);
      return resourceManager.checkRegistration(resourceId, registrationId);
    }, GrpcStatuses::of);
  }

  @Override
  public void sendSlotReport(SendSlotReportRequest request, StreamObserver<SendSlotReportResponse> observer) {
    answer(observer, () -> {
      WireValidation.check(request);
      checkIdentity(request.getTaskExecutor());
      return resourceManager.reportSlots(request.getTaskExecutor().getResourceId(), request.getRegistrationId(),
          ProtoConversions.toDomain(request.getSlotReport()));
    }, ignored -> SendSlotReportResponse.getDefaultInstance());
  }

  @Override
  public void disconnectTaskExecutor(DisconnectTaskExecutorRequest request,
      StreamObserver<DisconnectTaskExecutorResponse> observer) {
    answer(observer, () -> {
      WireValidation.check(request);
      checkIdentity(request.getTaskExecutor());
      return resourceManager.disconnectTaskExecutor(request.getTaskExecutor().getResourceId(),
          request.getRegistrationId(), request.getCause());
    }, ignored -> DisconnectTaskExecutorResponse.getDefaultInstance());
  }

  /**
   * Under mutual TLS, a task executor acts only as the resource id its client certificate names
   * ({@code PERMISSION_DENIED} otherwise); without it the shared token is the only credential.
   */
  private static void checkIdentity(TaskExecutorIdentity identity) {
    PeerIdentity.checkResourceId("task_executor.resource_id", identity.getResourceId());
  }

  /** Runs {@code call}, then answers with its converted result or the mapped failure. */
  static <T, R> void answer(StreamObserver<R> observer, Call<T> call, Function<T, R> toResponse) {
    CompletableFuture<T> result;
    try {
      result = call.start();
    } catch (StatusRuntimeException | IllegalArgumentException | IllegalStateException e) {
      observer.onError(GrpcStatuses.of(e));
      return;
    }
    result.whenComplete((value, failure) -> {
      if (failure != null) {
        observer.onError(GrpcStatuses.of(failure));
      } else {
        observer.onNext(toResponse.apply(value));
        observer.onCompleted();
      }
    });
  }

  /** A call into the resource manager that may also fail before returning its future. */
  @FunctionalInterface
  interface Call<T> {
    CompletableFuture<T> start();
  }
}
