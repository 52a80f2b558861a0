package dev.pulse.te;

import dev.pulse.proto.v1.DisconnectResourceManagerRequest;
import dev.pulse.proto.v1.DisconnectTaskExecutorRequest;
import dev.pulse.proto.v1.DisconnectTaskExecutorResponse;
import dev.pulse.proto.v1.FencingToken;
import dev.pulse.proto.v1.FreeSlotRequest;
import dev.pulse.proto.v1.FreeSlotResponse;
import dev.pulse.proto.v1.HeartbeatRequest;
import dev.pulse.proto.v1.HeartbeatResponse;
import dev.pulse.proto.v1.LossReason;
import dev.pulse.proto.v1.RegisterTaskExecutorRequest;
import dev.pulse.proto.v1.RegisterTaskExecutorResponse;
import dev.pulse.proto.v1.RequestSlotRequest;
import dev.pulse.proto.v1.RequestSlotResponse;
import dev.pulse.proto.v1.ResourceManagerGatewayGrpc;
import dev.pulse.proto.v1.SendSlotReportRequest;
import dev.pulse.proto.v1.SendSlotReportResponse;
import dev.pulse.proto.v1.TaskExecutorGatewayGrpc;
import dev.pulse.rpc.ChannelPool;
import dev.pulse.rpc.RpcConfig;
import dev.pulse.rpc.RpcServer;
import dev.pulse.rpc.RpcTransport;
import dev.pulse.rpc.WireValidation;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A resource manager for loopback tests: a real gRPC server on a free loopback port that serves
 * {@code ResourceManagerGateway}, records every registration and goodbye, and can refuse the first
 * registrations. It also plays the resource manager's other half: it calls a registered task
 * executor's {@code TaskExecutorGateway} at the address the task executor advertised, through a real
 * channel, but only when the test says so (it sends no heartbeats by itself).
 *
 * <p>Thread-safe. {@link #close()} stops the server, the channels and the transport.
 */
public final class FakeResourceManager implements AutoCloseable {

  static final String RM_ID = "rm-fake";
  static final FencingToken TOKEN = FencingToken.newBuilder().setResourceManagerId(RM_ID).setLeaderEpoch(7).build();

  /** One {@code RegisterTaskExecutor} call, with the {@code System.nanoTime()} it arrived at. */
  record Registration(RegisterTaskExecutorRequest request, long arrivedAtNanos) {}

  private final RpcTransport transport;
  private final RpcServer server;
  private final ChannelPool channels;
  private final List<Registration> registrations = new CopyOnWriteArrayList<>();
  private final List<DisconnectTaskExecutorRequest> disconnects = new CopyOnWriteArrayList<>();
  private final AtomicInteger refusalsLeft = new AtomicInteger();
  private final Map<String, TaskExecutorGatewayGrpc.TaskExecutorGatewayBlockingStub> stubs = new ConcurrentHashMap<>();
  private volatile Status refusal = Status.UNAVAILABLE;

  public FakeResourceManager() {
    RpcTransport t = RpcTransport.create(RpcConfig.DEFAULTS, "fake-rm", 1);
    try {
      this.server = RpcServer.builder(t, new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))
          .addService(new Gateway())
          .start();
    } catch (RuntimeException e) {
      t.close();
      throw e;
    }
    this.transport = t;
    this.channels = new ChannelPool(transport);
  }

  public int port() {
    return server.port();
  }

  /** Refuses the next {@code n} registrations with {@code status}. */
  FakeResourceManager refuseNext(int n, Status status) {
    this.refusal = status;
    refusalsLeft.set(n);
    return this;
  }

  List<Registration> registrations() {
    return List.copyOf(registrations);
  }

  Registration lastRegistration() {
    return registrations.get(registrations.size() - 1);
  }

  /** The registration id answered to the n-th (1-based) registration. */
  static String registrationId(int n) {
    return "reg-" + n;
  }

  public List<DisconnectTaskExecutorRequest> disconnects() {
    return List.copyOf(disconnects);
  }

  // ------------------------------------------------------------------ calls to a task executor

  HeartbeatResponse heartbeat(RegisterTaskExecutorRequest to) {
    return heartbeat(to, TOKEN);
  }

  HeartbeatResponse heartbeat(RegisterTaskExecutorRequest to, FencingToken token) {
    return stub(to).requestHeartbeat(HeartbeatRequest.newBuilder()
        .setFencingToken(token).setTaskExecutor(to.getTaskExecutor()).build());
  }

  RequestSlotResponse requestSlot(RegisterTaskExecutorRequest to, int slot, String allocationId, String jobId) {
    return stub(to).requestSlot(RequestSlotRequest.newBuilder().setFencingToken(TOKEN)
        .setTaskExecutor(to.getTaskExecutor()).setSlotIndex(slot).setAllocationId(allocationId).setJobId(jobId)
        .build());
  }

  FreeSlotResponse freeSlot(RegisterTaskExecutorRequest to, String allocationId) {
    return stub(to).freeSlot(FreeSlotRequest.newBuilder().setFencingToken(TOKEN)
        .setTaskExecutor(to.getTaskExecutor()).setAllocationId(allocationId).setCause("test frees it").build());
  }

  void disconnectResourceManager(RegisterTaskExecutorRequest to, LossReason reason, String cause) {
    stub(to).disconnectResourceManager(DisconnectResourceManagerRequest.newBuilder().setFencingToken(TOKEN)
        .setTaskExecutor(to.getTaskExecutor()).setReason(reason).setCause(cause).build());
  }

  /** A generous deadline per call: a loaded test machine must not turn a slow connect into a failure. */
  private TaskExecutorGatewayGrpc.TaskExecutorGatewayBlockingStub stub(RegisterTaskExecutorRequest to) {
    return stubs.computeIfAbsent(to.getRpcAddress(),
            address -> TaskExecutorGatewayGrpc.newBlockingStub(channels.acquire(address).channel()))
        .withDeadlineAfter(10, TimeUnit.SECONDS);
  }

  @Override
  public void close() {
    try {
      server.close();
      channels.close();
    } finally {
      transport.close();
    }
  }

  /** The served {@code ResourceManagerGateway}. */
  private final class Gateway extends ResourceManagerGatewayGrpc.ResourceManagerGatewayImplBase {
    @Override
    public void registerTaskExecutor(RegisterTaskExecutorRequest request,
        StreamObserver<RegisterTaskExecutorResponse> observer) {
      try {
        WireValidation.check(request);
      } catch (StatusRuntimeException e) {
        observer.onError(e);
        return;
      }
      registrations.add(new Registration(request, System.nanoTime()));
      if (refusalsLeft.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
        observer.onError(refusal.asRuntimeException());
        return;
      }
      observer.onNext(RegisterTaskExecutorResponse.newBuilder()
          .setRegistrationId(registrationId(registrations.size())).setFencingToken(TOKEN).build());
      observer.onCompleted();
    }

    @Override
    public void sendSlotReport(SendSlotReportRequest request, StreamObserver<SendSlotReportResponse> observer) {
      observer.onNext(SendSlotReportResponse.getDefaultInstance());
      observer.onCompleted();
    }

    @Override
    public void disconnectTaskExecutor(DisconnectTaskExecutorRequest request,
        StreamObserver<DisconnectTaskExecutorResponse> observer) {
      disconnects.add(request);
      observer.onNext(DisconnectTaskExecutorResponse.getDefaultInstance());
      observer.onCompleted();
    }
  }
}
