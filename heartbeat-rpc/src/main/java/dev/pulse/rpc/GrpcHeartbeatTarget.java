package dev.pulse.rpc;

import dev.pulse.heartbeat.HeartbeatConfig;
import dev.pulse.heartbeat.HeartbeatRpcException;
import dev.pulse.heartbeat.HeartbeatTarget;
import dev.pulse.heartbeat.ResourceId;
import dev.pulse.heartbeat.RpcFailureKind;
import dev.pulse.heartbeat.time.MainThreadExecutor;
import dev.pulse.proto.v1.FencingToken;
import dev.pulse.proto.v1.HeartbeatRequest;
import dev.pulse.proto.v1.HeartbeatResponse;
import dev.pulse.proto.v1.SlotReport;
import dev.pulse.proto.v1.TaskExecutorGatewayGrpc;
import dev.pulse.proto.v1.TaskExecutorIdentity;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * The resource manager's view of one task executor process as a {@link HeartbeatTarget}: each
 * heartbeat request is one {@code TaskExecutorGateway.RequestHeartbeat} call.
 *
 * <p>On an answer from the expected task executor and instance, the target hands the slot report to
 * the RM's heartbeat manager ({@code receiveHeartbeat(taskExecutorId, slotReport)}) on the RM's main
 * thread and then completes the request's future, so the core sees the heartbeat before the RPC's
 * success. Failures complete the future with a {@link HeartbeatRpcException} whose kind
 * {@link RpcFailures} chose: unreachable, deadline exceeded, restarted (another instance answered),
 * or other.
 *
 * <p>Each call has a deadline of {@code heartbeat.interval}, so at most one call per target is ever
 * outstanding when the sender asks once per interval. The request message is built once: the RM's
 * fencing token and the expected task executor do not change during a target's life.
 *
 * <p>Lifecycle: a target holds a lease on the pooled channel to its address; {@link #close()} it when
 * the task executor is unmonitored. A closed target fails new requests and drops answers still in
 * flight, so a late answer never counts for a later registration of the same task executor.
 *
 * <p>Thread-safe. The core calls it on the RM's main thread; answers arrive on transport threads,
 * where they are checked and handed over without blocking.
 */
public final class GrpcHeartbeatTarget implements HeartbeatTarget<Void>, AutoCloseable {

  private final ResourceId taskExecutorId;
  private final String instanceId;
  private final ChannelLease lease;
  private final TaskExecutorGatewayGrpc.TaskExecutorGatewayStub stub;
  private final HeartbeatRequest request;
  private final long deadlineNanos;
  private final Answers heartbeats;
  private final MainThreadExecutor mainThread;
  private final String peer;
  private volatile boolean closed;

  private GrpcHeartbeatTarget(Factory factory, ResourceId taskExecutorId, String instanceId, ChannelLease lease) {
    this.taskExecutorId = taskExecutorId;
    this.instanceId = instanceId;
    this.lease = lease;
    // Answers are only checked and handed to the main thread: no need for another thread hop.
    this.stub = TaskExecutorGatewayGrpc.newStub(lease.channel()).withExecutor(Runnable::run);
    this.request = HeartbeatRequest.newBuilder()
        .setFencingToken(factory.fencingToken)
        .setTaskExecutor(TaskExecutorIdentity.newBuilder()
            .setResourceId(taskExecutorId.value()).setInstanceId(instanceId))
        .build();
    this.deadlineNanos = factory.rpcDeadlineNanos;
    this.heartbeats = factory.heartbeats;
    this.mainThread = factory.mainThread;
    this.peer = "task executor " + taskExecutorId + " at " + lease.address();
  }

  /** Asks the task executor for a heartbeat; the answer is fed to the RM's heartbeat manager. */
  @Override
  public CompletableFuture<Void> requestHeartbeat(ResourceId requestOrigin, Void heartbeatPayload) {
    return call();
  }

  /**
   * Sends the RM's heartbeat to the task executor. In pulse.v1 that is the same call as
   * {@link #requestHeartbeat}: the request is the RM's heartbeat, and its answer the task executor's.
   */
  @Override
  public CompletableFuture<Void> receiveHeartbeat(ResourceId heartbeatOrigin, Void heartbeatPayload) {
    return call();
  }

  public ResourceId taskExecutorId() {
    return taskExecutorId;
  }

  public String instanceId() {
    return instanceId;
  }

  public String address() {
    return lease.address();
  }

  /** Releases the channel lease; later requests fail and answers in flight are dropped. Idempotent. */
  @Override
  public void close() {
    closed = true;
    lease.close();
  }

  @Override
  public String toString() {
    return "GrpcHeartbeatTarget{" + peer + ", instance " + instanceId + (closed ? ", closed}" : "}");
  }

  private CompletableFuture<Void> call() {
    if (closed) {
      return CompletableFuture.failedFuture(
          new HeartbeatRpcException(RpcFailureKind.OTHER, "heartbeat target for " + peer + " is closed"));
    }
    Answer answer = new Answer();
    try {
      stub.withDeadlineAfter(deadlineNanos, TimeUnit.NANOSECONDS).requestHeartbeat(request, answer);
    } catch (RuntimeException e) {
      answer.onError(e);
    }
    return answer.future;
  }

  /** On the main thread: the heartbeat first, then the RPC's success. */
  private void deliver(SlotReport slotReport, CompletableFuture<Void> future) {
    try {
      if (!closed) {
        heartbeats.answered(taskExecutorId, slotReport);
      }
    } finally {
      future.complete(null);
    }
  }

  /** What is wrong with an answer, or {@code null} if it is a heartbeat of the expected process. */
  private HeartbeatRpcException check(HeartbeatResponse response) {
    if (response == null) {
      return new HeartbeatRpcException(RpcFailureKind.OTHER, peer + " answered without a message");
    }
    try {
      WireValidation.checkIdentity("task_executor", response.hasTaskExecutor(), response.getTaskExecutor());
      HeartbeatRpcException mismatch =
          RpcFailures.checkIdentity(taskExecutorId, instanceId, response.getTaskExecutor(), lease.address());
      if (mismatch != null) {
        return mismatch;
      }
      WireValidation.checkSlotReport("slot_report", response.hasSlotReport(), response.getSlotReport());
      return null;
    } catch (StatusRuntimeException e) {
      return new HeartbeatRpcException(RpcFailureKind.OTHER, peer + " sent a malformed heartbeat: "
          + e.getStatus().getDescription());
    }
  }

  /**
   * One call's answer. gRPC calls it on one transport thread at a time, so its fields need no
   * synchronization.
   */
  private final class Answer implements StreamObserver<HeartbeatResponse> {
    final CompletableFuture<Void> future = new CompletableFuture<>();
    private HeartbeatResponse response;

    @Override
    public void onNext(HeartbeatResponse value) {
      response = value;
    }

    @Override
    public void onError(Throwable t) {
      future.completeExceptionally(RpcFailures.classify(t, peer));
    }

    @Override
    public void onCompleted() {
      HeartbeatRpcException problem = check(response);
      if (problem != null) {
        future.completeExceptionally(problem);
        return;
      }
      SlotReport slotReport = response.getSlotReport();
      try {
        mainThread.execute(() -> deliver(slotReport, future));
      } catch (RejectedExecutionException e) {
        future.completeExceptionally(new HeartbeatRpcException(RpcFailureKind.OTHER,
            "heartbeat from " + peer + " dropped: the resource manager's main thread has stopped", e));
      }
    }
  }

  /**
   * Where a target's heartbeat answers go, on the main thread, before the request's future completes:
   * the heartbeat manager's {@code receiveHeartbeat}, or whatever turns the wire's slot report into
   * the owner's.
   */
  @FunctionalInterface
  public interface Answers {
    void answered(ResourceId taskExecutor, SlotReport slotReport);
  }

  /**
   * Makes the targets of one resource manager: its channel pool, its fencing token, where answered
   * heartbeats go and on which thread. Thread-safe and immutable.
   */
  public static final class Factory {
    private final ChannelPool channels;
    private final FencingToken fencingToken;
    private final long rpcDeadlineNanos;
    private final Answers heartbeats;
    private final MainThreadExecutor mainThread;

    /**
     * @param channels the pool the targets lease their channels from
     * @param fencingToken the RM's id and leader epoch, sent with every request
     * @param heartbeatConfig the RM's heartbeat settings; each call's deadline is the interval
     * @param heartbeats where answers go, with their slot report (e.g. the RM's heartbeat manager)
     * @param mainThread the executor {@code heartbeats} is confined to
     * @throws IllegalArgumentException if the fencing token is malformed
     */
    public Factory(ChannelPool channels, FencingToken fencingToken, HeartbeatConfig heartbeatConfig,
        Answers heartbeats, MainThreadExecutor mainThread) {
      this.channels = Objects.requireNonNull(channels, "channels");
      this.fencingToken = Objects.requireNonNull(fencingToken, "fencingToken");
      this.rpcDeadlineNanos = heartbeatConfig.interval().toNanos();
      this.heartbeats = Objects.requireNonNull(heartbeats, "heartbeats");
      this.mainThread = Objects.requireNonNull(mainThread, "mainThread");
      try {
        WireValidation.checkFencingToken("fencingToken", true, fencingToken);
      } catch (StatusRuntimeException e) {
        throw new IllegalArgumentException(e.getStatus().getDescription(), e);
      }
    }

    /**
     * A target for one task executor process, holding a lease on the channel to {@code address}
     * until it is closed.
     *
     * @param taskExecutorId the task executor's resource id
     * @param instanceId the instance id it registered with; an answer from another instance fails as
     *     {@link RpcFailureKind#RESTARTED}
     * @param address {@code host:port} of its {@code TaskExecutorGateway}
     * @throws IllegalArgumentException if {@code instanceId} or {@code address} is malformed
     */
    public GrpcHeartbeatTarget create(ResourceId taskExecutorId, String instanceId, String address) {
      Objects.requireNonNull(taskExecutorId, "taskExecutorId");
      String problem = ResourceId.validate(instanceId);
      if (problem != null) {
        throw new IllegalArgumentException("invalid instance id: " + problem);
      }
      return new GrpcHeartbeatTarget(this, taskExecutorId, instanceId, channels.acquire(address));
    }
  }
}
