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
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The task executor's {@code TaskExecutorGateway}: answers heartbeats itself and hands the other calls
 * to {@link TaskExecutorOperations}.
 *
 * <p>Every call is first {@linkplain WireValidation validated} on the transport thread
 * ({@code INVALID_ARGUMENT} naming the field), then runs on the task executor's main thread, so a task
 * executor whose main thread is stuck stops answering and its resource manager times it out. There:
 * <ol>
 *   <li>A call meant for another task executor or another instance of this one is not obeyed. A
 *       heartbeat is answered with this process's own identity and no slot report, so the resource
 *       manager sees at once that the process it knew is gone; other calls are refused with
 *       {@code FAILED_PRECONDITION}.
 *   <li>The fencing token must be the one of the resource manager this task executor follows
 *       ({@link Fencing}); otherwise {@code FAILED_PRECONDITION}.
 *   <li>A heartbeat request counts as a heartbeat from the resource manager in the task executor's
 *       receiving heartbeat manager ({@code receiveHeartbeat(resourceManagerId, null)}), which is how
 *       the task executor notices a dead resource manager; the answer carries the current slot report.
 * </ol>
 *
 * <p>Thread-safety: the suppliers and the heartbeat manager are called on the main thread only, so
 * they may read the task executor's main-thread state without locks.
 */
public final class TaskExecutorGatewayService extends TaskExecutorGatewayGrpc.TaskExecutorGatewayImplBase {

  private static final Logger LOG = LoggerFactory.getLogger(TaskExecutorGatewayService.class);

  private final TaskExecutorIdentity identity;
  private final MainThreadExecutor mainThread;
  private final HeartbeatTarget<?> heartbeatManager;
  private final Supplier<FencingToken> acceptedToken;
  private final Supplier<SlotReport> slotReport;
  private final TaskExecutorOperations operations;
  /** The answer to a heartbeat meant for someone else: who we are, nothing more. */
  private final HeartbeatResponse identityOnly;
  /**
   * Heartbeats meant for someone else are logged at most once a minute: an RM that still calls a
   * restarted TE does so every interval, and any caller can send them at will.
   */
  private final LogThrottle misaddressedLog;

  private TaskExecutorGatewayService(Builder b) {
    this.identity = TaskExecutorIdentity.newBuilder()
        .setResourceId(b.resourceId.value()).setInstanceId(b.instanceId).build();
    this.mainThread = Objects.requireNonNull(b.mainThread, "mainThread");
    this.heartbeatManager = Objects.requireNonNull(b.heartbeatManager, "heartbeatManager");
    this.acceptedToken = Objects.requireNonNull(b.acceptedToken, "acceptedToken");
    this.slotReport = Objects.requireNonNull(b.slotReport, "slotReport");
    this.operations = b.operations;
    this.identityOnly = HeartbeatResponse.newBuilder().setTaskExecutor(identity).build();
    this.misaddressedLog = new LogThrottle(Duration.ofMinutes(1), mainThread);
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

  /** On the main thread. */
  private HeartbeatResponse answerHeartbeat(HeartbeatRequest request) {
    if (!isThisProcess(request.getTaskExecutor())) {
      long count = misaddressedLog.record();
      if (count > 0) {
        LOG.info("Answered {} heartbeat(s) meant for another task executor or instance with this process's identity,"
                + " task executor {} instance {}, since the last such line; latest: meant for task executor {}"
                + " instance {}, from {} (logged at most once per {} s)", count, identity.getResourceId(),
            identity.getInstanceId(), request.getTaskExecutor().getResourceId(),
            request.getTaskExecutor().getInstanceId(), Fencing.describe(request.getFencingToken()),
            misaddressedLog.periodSeconds());
      }
      return identityOnly;
    }
    checkFencing(request.getFencingToken());
    heartbeatManager.receiveHeartbeat(ResourceId.of(request.getFencingToken().getResourceManagerId()), null);
    return HeartbeatResponse.newBuilder().setTaskExecutor(identity).setSlotReport(slotReport.get()).build();
  }

  /** On the main thread: refuses a call not meant for this process, or not from the RM it follows. */
  private void admit(FencingToken token, TaskExecutorIdentity addressee) {
    if (!isThisProcess(addressee)) {
      throw Status.FAILED_PRECONDITION.withDescription("the call is meant for task executor "
          + addressee.getResourceId() + " instance " + addressee.getInstanceId() + ", but this is task executor "
          + identity.getResourceId() + " instance " + identity.getInstanceId()).asRuntimeException();
    }
    checkFencing(token);
  }

  /** Compares the ids only: a newer peer may send fields this version does not know. */
  private boolean isThisProcess(TaskExecutorIdentity addressee) {
    return identity.getInstanceId().equals(addressee.getInstanceId())
        && identity.getResourceId().equals(addressee.getResourceId());
  }

  private void checkFencing(FencingToken presented) {
    Status refusal = Fencing.check(acceptedToken.get(), presented);
    if (refusal != null) {
      LOG.debug("Refused a call: {}", refusal.getDescription());
      throw refusal.asRuntimeException();
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
    private TaskExecutorOperations operations = new TaskExecutorOperations() {};

    private Builder() {}

    /** This process: the task executor's resource id and this start's instance id. */
    public Builder identity(ResourceId resourceId, String instanceId) {
      String problem = ResourceId.validate(instanceId);
      if (problem != null) {
        throw new IllegalArgumentException("invalid instance id: " + problem);
      }
      this.resourceId = Objects.requireNonNull(resourceId, "resourceId");
      this.instanceId = instanceId;
      return this;
    }

    /** The task executor's main thread: every call's work runs on it. */
    public Builder mainThread(MainThreadExecutor mainThread) {
      this.mainThread = mainThread;
      return this;
    }

    /**
     * Where heartbeat requests count as heartbeats from the resource manager: the task executor's
     * receiving heartbeat manager, which monitors the resource manager under its resource id.
     */
    public Builder heartbeatManager(HeartbeatTarget<?> heartbeatManager) {
      this.heartbeatManager = heartbeatManager;
      return this;
    }

    /**
     * The fencing token of the resource manager the task executor follows, or {@code null} while it
     * follows none; called on the main thread for every call.
     */
    public Builder acceptedToken(Supplier<FencingToken> acceptedToken) {
      this.acceptedToken = acceptedToken;
      return this;
    }

    /** The task executor's current slot report; called on the main thread for every heartbeat. */
    public Builder slotReport(Supplier<SlotReport> slotReport) {
      this.slotReport = slotReport;
      return this;
    }

    /** The other calls; by default each answers {@code UNIMPLEMENTED}. */
    public Builder operations(TaskExecutorOperations operations) {
      this.operations = Objects.requireNonNull(operations, "operations");
      return this;
    }

    public TaskExecutorGatewayService build() {
      if (resourceId == null) {
        throw new IllegalStateException("identity(resourceId, instanceId) is required");
      }
      return new TaskExecutorGatewayService(this);
    }
  }
}
