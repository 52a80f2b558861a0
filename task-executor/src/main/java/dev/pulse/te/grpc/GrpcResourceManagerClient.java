package dev.pulse.te.grpc;

import dev.pulse.proto.v1.DisconnectTaskExecutorRequest;
import dev.pulse.proto.v1.DisconnectTaskExecutorResponse;
import dev.pulse.proto.v1.LossReason;
import dev.pulse.proto.v1.RegisterTaskExecutorRequest;
import dev.pulse.proto.v1.RegisterTaskExecutorResponse;
import dev.pulse.proto.v1.ResourceManagerGatewayGrpc;
import dev.pulse.proto.v1.SendSlotReportRequest;
import dev.pulse.proto.v1.SendSlotReportResponse;
import dev.pulse.proto.v1.TaskExecutorIdentity;
import dev.pulse.rpc.ChannelLease;
import dev.pulse.rpc.ChannelPool;
import dev.pulse.rpc.UnaryCalls;
import dev.pulse.rpc.WireValidation;
import dev.pulse.te.Registration;
import dev.pulse.te.ResourceManagerCallException;
import dev.pulse.te.ResourceManagerClient;
import dev.pulse.te.SlotReport;
import dev.pulse.te.TaskExecutorInstance;
import io.grpc.StatusRuntimeException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link ResourceManagerClient} over gRPC: one pooled channel to the resource manager's address,
 * with the transport's TLS and token. Each call has its own deadline, so a resource manager that
 * hangs costs one deadline per attempt, not a stuck registration. Failures reach the caller as
 * {@link ResourceManagerCallException}s ({@link GrpcStatuses#toDomain}); a registration answer
 * without a valid registration id or fencing token as a malformed answer.
 *
 * <p>A registration whose answer asks for a heartbeat stream ({@code open_heartbeat_stream}) gets one
 * ({@link HeartbeatStreamToResourceManager}), answered as {@link HeartbeatAnswering} says; the next
 * registration, the goodbye and {@link #close()} end it.
 *
 * <p>Thread-safe.
 */
public final class GrpcResourceManagerClient implements ResourceManagerClient {

  /** Deadline of one registration attempt; the next attempt follows after the backoff. */
  static final Duration REGISTER_DEADLINE = Duration.ofSeconds(10);
  /** Deadline of the slot report that confirms a registration; heartbeats confirm it too if this fails. */
  static final Duration SLOT_REPORT_DEADLINE = Duration.ofSeconds(10);

  private static final Logger LOG = LoggerFactory.getLogger(GrpcResourceManagerClient.class);

  private final ChannelLease lease;
  private final ResourceManagerGatewayGrpc.ResourceManagerGatewayStub stub;
  private final HeartbeatAnswering answering;
  private HeartbeatStreamToResourceManager heartbeatStream; // guarded by this
  private boolean closed; // guarded by this

  /**
   * A client that cannot open a heartbeat stream (a resource manager that asks for one is logged and
   * left without: its requests go unanswered).
   *
   * @param address {@code host:port} of the resource manager
   */
  public GrpcResourceManagerClient(ChannelPool channels, String address) {
    this(channels, address, null);
  }

  /**
   * @param address {@code host:port} of the resource manager
   * @param answering how heartbeat requests on a stream this task executor opens are answered; {@code null}
   *     if it cannot open one
   */
  public GrpcResourceManagerClient(ChannelPool channels, String address, HeartbeatAnswering answering) {
    this.lease = channels.acquire(address);
    this.stub = ResourceManagerGatewayGrpc.newStub(lease.channel());
    this.answering = answering;
  }

  @Override
  public CompletableFuture<Registration> register(TaskExecutorInstance taskExecutor, String rpcAddress,
      int numberOfSlots, SlotReport slots) {
    RegisterTaskExecutorRequest request = RegisterTaskExecutorRequest.newBuilder()
        .setTaskExecutor(ProtoConversions.toProto(taskExecutor))
        .setRpcAddress(rpcAddress)
        .setNumberOfSlots(numberOfSlots)
        .setSlotReport(ProtoConversions.toProto(slots))
        .setOpensHeartbeatStream(answering != null)
        .build();
    // The registration has its own backoff (100 ms doubling to 30 s); gRPC's reconnect backoff on top of it
    // would keep failing fast long after the resource manager is back (seconds after a restart).
    lease.reconnectNow();
    return UnaryCalls.<RegisterTaskExecutorResponse>call(answer -> stub
            .withDeadlineAfter(REGISTER_DEADLINE.toNanos(), TimeUnit.NANOSECONDS).registerTaskExecutor(request, answer),
        GrpcStatuses::toDomain).thenApply(response -> {
          Registration registration = toRegistration(response);
          if (response.getOpenHeartbeatStream()) {
            openHeartbeatStream(registration.registrationId(), request.getTaskExecutor());
          } else {
            endHeartbeatStream();
          }
          return registration;
        });
  }

  @Override
  public CompletableFuture<Void> sendSlotReport(String registrationId, TaskExecutorInstance taskExecutor,
      SlotReport slots) {
    SendSlotReportRequest request = SendSlotReportRequest.newBuilder()
        .setRegistrationId(registrationId)
        .setTaskExecutor(ProtoConversions.toProto(taskExecutor))
        .setSlotReport(ProtoConversions.toProto(slots))
        .build();
    return UnaryCalls.<SendSlotReportResponse>call(answer -> stub
            .withDeadlineAfter(SLOT_REPORT_DEADLINE.toNanos(), TimeUnit.NANOSECONDS).sendSlotReport(request, answer),
        GrpcStatuses::toDomain).thenApply(ignored -> null);
  }

  @Override
  public CompletableFuture<Void> disconnect(String registrationId, TaskExecutorInstance taskExecutor, String cause) {
    DisconnectTaskExecutorRequest request = DisconnectTaskExecutorRequest.newBuilder()
        .setRegistrationId(registrationId)
        .setTaskExecutor(ProtoConversions.toProto(taskExecutor))
        .setReason(LossReason.LOSS_REASON_DISCONNECTED)
        .setCause(cause)
        .build();
    endHeartbeatStream();
    return UnaryCalls.<DisconnectTaskExecutorResponse>call(answer -> stub
            .withDeadlineAfter(DISCONNECT_DEADLINE.toNanos(), TimeUnit.NANOSECONDS)
            .disconnectTaskExecutor(request, answer),
        GrpcStatuses::toDomain).thenApply(ignored -> null);
  }

  @Override
  public void close() {
    synchronized (this) {
      closed = true;
    }
    endHeartbeatStream();
    lease.close();
  }

  /** The registration's heartbeat stream, in place of the previous registration's. */
  private void openHeartbeatStream(String registrationId, TaskExecutorIdentity identity) {
    HeartbeatStreamToResourceManager previous;
    synchronized (this) {
      if (closed) {
        return;
      }
      previous = heartbeatStream;
      heartbeatStream = null;
      if (answering == null) {
        LOG.warn("The resource manager at {} asks for heartbeats on a stream this task executor opens, but this"
            + " client cannot open one: its heartbeat requests go unanswered", lease.address());
      } else {
        heartbeatStream = HeartbeatStreamToResourceManager.open(lease, registrationId, identity,
            answering.mainThread(), answering.handler(), lease.address());
      }
    }
    if (previous != null) {
      previous.close();
    }
  }

  private void endHeartbeatStream() {
    HeartbeatStreamToResourceManager previous;
    synchronized (this) {
      previous = heartbeatStream;
      heartbeatStream = null;
    }
    if (previous != null) {
      previous.close();
    }
  }

  @Override
  public String toString() {
    return "resource manager at " + lease.address();
  }

  /** The registration in an answer, or a malformed-answer failure saying what makes it unusable. */
  static Registration toRegistration(RegisterTaskExecutorResponse response) {
    try {
      WireValidation.checkId("registration_id", response.getRegistrationId());
      WireValidation.checkFencingToken("fencing_token", response.hasFencingToken(), response.getFencingToken());
    } catch (StatusRuntimeException e) {
      throw ResourceManagerCallException.malformedAnswer(e.getStatus().getDescription());
    }
    return new Registration(response.getRegistrationId(), ProtoConversions.toDomain(response.getFencingToken()));
  }
}
