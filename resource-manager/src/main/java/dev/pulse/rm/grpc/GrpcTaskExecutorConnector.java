package dev.pulse.rm.grpc;

import dev.pulse.heartbeat.HeartbeatConfig;
import dev.pulse.heartbeat.HeartbeatTarget;
import dev.pulse.heartbeat.ResourceId;
import dev.pulse.heartbeat.time.MainThreadExecutor;
import dev.pulse.proto.v1.DisconnectResourceManagerRequest;
import dev.pulse.proto.v1.DisconnectResourceManagerResponse;
import dev.pulse.proto.v1.FreeSlotRequest;
import dev.pulse.proto.v1.FreeSlotResponse;
import dev.pulse.proto.v1.RequestSlotRequest;
import dev.pulse.proto.v1.RequestSlotResponse;
import dev.pulse.proto.v1.TaskExecutorGatewayGrpc;
import dev.pulse.proto.v1.TaskExecutorIdentity;
import dev.pulse.rm.FencingToken;
import dev.pulse.rm.LossReason;
import dev.pulse.rm.SlotReport;
import dev.pulse.rm.TaskExecutorConnection;
import dev.pulse.rm.TaskExecutorConnector;
import dev.pulse.rm.TaskExecutorRegistration;
import dev.pulse.rpc.ChannelLease;
import dev.pulse.rpc.ChannelPool;
import dev.pulse.rpc.GrpcHeartbeatTarget;
import dev.pulse.rpc.HeartbeatTransport;
import dev.pulse.rpc.RpcConfigOptions;
import dev.pulse.rpc.UnaryCalls;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Reaches task executors over gRPC: heartbeats through {@link GrpcHeartbeatTarget}, slot requests
 * and disconnects through a {@code TaskExecutorGateway} stub on the same pooled channel.
 *
 * <p>Thread-safe. Each connection holds leases on the pooled channel to its task executor's address
 * until it is closed. Slot and disconnect calls have a deadline of {@link #CALL_DEADLINE} at most.
 */
public final class GrpcTaskExecutorConnector implements TaskExecutorConnector {

  /** Longest a slot or disconnect call may take. */
  static final Duration CALL_DEADLINE = Duration.ofSeconds(10);

  private final ChannelPool channels;
  private final HeartbeatConfig heartbeatConfig;
  private final MainThreadExecutor mainThread;
  private final HeartbeatTransport heartbeatTransport;

  /** Heartbeats as {@code resourcemanager.heartbeat.transport}'s default says (one stream per task executor). */
  public GrpcTaskExecutorConnector(ChannelPool channels, HeartbeatConfig heartbeatConfig,
      MainThreadExecutor mainThread) {
    this(channels, heartbeatConfig, mainThread, RpcConfigOptions.HEARTBEAT_TRANSPORT.defaultValue());
  }

  /**
   * @param channels the resource manager's channel pool
   * @param heartbeatConfig heartbeat settings (the heartbeat call deadline is the interval)
   * @param mainThread the resource manager's main thread, where heartbeat answers are delivered
   * @param heartbeatTransport how heartbeat requests travel ({@code resourcemanager.heartbeat.transport})
   */
  public GrpcTaskExecutorConnector(ChannelPool channels, HeartbeatConfig heartbeatConfig,
      MainThreadExecutor mainThread, HeartbeatTransport heartbeatTransport) {
    this.channels = channels;
    this.heartbeatConfig = heartbeatConfig;
    this.mainThread = mainThread;
    this.heartbeatTransport = Objects.requireNonNull(heartbeatTransport, "heartbeatTransport");
  }

  @Override
  public TaskExecutorConnection connect(TaskExecutorRegistration registration, FencingToken fencing,
      HeartbeatReceiver heartbeatReceiver) {
    dev.pulse.proto.v1.FencingToken token = dev.pulse.proto.v1.FencingToken.newBuilder()
        .setResourceManagerId(fencing.resourceManagerId())
        .setLeaderEpoch(fencing.epoch())
        .build();
    GrpcHeartbeatTarget<SlotReport> heartbeats = new GrpcHeartbeatTarget.Factory<>(channels, token, heartbeatConfig,
        ProtoConversions::toDomain, (te, report) -> heartbeatReceiver.heartbeatFrom(report), mainThread,
        heartbeatTransport)
        .create(ResourceId.of(registration.resourceId()), registration.instanceId(), registration.address());
    ChannelLease lease = channels.acquire(registration.address());
    // Connect while the registration (or, after a restart, the rest of the start-up) goes on: the first
    // heartbeat request, or the call that asks a recovering task executor to re-sync, then finds it made.
    lease.connectNow();
    TaskExecutorIdentity identity = TaskExecutorIdentity.newBuilder()
        .setResourceId(registration.resourceId())
        .setInstanceId(registration.instanceId())
        .build();
    return new Connection(heartbeats, lease, token, identity);
  }

  private static final class Connection implements TaskExecutorConnection {
    private final GrpcHeartbeatTarget<SlotReport> heartbeats;
    private final ChannelLease lease;
    private final TaskExecutorGatewayGrpc.TaskExecutorGatewayStub stub;
    private final dev.pulse.proto.v1.FencingToken token;
    private final TaskExecutorIdentity identity;

    Connection(GrpcHeartbeatTarget<SlotReport> heartbeats, ChannelLease lease, dev.pulse.proto.v1.FencingToken token,
        TaskExecutorIdentity identity) {
      this.heartbeats = heartbeats;
      this.lease = lease;
      this.stub = TaskExecutorGatewayGrpc.newStub(lease.channel());
      this.token = token;
      this.identity = identity;
    }

    @Override
    public HeartbeatTarget<Void> heartbeatTarget() {
      return heartbeats;
    }

    @Override
    public CompletableFuture<Void> requestSlot(int slotIndex, String allocationId, String jobId) {
      RequestSlotRequest request = RequestSlotRequest.newBuilder().setFencingToken(token).setTaskExecutor(identity)
          .setSlotIndex(slotIndex).setAllocationId(allocationId).setJobId(jobId).build();
      return UnaryCalls.<RequestSlotResponse>call(answer -> deadline().requestSlot(request, answer))
          .thenApply(ignored -> null);
    }

    @Override
    public CompletableFuture<Void> freeSlot(String allocationId, String cause) {
      FreeSlotRequest request = FreeSlotRequest.newBuilder().setFencingToken(token).setTaskExecutor(identity)
          .setAllocationId(allocationId).setCause(cause).build();
      return UnaryCalls.<FreeSlotResponse>call(answer -> deadline().freeSlot(request, answer))
          .thenApply(ignored -> null);
    }

    @Override
    public CompletableFuture<Void> disconnect(LossReason reason, String cause) {
      DisconnectResourceManagerRequest request = DisconnectResourceManagerRequest.newBuilder()
          .setFencingToken(token).setTaskExecutor(identity)
          .setReason(ProtoConversions.toProto(reason)).setCause(cause).build();
      return UnaryCalls.<DisconnectResourceManagerResponse>call(
          answer -> deadline().disconnectResourceManager(request, answer)).thenApply(ignored -> null);
    }

    @Override
    public void close() {
      heartbeats.close();
      lease.close();
    }

    private TaskExecutorGatewayGrpc.TaskExecutorGatewayStub deadline() {
      return stub.withDeadlineAfter(CALL_DEADLINE.toMillis(), TimeUnit.MILLISECONDS);
    }
  }
}
