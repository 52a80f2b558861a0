package dev.pulse.rpc;

import dev.pulse.proto.v1.HeartbeatResponse;
import dev.pulse.proto.v1.OpenHeartbeatStreamRequest;
import dev.pulse.proto.v1.OpenHeartbeatStreamResponse;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * Where task executors' heartbeat streams arrive at a resource manager that does not dial its task
 * executors for heartbeats ({@link HeartbeatTransport#INBOUND_STREAM}): the server side of
 * {@code ResourceManagerGateway.OpenHeartbeatStream}, and the heartbeat targets waiting for their
 * streams, by resource id.
 *
 * <p>A stream's first message names a registration (registration id and task executor identity). It
 * is checked at the edge ({@code INVALID_ARGUMENT} naming the field), then by the resource manager
 * ({@link RegistrationCheck}: the registration must be current), then handed to the target of that task
 * executor and instance ({@code FAILED_PRECONDITION} if there is none, as when the task executor was lost
 * meanwhile). From then on the target sends its requests down the stream, numbered, and each later message
 * is the answer to the one whose number it carries.
 *
 * <p>Thread-safe; nothing here blocks a transport thread. One per resource manager, shared by its
 * {@link GrpcHeartbeatTarget.Factory}s and its {@code OpenHeartbeatStream} service.
 */
public final class InboundHeartbeatStreams {

  private final ConcurrentHashMap<String, GrpcHeartbeatTarget<?>> targets = new ConcurrentHashMap<>();

  /** Targets open now (those whose task executors may open a stream). */
  public int targets() {
    return targets.size();
  }

  void add(GrpcHeartbeatTarget<?> target) {
    targets.put(target.taskExecutorId().value(), target);
  }

  void remove(GrpcHeartbeatTarget<?> target) {
    targets.remove(target.taskExecutorId().value(), target);
  }

  /**
   * The resource manager's check that a stream's registration is the current one of its task executor.
   * Called on the transport thread, in the call's context (so a check of the caller's certificate may
   * run first, synchronously).
   */
  @FunctionalInterface
  public interface RegistrationCheck {
    /**
     * @return completes normally if the registration is current, exceptionally otherwise
     * @throws RuntimeException to refuse at once
     */
    CompletableFuture<?> check(String resourceId, String registrationId);
  }

  /**
   * Serves one {@code OpenHeartbeatStream} call: the request observer to return from the service method,
   * which must call this itself (it configures the call before returning).
   *
   * @param responses the service method's response observer
   * @param check the resource manager's registration check
   * @param statuses turns a failure of {@code check} into the status that ends the stream
   */
  public StreamObserver<OpenHeartbeatStreamRequest> accept(StreamObserver<OpenHeartbeatStreamResponse> responses,
      RegistrationCheck check, Function<Throwable, StatusRuntimeException> statuses) {
    ServerCallStreamObserver<OpenHeartbeatStreamResponse> down =
        (ServerCallStreamObserver<OpenHeartbeatStreamResponse>) responses;
    // Without a handler, sending on a cancelled stream throws; the target checks before it sends.
    down.setOnCancelHandler(() -> {});
    return new Incoming(down, check, statuses);
  }

  /** One stream's messages from the task executor; gRPC delivers them one at a time. */
  private final class Incoming implements StreamObserver<OpenHeartbeatStreamRequest> {
    private final ServerCallStreamObserver<OpenHeartbeatStreamResponse> down;
    private final RegistrationCheck check;
    private final Function<Throwable, StatusRuntimeException> statuses;
    private boolean opened; // transport thread (one at a time)
    private boolean endedUnstarted; // guarded by this
    /** Set once the registration checked out; the target sends only after that, so answers see it. */
    private volatile GrpcHeartbeatTarget<?>.InboundStream.Attached attached;

    Incoming(ServerCallStreamObserver<OpenHeartbeatStreamResponse> down, RegistrationCheck check,
        Function<Throwable, StatusRuntimeException> statuses) {
      this.down = down;
      this.check = check;
      this.statuses = statuses;
    }

    @Override
    public void onNext(OpenHeartbeatStreamRequest message) {
      if (!opened) {
        opened = true;
        open(message);
        return;
      }
      GrpcHeartbeatTarget<?>.InboundStream.Attached a = attached;
      if (a != null) {
        // A message without a heartbeat is a malformed answer: the target's check fails that request.
        a.answered(message.getSequence(),
            message.hasHeartbeat() ? message.getHeartbeat() : HeartbeatResponse.getDefaultInstance());
      }
      // Before the stream is started no request went down it, so nothing here is an answer: dropped.
    }

    @Override
    public void onError(Throwable t) {
      GrpcHeartbeatTarget<?>.InboundStream.Attached a = attached;
      if (a != null) {
        a.ended(false);
      }
    }

    @Override
    public void onCompleted() {
      GrpcHeartbeatTarget<?>.InboundStream.Attached a = attached;
      if (a != null) {
        a.ended(true);
      } else {
        end(Status.FAILED_PRECONDITION.withDescription("the heartbeat stream was closed before it was opened")
            .asRuntimeException());
      }
    }

    /** The first message: checks it, then the registration, then starts the stream at its target. */
    private void open(OpenHeartbeatStreamRequest message) {
      String resourceId = message.getTaskExecutor().getResourceId();
      String instanceId = message.getTaskExecutor().getInstanceId();
      CompletableFuture<?> checked;
      try {
        WireValidation.checkId("registration_id", message.getRegistrationId());
        WireValidation.checkIdentity("task_executor", message.hasTaskExecutor(), message.getTaskExecutor());
        if (message.hasHeartbeat()) {
          throw WireValidation.invalid("heartbeat", "the first message opens the stream and carries no heartbeat");
        }
        checked = check.check(resourceId, message.getRegistrationId());
      } catch (RuntimeException e) {
        end(statuses.apply(e));
        return;
      }
      checked.whenComplete((ok, failure) -> {
        if (failure != null) {
          end(statuses.apply(failure));
          return;
        }
        GrpcHeartbeatTarget<?> target = targets.get(resourceId);
        if (target == null || !target.instanceId().equals(instanceId)) {
          end(Status.FAILED_PRECONDITION.withDescription("the resource manager monitors no task executor "
              + resourceId + " with instance " + instanceId + " (any more)").asRuntimeException());
          return;
        }
        GrpcHeartbeatTarget<?>.InboundStream.Attached a = target.inboundStream(down);
        attached = a;
        if (!a.start()) {
          attached = null;
          end(Status.FAILED_PRECONDITION.withDescription("the resource manager no longer monitors task executor "
              + resourceId + " with instance " + instanceId).asRuntimeException());
        } else if (down.isCancelled()) {
          // Cancelled while its registration was checked: its end may have come before it was started.
          a.ended(false);
        }
      });
    }

    /** Ends the stream before it was started: nobody else sends on it yet. */
    private void end(StatusRuntimeException status) {
      synchronized (this) {
        if (!endedUnstarted && !down.isCancelled()) {
          endedUnstarted = true;
          down.onError(status);
        }
      }
    }
  }
}
