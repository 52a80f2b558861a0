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
import dev.pulse.rpc.InboundHeartbeatStreams;
import dev.pulse.rpc.UnaryCalls;
import io.grpc.stub.StreamObserver;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;

/**
 * Reaches task executors over gRPC: heartbeats through {@link GrpcHeartbeatTarget}, slot requests
 * and disconnects through a {@code TaskExecutorGateway} stub on the same pooled channel.
 *
 * <p>With {@link HeartbeatTransport#INBOUND_STREAM}, a task executor that registered saying it opens the
 * heartbeat stream itself ({@code opens_heartbeat_stream}) gets a target that waits for that stream; one that
 * did not (a task executor that only serves its gateway) gets a stream the resource manager opens
 * ({@link HeartbeatTransport#STREAM}, unary calls if it does not serve that either).
 *
 * <p>Thread-safe. Each connection holds leases on the pooled channel to its task executor's address
 * until it is closed; one whose task executor opens the heartbeat stream holds none, and each of its slot
 * or disconnect calls leases the channel for as long as it runs. Slot and disconnect calls have a
 * deadline of {@link #CALL_DEADLINE} at most.
 */
public final class GrpcTaskExecutorConnector implements TaskExecutorConnector {

  /** Longest a slot or disconnect call may take. */
  static final Duration CALL_DEADLINE = Duration.ofSeconds(10);

  private final ChannelPool channels;
  private final HeartbeatConfig heartbeatConfig;
  private final MainThreadExecutor mainThread;
  private final HeartbeatTransport heartbeatTransport;
  private final InboundHeartbeatStreams inboundStreams;

  /**
   * Heartbeats on one stream per task executor that the resource manager opens ({@link HeartbeatTransport#STREAM}):
   * the transport that needs nothing else of the resource manager. The default, {@link
   * HeartbeatTransport#INBOUND_STREAM}, also needs its {@code OpenHeartbeatStream} service on the same registry
   * (the five-argument constructor, as {@code ResourceManagerServer} wires it).
   */
  public GrpcTaskExecutorConnector(ChannelPool channels, HeartbeatConfig heartbeatConfig,
      MainThreadExecutor mainThread) {
    this(channels, heartbeatConfig, mainThread, HeartbeatTransport.STREAM);
  }

  /**
   * @param channels the resource manager's channel pool
   * @param heartbeatConfig heartbeat settings (the heartbeat call deadline is the interval)
   * @param mainThread the resource manager's main thread, where heartbeat answers are delivered
   * @param heartbeatTransport how heartbeat requests travel ({@code resourcemanager.heartbeat.transport})
   */
  public GrpcTaskExecutorConnector(ChannelPool channels, HeartbeatConfig heartbeatConfig,
      MainThreadExecutor mainThread, HeartbeatTransport heartbeatTransport) {
    this(channels, heartbeatConfig, mainThread, heartbeatTransport, null);
  }

  /**
   * As above; {@code inboundStreams} is where task executors' heartbeat streams arrive, required with
   * {@link HeartbeatTransport#INBOUND_STREAM} (the same registry the {@code OpenHeartbeatStream} service uses).
   *
   * @throws IllegalArgumentException if the transport is {@code INBOUND_STREAM} and {@code inboundStreams} is null
   */
  public GrpcTaskExecutorConnector(ChannelPool channels, HeartbeatConfig heartbeatConfig,
      MainThreadExecutor mainThread, HeartbeatTransport heartbeatTransport, InboundHeartbeatStreams inboundStreams) {
    this.channels = channels;
    this.heartbeatConfig = heartbeatConfig;
    this.mainThread = mainThread;
    this.heartbeatTransport = Objects.requireNonNull(heartbeatTransport, "heartbeatTransport");
    if (heartbeatTransport == HeartbeatTransport.INBOUND_STREAM && inboundStreams == null) {
      throw new IllegalArgumentException("the inbound_stream transport needs the registry its streams arrive at");
    }
    this.inboundStreams = inboundStreams;
  }

  @Override
  public TaskExecutorConnection connect(TaskExecutorRegistration registration, FencingToken fencing,
      HeartbeatReceiver heartbeatReceiver) {
    dev.pulse.proto.v1.FencingToken token = dev.pulse.proto.v1.FencingToken.newBuilder()
        .setResourceManagerId(fencing.resourceManagerId())
        .setLeaderEpoch(fencing.epoch())
        .build();
    // A task executor that cannot open the stream itself (one that only serves its gateway) is called instead.
    HeartbeatTransport transport = heartbeatTransport != HeartbeatTransport.INBOUND_STREAM ? heartbeatTransport
        : registration.opensHeartbeatStream() ? HeartbeatTransport.INBOUND_STREAM : HeartbeatTransport.STREAM;
    GrpcHeartbeatTarget<SlotReport> heartbeats = new GrpcHeartbeatTarget.Factory<>(channels, token, heartbeatConfig,
        ProtoConversions::toDomain, (te, report) -> heartbeatReceiver.heartbeatFrom(report), mainThread,
        transport, inboundStreams)
        .create(ResourceId.of(registration.resourceId()), registration.instanceId(), registration.address());
    ChannelLease lease = null;
    if (transport != HeartbeatTransport.INBOUND_STREAM) {
      lease = channels.acquire(registration.address());
      // Connect while the registration (or, after a restart, the rest of the start-up) goes on: the first
      // heartbeat request, or the call that asks a recovering task executor to re-sync, then finds it made.
      lease.connectNow();
    }
    TaskExecutorIdentity identity = TaskExecutorIdentity.newBuilder()
        .setResourceId(registration.resourceId())
        .setInstanceId(registration.instanceId())
        .build();
    return new Connection(heartbeats, channels, registration.address(), lease, token, identity);
  }

  private static final class Connection implements TaskExecutorConnection {
    private final GrpcHeartbeatTarget<SlotReport> heartbeats;
    private final ChannelPool channels;
    private final String address;
    /** Held for the connection's life; {@code null} when each call leases the channel itself. */
    private final ChannelLease lease;
    private final TaskExecutorGatewayGrpc.TaskExecutorGatewayStub stub;
    private final dev.pulse.proto.v1.FencingToken token;
    private final TaskExecutorIdentity identity;

    Connection(GrpcHeartbeatTarget<SlotReport> heartbeats, ChannelPool channels, String address, ChannelLease lease,
        dev.pulse.proto.v1.FencingToken token, TaskExecutorIdentity identity) {
      this.heartbeats = heartbeats;
      this.channels = channels;
      this.address = address;
      this.lease = lease;
      this.stub = lease == null ? null : TaskExecutorGatewayGrpc.newStub(lease.channel());
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
      return this.<RequestSlotResponse>call((s, answer) -> s.requestSlot(request, answer));
    }

    @Override
    public CompletableFuture<Void> freeSlot(String allocationId, String cause) {
      FreeSlotRequest request = FreeSlotRequest.newBuilder().setFencingToken(token).setTaskExecutor(identity)
          .setAllocationId(allocationId).setCause(cause).build();
      return this.<FreeSlotResponse>call((s, answer) -> s.freeSlot(request, answer));
    }

    @Override
    public CompletableFuture<Void> disconnect(LossReason reason, String cause) {
      DisconnectResourceManagerRequest request = DisconnectResourceManagerRequest.newBuilder()
          .setFencingToken(token).setTaskExecutor(identity)
          .setReason(ProtoConversions.toProto(reason)).setCause(cause).build();
      return this.<DisconnectResourceManagerResponse>call((s, answer) -> s.disconnectResourceManager(request, answer));
    }

    @Override
    public void close() {
      heartbeats.close();
      if (lease != null) {
        lease.close();
      }
    }

    /** One call with {@link #CALL_DEADLINE}, on the held channel or on one leased for the call. */
    private <R> CompletableFuture<Void> call(
        BiConsumer<TaskExecutorGatewayGrpc.TaskExecutorGatewayStub, StreamObserver<R>> call) {
      ChannelLease forCall = lease == null ? channels.acquire(address) : null;
      TaskExecutorGatewayGrpc.TaskExecutorGatewayStub s = forCall == null ? stub
          : TaskExecutorGatewayGrpc.newStub(forCall.channel());
      CompletableFuture<R> answer = UnaryCalls.<R>call(observer -> call.accept(
          s.withDeadlineAfter(CALL_DEADLINE.toMillis(), TimeUnit.MILLISECONDS), observer));
      if (forCall != null) {
        answer.whenComplete((ok, failure) -> forCall.close());
      }
      return answer.thenApply(ignored -> null);
    }
  }
}
