package dev.pulse.te.grpc;

import dev.pulse.heartbeat.HeartbeatTarget;
import dev.pulse.heartbeat.ResourceId;
import dev.pulse.heartbeat.time.MainThreadExecutor;
import dev.pulse.proto.v1.DisconnectResourceManagerRequest;
import dev.pulse.proto.v1.DisconnectResourceManagerResponse;
import dev.pulse.proto.v1.FreeSlotRequest;
import dev.pulse.proto.v1.FreeSlotResponse;
import dev.pulse.proto.v1.HeartbeatRequest;
import dev.pulse.proto.v1.HeartbeatResponse;
import dev.pulse.proto.v1.RequestSlotRequest;
import dev.pulse.proto.v1.RequestSlotResponse;
import dev.pulse.proto.v1.TaskExecutorGatewayGrpc;
import dev.pulse.proto.v1.TaskExecutorIdentity;
import dev.pulse.rpc.LogThrottle;
import dev.pulse.rpc.MainThreadCalls;
import dev.pulse.rpc.MainThreadStream;
import dev.pulse.rpc.WireValidation;
import dev.pulse.te.CallRefusedException;
import dev.pulse.te.Fencing;
import dev.pulse.te.FencingToken;
import dev.pulse.te.SlotReport;
import dev.pulse.te.TaskExecutor;
import dev.pulse.te.TaskExecutorGateway;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The task executor's {@code TaskExecutorGateway} over gRPC: answers heartbeats itself and hands the
 * other calls to {@link TaskExecutorOperations} (for a task executor, its {@link TaskExecutorGateway}
 * through {@link Builder#gateway}).
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
 *       ({@link Fencing}); otherwise {@code FAILED_PRECONDITION}. When it carries that resource manager's
 *       id with a newer epoch (it restarted on its registry store), the call is refused all the same and
 *       {@link Builder#onResourceManagerRestart} is told, so that the task executor re-registers at once.
 *   <li>The task executor's refusals become statuses in one place, {@link GrpcStatuses}.
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
  /**
   * Most heartbeat requests that may wait for their answers on one stream; a resource manager sends
   * the next only after the previous one's interval, so a well-behaved one never has more than two.
   */
  static final int MAX_WAITING_HEARTBEATS = 16;

  private final TaskExecutorIdentity identity;
  private final MainThreadExecutor mainThread;
  private final HeartbeatTarget<?> heartbeatManager;
  private final Supplier<FencingToken> acceptedToken;
  private final Consumer<FencingToken> onResourceManagerRestart;
  private final Supplier<SlotReport> slotReport;
  private final ProtoConversions.SlotReportCache wireReport = new ProtoConversions.SlotReportCache();
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
    this.onResourceManagerRestart = b.onResourceManagerRestart;
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
          refusalsAsStatuses(() -> CompletableFuture.completedFuture(answerHeartbeat(request))));
    }
  }

  /**
   * The same heartbeats on one stream: each request checked and answered as {@link #requestHeartbeat}
   * answers its one, in order, on the main thread; a refused request ends the stream with the status.
   */
  @Override
  public StreamObserver<HeartbeatRequest> heartbeatStream(StreamObserver<HeartbeatResponse> responses) {
    return MainThreadStream.answerEach(mainThread, responses, "HeartbeatStream", request -> {
      WireValidation.check(request);
      try {
        return answerHeartbeat(request);
      } catch (RuntimeException e) {
        throw GrpcStatuses.toStatus(e);
      }
    }, MAX_WAITING_HEARTBEATS);
  }

  @Override
  public void requestSlot(RequestSlotRequest request, StreamObserver<RequestSlotResponse> observer) {
    if (valid(() -> WireValidation.check(request), observer)) {
      MainThreadCalls.answer(mainThread, observer, "RequestSlot", refusalsAsStatuses(() -> {
        admit(request.getFencingToken(), request.getTaskExecutor());
        return operations.requestSlot(request);
      }));
    }
  }

  @Override
  public void freeSlot(FreeSlotRequest request, StreamObserver<FreeSlotResponse> observer) {
    if (valid(() -> WireValidation.check(request), observer)) {
      MainThreadCalls.answer(mainThread, observer, "FreeSlot", refusalsAsStatuses(() -> {
        admit(request.getFencingToken(), request.getTaskExecutor());
        return operations.freeSlot(request);
      }));
    }
  }

  @Override
  public void disconnectResourceManager(DisconnectResourceManagerRequest request,
      StreamObserver<DisconnectResourceManagerResponse> observer) {
    if (valid(() -> WireValidation.check(request), observer)) {
      MainThreadCalls.answer(mainThread, observer, "DisconnectResourceManager", refusalsAsStatuses(() -> {
        admit(request.getFencingToken(), request.getTaskExecutor());
        return operations.disconnectResourceManager(request);
      }));
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
            request.getTaskExecutor().getInstanceId(), ProtoConversions.toDomain(request.getFencingToken()),
            misaddressedLog.periodSeconds());
      }
      return identityOnly;
    }
    checkFencing(request.getFencingToken());
    heartbeatManager.receiveHeartbeat(ResourceId.of(request.getFencingToken().getResourceManagerId()), null);
    return HeartbeatResponse.newBuilder().setTaskExecutor(identity)
        .setSlotReport(wireReport.toProto(slotReport.get())).build();
  }

  /** On the main thread: refuses a call not meant for this process, or not from the RM it follows. */
  private void admit(dev.pulse.proto.v1.FencingToken token, TaskExecutorIdentity addressee) {
    if (!isThisProcess(addressee)) {
      throw new CallRefusedException("the call is meant for task executor "
          + addressee.getResourceId() + " instance " + addressee.getInstanceId() + ", but this is task executor "
          + identity.getResourceId() + " instance " + identity.getInstanceId());
    }
    checkFencing(token);
  }

  /** Compares the ids only: a newer peer may send fields this version does not know. */
  private boolean isThisProcess(TaskExecutorIdentity addressee) {
    return identity.getInstanceId().equals(addressee.getInstanceId())
        && identity.getResourceId().equals(addressee.getResourceId());
  }

  private void checkFencing(dev.pulse.proto.v1.FencingToken presented) {
    FencingToken accepted = acceptedToken.get();
    FencingToken token = ProtoConversions.toDomain(presented);
    try {
      Fencing.check(accepted, token);
    } catch (CallRefusedException e) {
      LOG.debug("Refused a call: {}", e.getMessage());
      if (accepted == null || Fencing.isRestartOf(accepted, token)) {
        // A restarted resource manager, or one calling while this task executor is not registered: the
        // connection decides whether it is the one it followed and registers again at once.
        onResourceManagerRestart.accept(token);
      }
      throw e;
    }
  }

  /** The task executor's refusals, thrown or in the future, as gRPC statuses ({@link GrpcStatuses}). */
  private static <T> Supplier<CompletionStage<T>> refusalsAsStatuses(Supplier<? extends CompletionStage<T>> work) {
    return () -> {
      CompletionStage<T> outcome;
      try {
        outcome = work.get();
      } catch (RuntimeException e) {
        throw GrpcStatuses.toStatus(e);
      }
      return outcome == null ? null
          : outcome.exceptionallyCompose(f -> CompletableFuture.failedFuture(GrpcStatuses.toStatus(f)));
    };
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
    private Consumer<FencingToken> onResourceManagerRestart = token -> {};
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

    /**
     * Told (on the main thread) of a refused call that carried the followed resource manager's id with a
     * newer epoch ({@link Fencing#isRestartOf}); by default nothing happens.
     */
    public Builder onResourceManagerRestart(Consumer<FencingToken> onResourceManagerRestart) {
      this.onResourceManagerRestart = Objects.requireNonNull(onResourceManagerRestart, "onResourceManagerRestart");
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

    /** The other calls, handed to a task executor's own {@link TaskExecutorGateway}. */
    public Builder gateway(TaskExecutorGateway gateway) {
      return operations(new GatewayOperations(gateway));
    }

    /**
     * Everything from {@code taskExecutor}: its identity, heartbeat receiver, accepted token, slot
     * report and gateway; {@code mainThread} must be the one it lives on.
     */
    public Builder taskExecutor(TaskExecutor taskExecutor, MainThreadExecutor mainThread) {
      return identity(ResourceId.of(taskExecutor.resourceId()), taskExecutor.instanceId())
          .mainThread(mainThread)
          .heartbeatManager(taskExecutor.heartbeatReceiver())
          .acceptedToken(taskExecutor::acceptedToken)
          .onResourceManagerRestart(taskExecutor::resourceManagerRestarted)
          .slotReport(taskExecutor::slotReport)
          .gateway(taskExecutor.gateway());
    }

    public TaskExecutorGatewayService build() {
      if (resourceId == null) {
        throw new IllegalStateException("identity(resourceId, instanceId) is required");
      }
      return new TaskExecutorGatewayService(this);
    }
  }
}
