package dev.pulse.rpc;

import dev.pulse.heartbeat.HeartbeatTarget;
import dev.pulse.heartbeat.ResourceId;
import dev.pulse.heartbeat.time.MainThreadExecutor;
import dev.pulse.proto.v1.DisconnectResourceManagerRequest;
import dev.pulse.proto.v1.DisconnectResourceManagerResponse;
import dev.pulse.proto.v1.FencingToken;
import dev.pulse.proto.v1.FreeSlotRequest;
import dev.pulse.proto.v1.FreeSlotResponse;
import dev.pulse.proto.v1.HeartbeatRequest;
import dev.pulse.proto.v1.HeartbeatResponse;
import dev.pulse.proto.v1.RequestSlotRequest;
import dev.pulse.proto.v1.RequestSlotResponse;
import dev.pulse.proto.v1.SlotReport;
import dev.pulse.proto.v1.TaskExecutorGatewayGrpc;
import dev.pulse.proto.v1.TaskExecutorIdentity;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * A stand-in for a task executor's {@code TaskExecutorGateway}, for tests of the transport and of the
 * resource manager, which cannot use the task executor's own service (it lives in a module that
 * depends on them). It behaves as that service does on the wire: every call {@linkplain WireValidation
 * validated} on the transport thread, then answered on {@code mainThread}; a heartbeat meant for
 * another task executor or instance answered with this identity only; a call whose fencing token is
 * not the accepted one refused with {@code FAILED_PRECONDITION} ({@code stale fencing token} or
 * {@code unknown fencing token}); a heartbeat counted in the heartbeat manager and answered with the
 * slot report; the other calls handed to {@link Operations}.
 *
 * <p>Thread-safety: the suppliers, the heartbeat manager and the operations are called on the main
 * thread only.
 */
public final class TestingTaskExecutorGateway extends TaskExecutorGatewayGrpc.TaskExecutorGatewayImplBase {

  /** Most heartbeat requests that may wait for their answers on one stream, as in the task executor. */
  public static final int MAX_WAITING = 16;

  /** The calls other than the heartbeat; each default answers {@code UNIMPLEMENTED}. */
  public interface Operations {
    default CompletableFuture<RequestSlotResponse> requestSlot(RequestSlotRequest request) {
      return unimplemented("RequestSlot");
    }

    default CompletableFuture<FreeSlotResponse> freeSlot(FreeSlotRequest request) {
      return unimplemented("FreeSlot");
    }

    default CompletableFuture<DisconnectResourceManagerResponse> disconnectResourceManager(
        DisconnectResourceManagerRequest request) {
      return unimplemented("DisconnectResourceManager");
    }

    private static <T> CompletableFuture<T> unimplemented(String method) {
      return CompletableFuture.failedFuture(Status.UNIMPLEMENTED
          .withDescription("pulse.v1.TaskExecutorGateway/" + method + " is not implemented by this task executor")
          .asRuntimeException());
    }
  }

  private final TaskExecutorIdentity identity;
  private final MainThreadExecutor mainThread;
  private final HeartbeatTarget<?> heartbeatManager;
  private final Supplier<FencingToken> acceptedToken;
  private final Supplier<SlotReport> slotReport;
  private final Operations operations;
  private final AtomicInteger streamsOpened = new AtomicInteger();
  private final AtomicInteger streamsCancelled = new AtomicInteger();

  private TestingTaskExecutorGateway(Builder b) {
    this.identity = TaskExecutorIdentity.newBuilder()
        .setResourceId(b.resourceId.value()).setInstanceId(b.instanceId).build();
    this.mainThread = Objects.requireNonNull(b.mainThread, "mainThread");
    this.heartbeatManager = Objects.requireNonNull(b.heartbeatManager, "heartbeatManager");
    this.acceptedToken = Objects.requireNonNull(b.acceptedToken, "acceptedToken");
    this.slotReport = Objects.requireNonNull(b.slotReport, "slotReport");
    this.operations = b.operations;
  }

  public static Builder builder() {
    return new Builder();
  }

  @Override
  public void requestHeartbeat(HeartbeatRequest request, StreamObserver<HeartbeatResponse> observer) {
    if (valid(() -> WireValidation.check(request), observer)) {
      MainThreadCalls.answer(mainThread, observer, "RequestHeartbeat",
          () -> CompletableFuture.completedFuture(answerHeartbeat(request)));
    }
  }

  /** Each request checked as {@code RequestHeartbeat}'s is, answered in order on the main thread. */
  @Override
  public StreamObserver<HeartbeatRequest> heartbeatStream(StreamObserver<HeartbeatResponse> responses) {
    streamsOpened.incrementAndGet();
    StreamObserver<HeartbeatRequest> requests = MainThreadStream.answerEach(mainThread, responses, "HeartbeatStream",
        request -> {
          WireValidation.check(request);
          return answerHeartbeat(request);
        }, MAX_WAITING);
    return new StreamObserver<>() {
      @Override
      public void onNext(HeartbeatRequest request) {
        requests.onNext(request);
      }

      @Override
      public void onError(Throwable t) {
        if (Status.fromThrowable(t).getCode() == Status.Code.CANCELLED) {
          streamsCancelled.incrementAndGet();
        }
        requests.onError(t);
      }

      @Override
      public void onCompleted() {
        requests.onCompleted();
      }
    };
  }

  /** How many heartbeat streams callers opened. */
  public int streamsOpened() {
    return streamsOpened.get();
  }

  /** How many heartbeat streams their callers cancelled. */
  public int streamsCancelled() {
    return streamsCancelled.get();
  }

  /** On the main thread. */
  private HeartbeatResponse answerHeartbeat(HeartbeatRequest request) {
    if (!isThisProcess(request.getTaskExecutor())) {
      return HeartbeatResponse.newBuilder().setTaskExecutor(identity).build();
    }
    checkFencing(request.getFencingToken());
    heartbeatManager.receiveHeartbeat(ResourceId.of(request.getFencingToken().getResourceManagerId()), null);
    return HeartbeatResponse.newBuilder().setTaskExecutor(identity).setSlotReport(slotReport.get()).build();
  }

  @Override
  public void requestSlot(RequestSlotRequest request, StreamObserver<RequestSlotResponse> observer) {
    if (valid(() -> WireValidation.check(request), observer)) {
      MainThreadCalls.answer(mainThread, observer, "RequestSlot", () -> {
        admit(request.getFencingToken(), request.getTaskExecutor());
        return operations.requestSlot(request);
      });
    }
  }

  @Override
  public void freeSlot(FreeSlotRequest request, StreamObserver<FreeSlotResponse> observer) {
    if (valid(() -> WireValidation.check(request), observer)) {
      MainThreadCalls.answer(mainThread, observer, "FreeSlot", () -> {
        admit(request.getFencingToken(), request.getTaskExecutor());
        return operations.freeSlot(request);
      });
    }
  }

  @Override
  public void disconnectResourceManager(DisconnectResourceManagerRequest request,
      StreamObserver<DisconnectResourceManagerResponse> observer) {
    if (valid(() -> WireValidation.check(request), observer)) {
      MainThreadCalls.answer(mainThread, observer, "DisconnectResourceManager", () -> {
        admit(request.getFencingToken(), request.getTaskExecutor());
        return operations.disconnectResourceManager(request);
      });
    }
  }

  private void admit(FencingToken token, TaskExecutorIdentity addressee) {
    if (!isThisProcess(addressee)) {
      throw Status.FAILED_PRECONDITION.withDescription("the call is meant for task executor "
          + addressee.getResourceId() + " instance " + addressee.getInstanceId()).asRuntimeException();
    }
    checkFencing(token);
  }

  private boolean isThisProcess(TaskExecutorIdentity addressee) {
    return identity.getInstanceId().equals(addressee.getInstanceId())
        && identity.getResourceId().equals(addressee.getResourceId());
  }

  private void checkFencing(FencingToken presented) {
    FencingToken accepted = acceptedToken.get();
    if (accepted == null) {
      throw Status.FAILED_PRECONDITION.withDescription("not registered with any resource manager")
          .asRuntimeException();
    }
    int byEpoch = Long.compareUnsigned(presented.getLeaderEpoch(), accepted.getLeaderEpoch());
    if (byEpoch < 0) {
      throw Status.FAILED_PRECONDITION.withDescription("stale fencing token").asRuntimeException();
    }
    if (byEpoch > 0 || !presented.getResourceManagerId().equals(accepted.getResourceManagerId())) {
      throw Status.FAILED_PRECONDITION.withDescription("unknown fencing token").asRuntimeException();
    }
  }

  private static boolean valid(Runnable check, StreamObserver<?> observer) {
    try {
      check.run();
      return true;
    } catch (StatusRuntimeException e) {
      observer.onError(e);
      return false;
    }
  }

  /** Builder; every setting but {@link #operations} is required. */
  public static final class Builder {
    private ResourceId resourceId;
    private String instanceId;
    private MainThreadExecutor mainThread;
    private HeartbeatTarget<?> heartbeatManager;
    private Supplier<FencingToken> acceptedToken;
    private Supplier<SlotReport> slotReport;
    private Operations operations = new Operations() {};

    private Builder() {}

    public Builder identity(ResourceId resourceId, String instanceId) {
      this.resourceId = Objects.requireNonNull(resourceId, "resourceId");
      this.instanceId = Objects.requireNonNull(instanceId, "instanceId");
      return this;
    }

    public Builder mainThread(MainThreadExecutor mainThread) {
      this.mainThread = mainThread;
      return this;
    }

    public Builder heartbeatManager(HeartbeatTarget<?> heartbeatManager) {
      this.heartbeatManager = heartbeatManager;
      return this;
    }

    public Builder acceptedToken(Supplier<FencingToken> acceptedToken) {
      this.acceptedToken = acceptedToken;
      return this;
    }

    public Builder slotReport(Supplier<SlotReport> slotReport) {
      this.slotReport = slotReport;
      return this;
    }

    public Builder operations(Operations operations) {
      this.operations = Objects.requireNonNull(operations, "operations");
      return this;
    }

    public TestingTaskExecutorGateway build() {
      if (resourceId == null) {
        throw new IllegalStateException("identity(resourceId, instanceId) is required");
      }
      return new TestingTaskExecutorGateway(this);
    }
  }
}
