package dev.pulse.te.grpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.pulse.heartbeat.HeartbeatConfig;
import dev.pulse.proto.v1.DisconnectResourceManagerRequest;
import dev.pulse.proto.v1.DisconnectResourceManagerResponse;
import dev.pulse.proto.v1.FreeSlotRequest;
import dev.pulse.proto.v1.HeartbeatRequest;
import dev.pulse.proto.v1.HeartbeatResponse;
import dev.pulse.proto.v1.LossReason;
import dev.pulse.proto.v1.RequestSlotRequest;
import dev.pulse.proto.v1.RequestSlotResponse;
import dev.pulse.proto.v1.TaskExecutorGatewayGrpc;
import dev.pulse.proto.v1.TaskExecutorGatewayGrpc.TaskExecutorGatewayBlockingStub;
import dev.pulse.proto.v1.TaskExecutorIdentity;
import dev.pulse.rpc.ChannelLease;
import dev.pulse.rpc.ChannelPool;
import dev.pulse.rpc.RpcConfig;
import dev.pulse.rpc.RpcTransport;
import dev.pulse.te.FencingToken;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/** The task executor's gateway service over a real loopback socket, called by a plain stub. */
class TaskExecutorGatewayServiceTest {

  private static final HeartbeatConfig CONFIG = HeartbeatConfig.of(Duration.ofSeconds(1), Duration.ofSeconds(30));
  private static final TaskExecutorIdentity ME =
      TaskExecutorIdentity.newBuilder().setResourceId("te-1").setInstanceId("instance-a").build();

  private final Deque<AutoCloseable> opened = new ArrayDeque<>();
  /** Operations called, each with whether it ran on the TE's main thread. */
  private final List<String> calls = new CopyOnWriteArrayList<>();
  private GatewaySide te;
  private TaskExecutorGatewayGrpc.TaskExecutorGatewayStub streamStub;

  @AfterEach
  void closeAll() throws Exception {
    while (!opened.isEmpty()) {
      opened.pop().close();
    }
  }

  @Test
  void requestHeartbeat_fromFollowedResourceManager_countsAsItsHeartbeatAndReturnsSlots() {
    TaskExecutorGatewayBlockingStub stub = start(new TaskExecutorOperations() {});
    assertThat(te.lastHeartbeatFromRm()).isZero();

    HeartbeatResponse response = stub.requestHeartbeat(heartbeat(ME));

    assertThat(response.getTaskExecutor()).isEqualTo(ME);
    assertThat(response.getSlotReport()).isEqualTo(GatewaySide.SLOTS_WIRE);
    assertThat(te.lastHeartbeatFromRm()).isPositive();
  }

  @Test
  void requestHeartbeat_meantForAnotherInstance_answersOwnIdentityOnly() {
    TaskExecutorGatewayBlockingStub stub = start(new TaskExecutorOperations() {});

    HeartbeatResponse response = stub.requestHeartbeat(heartbeat(ME.toBuilder().setInstanceId("instance-old").build()));

    assertThat(response.getTaskExecutor()).isEqualTo(ME);
    assertThat(response.hasSlotReport()).isFalse();
    assertThat(te.lastHeartbeatFromRm()).as("not a heartbeat from the RM this TE follows").isZero();
  }

  @Test
  void requestHeartbeat_manyMeantForOthers_oneLogLine() {
    TaskExecutorGatewayBlockingStub stub = start(new TaskExecutorOperations() {});
    ch.qos.logback.classic.Logger logger =
        (ch.qos.logback.classic.Logger) LoggerFactory.getLogger(TaskExecutorGatewayService.class);
    ListAppender<ILoggingEvent> lines = new ListAppender<>();
    Level levelBefore = logger.getLevel();
    lines.start();
    logger.addAppender(lines);
    logger.setLevel(Level.INFO);
    try {
      for (int i = 0; i < 50; i++) {
        stub.requestHeartbeat(heartbeat(ME.toBuilder().setInstanceId("instance-" + i).build()));
      }
    } finally {
      logger.detachAppender(lines);
      logger.setLevel(levelBefore);
    }

    assertThat(lines.list).singleElement().satisfies(e -> assertThat(e.getFormattedMessage())
        .startsWith("Answered 1 heartbeat(s) meant for another task executor or instance")
        .contains("meant for task executor te-1 instance instance-0"));
  }

  @Test
  void requestHeartbeat_staleEpoch_failedPrecondition() {
    TaskExecutorGatewayBlockingStub stub = start(new TaskExecutorOperations() {});
    te.acceptedToken = new FencingToken("rm-1", GatewaySide.TOKEN.getLeaderEpoch() + 1);

    Status status = statusOf(() -> stub.requestHeartbeat(heartbeat(ME)));

    assertThat(status.getCode()).isEqualTo(Status.Code.FAILED_PRECONDITION);
    assertThat(status.getDescription()).startsWith("stale fencing token");
    assertThat(te.lastHeartbeatFromRm()).isZero();
  }

  @Test
  void requestHeartbeat_sameResourceManagerNewerEpoch_refusedAndReportedAsItsRestart() {
    TaskExecutorGatewayBlockingStub stub = start(new TaskExecutorOperations() {});
    te.acceptedToken = new FencingToken("rm-1", GatewaySide.TOKEN.getLeaderEpoch() - 1);

    Status status = statusOf(() -> stub.requestHeartbeat(heartbeat(ME)));

    assertThat(status.getCode()).isEqualTo(Status.Code.FAILED_PRECONDITION);
    assertThat(te.restartsSeen).containsExactly(ProtoConversions.toDomain(GatewaySide.TOKEN));
    assertThat(te.lastHeartbeatFromRm()).isZero();
  }

  @Test
  void requestHeartbeat_otherResourceManagerOrOlderEpoch_notARestart() {
    TaskExecutorGatewayBlockingStub stub = start(new TaskExecutorOperations() {});
    te.acceptedToken = new FencingToken("rm-other", GatewaySide.TOKEN.getLeaderEpoch() - 1);
    statusOf(() -> stub.requestHeartbeat(heartbeat(ME)));
    te.acceptedToken = new FencingToken("rm-1", GatewaySide.TOKEN.getLeaderEpoch() + 1);
    statusOf(() -> stub.requestHeartbeat(heartbeat(ME)));

    assertThat(te.restartsSeen).isEmpty();
  }

  @Test
  void requestHeartbeat_notRegistered_failedPrecondition() {
    TaskExecutorGatewayBlockingStub stub = start(new TaskExecutorOperations() {});
    te.acceptedToken = null;

    Status status = statusOf(() -> stub.requestHeartbeat(heartbeat(ME)));

    assertThat(status.getCode()).isEqualTo(Status.Code.FAILED_PRECONDITION);
    assertThat(status.getDescription()).contains("not registered");
  }

  @Test
  void otherCalls_byDefault_unimplemented() {
    TaskExecutorGatewayBlockingStub stub = start(new TaskExecutorOperations() {});

    Status status = statusOf(() -> stub.requestSlot(requestSlot(ME)));

    assertThat(status.getCode()).isEqualTo(Status.Code.UNIMPLEMENTED);
    assertThat(status.getDescription()).contains("pulse.v1.TaskExecutorGateway/RequestSlot");
    assertThat(statusOf(() -> stub.freeSlot(freeSlot(ME))).getCode()).isEqualTo(Status.Code.UNIMPLEMENTED);
    assertThat(statusOf(() -> stub.disconnectResourceManager(disconnect(ME))).getCode())
        .isEqualTo(Status.Code.UNIMPLEMENTED);
  }

  @Test
  void otherCalls_admitted_runOnMainThread() {
    TaskExecutorGatewayBlockingStub stub = start(new TaskExecutorOperations() {
      @Override
      public CompletableFuture<RequestSlotResponse> requestSlot(RequestSlotRequest request) {
        calls.add("requestSlot " + request.getAllocationId() + " onMain=" + te.main.isInMainThread());
        return CompletableFuture.completedFuture(RequestSlotResponse.newBuilder().setSlotReport(GatewaySide.SLOTS_WIRE).build());
      }

      @Override
      public CompletableFuture<DisconnectResourceManagerResponse> disconnectResourceManager(
          DisconnectResourceManagerRequest request) {
        calls.add("disconnect " + request.getReason() + " onMain=" + te.main.isInMainThread());
        // Completes later, on another thread: the answer waits for it.
        return CompletableFuture.supplyAsync(DisconnectResourceManagerResponse::getDefaultInstance,
            CompletableFuture.delayedExecutor(50, TimeUnit.MILLISECONDS));
      }
    });

    assertThat(stub.requestSlot(requestSlot(ME)).getSlotReport()).isEqualTo(GatewaySide.SLOTS_WIRE);
    assertThat(stub.disconnectResourceManager(disconnect(ME))).isEqualTo(DisconnectResourceManagerResponse.getDefaultInstance());
    assertThat(calls).containsExactly("requestSlot alloc-2 onMain=true", "disconnect LOSS_REASON_HEARTBEAT_TIMEOUT onMain=true");
  }

  @Test
  void otherCalls_wrongInstanceOrStaleToken_refusedBeforeOperations() {
    TaskExecutorGatewayBlockingStub stub = start(new TaskExecutorOperations() {
      @Override
      public CompletableFuture<RequestSlotResponse> requestSlot(RequestSlotRequest request) {
        calls.add("requestSlot");
        return CompletableFuture.completedFuture(RequestSlotResponse.getDefaultInstance());
      }
    });

    Status wrongInstance = statusOf(() -> stub.requestSlot(requestSlot(ME.toBuilder().setInstanceId("instance-old").build())));
    te.acceptedToken = new FencingToken("rm-1", GatewaySide.TOKEN.getLeaderEpoch() + 1);
    Status stale = statusOf(() -> stub.requestSlot(requestSlot(ME)));

    assertThat(wrongInstance.getCode()).isEqualTo(Status.Code.FAILED_PRECONDITION);
    assertThat(wrongInstance.getDescription()).contains("instance-old", "instance-a");
    assertThat(stale.getCode()).isEqualTo(Status.Code.FAILED_PRECONDITION);
    assertThat(calls).isEmpty();
  }

  @Test
  void otherCalls_operationThrows_internalWithCause() {
    TaskExecutorGatewayBlockingStub stub = start(new TaskExecutorOperations() {
      @Override
      public CompletableFuture<RequestSlotResponse> requestSlot(RequestSlotRequest request) {
        throw new IllegalStateException("slot table corrupt");
      }
    });

    Status status = statusOf(() -> stub.requestSlot(requestSlot(ME)));

    assertThat(status.getCode()).isEqualTo(Status.Code.INTERNAL);
    assertThat(status.getDescription()).contains("RequestSlot failed", "slot table corrupt");
  }

  @Test
  void anyCall_mainThreadStopped_unavailable() {
    TaskExecutorGatewayBlockingStub stub = start(new TaskExecutorOperations() {});
    te.main.close();

    Status status = statusOf(() -> stub.requestHeartbeat(heartbeat(ME)));

    assertThat(status.getCode()).isEqualTo(Status.Code.UNAVAILABLE);
    assertThat(status.getDescription()).contains("shutting down");
  }

  @Test
  void heartbeatStream_answersEveryRequestInOrder_andCompletesAfterTheLastWhenTheCallerDoes() throws Exception {
    start(new TaskExecutorOperations() {});
    StreamRecorder recorder = new StreamRecorder();
    StreamObserver<HeartbeatRequest> requests = streamStub.heartbeatStream(recorder);

    requests.onNext(heartbeat(ME));
    requests.onNext(heartbeat(ME.toBuilder().setInstanceId("instance-old").build()));
    requests.onNext(heartbeat(ME));
    requests.onCompleted();

    assertThat(recorder.closed.get(10, TimeUnit.SECONDS).getCode()).isEqualTo(Status.Code.OK);
    assertThat(recorder.responses).extracting(HeartbeatResponse::hasSlotReport).containsExactly(true, false, true);
    assertThat(recorder.responses).allSatisfy(r -> assertThat(r.getTaskExecutor()).isEqualTo(ME));
    assertThat(recorder.responses.get(0).getSlotReport()).isEqualTo(GatewaySide.SLOTS_WIRE);
    assertThat(te.lastHeartbeatFromRm()).isPositive();
  }

  @Test
  void heartbeatStream_refusedRequest_endsTheStreamWithItsStatus() throws Exception {
    start(new TaskExecutorOperations() {});
    StreamRecorder recorder = new StreamRecorder();
    StreamObserver<HeartbeatRequest> requests = streamStub.heartbeatStream(recorder);
    requests.onNext(heartbeat(ME));
    await().atMost(Duration.ofSeconds(10)).until(() -> recorder.responses.size() == 1);
    te.acceptedToken = new FencingToken("rm-1", GatewaySide.TOKEN.getLeaderEpoch() + 1);

    requests.onNext(heartbeat(ME));

    Status status = recorder.closed.get(10, TimeUnit.SECONDS);
    assertThat(status.getCode()).isEqualTo(Status.Code.FAILED_PRECONDITION);
    assertThat(status.getDescription()).startsWith("stale fencing token");
    assertThat(recorder.responses).hasSize(1);
  }

  @Test
  void heartbeatStream_malformedRequest_endsTheStreamInvalidArgument() throws Exception {
    start(new TaskExecutorOperations() {});
    StreamRecorder recorder = new StreamRecorder();
    StreamObserver<HeartbeatRequest> requests = streamStub.heartbeatStream(recorder);

    requests.onNext(heartbeat(ME.toBuilder().setInstanceId("no spaces").build()));

    Status status = recorder.closed.get(10, TimeUnit.SECONDS);
    assertThat(status.getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(status.getDescription()).contains("instance_id");
    assertThat(te.lastHeartbeatFromRm()).isZero();
  }

  @Test
  void heartbeatStream_moreRequestsWaitingThanTheBound_endsTheStreamResourceExhausted() throws Exception {
    start(new TaskExecutorOperations() {});
    CountDownLatch release = new CountDownLatch(1);
    te.main.execute(() -> {
      try {
        release.await();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    });
    opened.push(release::countDown);
    StreamRecorder recorder = new StreamRecorder();
    StreamObserver<HeartbeatRequest> requests = streamStub.heartbeatStream(recorder);

    for (int i = 0; i <= TaskExecutorGatewayService.MAX_WAITING_HEARTBEATS; i++) {
      requests.onNext(heartbeat(ME));
    }
    // Every request has reached the TE once each has put a task on its blocked main thread.
    await().atMost(Duration.ofSeconds(10))
        .until(() -> te.main.queuedTasks() >= TaskExecutorGatewayService.MAX_WAITING_HEARTBEATS + 1);
    release.countDown();

    Status status = recorder.closed.get(10, TimeUnit.SECONDS);
    assertThat(status.getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
    assertThat(status.getDescription()).contains("more than 16 HeartbeatStream requests");
    assertThat(recorder.responses).hasSize(TaskExecutorGatewayService.MAX_WAITING_HEARTBEATS);
  }

  /** Records a heartbeat stream's answers and how it ended. */
  private static final class StreamRecorder implements StreamObserver<HeartbeatResponse> {
    final List<HeartbeatResponse> responses = new CopyOnWriteArrayList<>();
    final CompletableFuture<Status> closed = new CompletableFuture<>();

    @Override
    public void onNext(HeartbeatResponse value) {
      responses.add(value);
    }

    @Override
    public void onError(Throwable t) {
      closed.complete(Status.fromThrowable(t));
    }

    @Override
    public void onCompleted() {
      closed.complete(Status.OK);
    }
  }

  private TaskExecutorGatewayBlockingStub start(TaskExecutorOperations operations) {
    te = register(new GatewaySide("te-1", "instance-a", CONFIG, operations));
    RpcTransport client = register(RpcTransport.create(RpcConfig.DEFAULTS, "client"));
    ChannelPool channels = register(new ChannelPool(client));
    ChannelLease lease = register(channels.acquire(te.address()));
    streamStub = TaskExecutorGatewayGrpc.newStub(lease.channel()).withDeadlineAfter(30, TimeUnit.SECONDS);
    return TaskExecutorGatewayGrpc.newBlockingStub(lease.channel()).withDeadlineAfter(10, TimeUnit.SECONDS);
  }

  private <T extends AutoCloseable> T register(T resource) {
    opened.push(resource);
    return resource;
  }

  static HeartbeatRequest heartbeat(TaskExecutorIdentity addressee) {
    return HeartbeatRequest.newBuilder().setFencingToken(GatewaySide.TOKEN).setTaskExecutor(addressee).build();
  }

  private static RequestSlotRequest requestSlot(TaskExecutorIdentity addressee) {
    return RequestSlotRequest.newBuilder().setFencingToken(GatewaySide.TOKEN).setTaskExecutor(addressee)
        .setSlotIndex(1).setAllocationId("alloc-2").setJobId("job-2").build();
  }

  private static FreeSlotRequest freeSlot(TaskExecutorIdentity addressee) {
    return FreeSlotRequest.newBuilder().setFencingToken(GatewaySide.TOKEN).setTaskExecutor(addressee)
        .setAllocationId("alloc-1").build();
  }

  private static DisconnectResourceManagerRequest disconnect(TaskExecutorIdentity addressee) {
    return DisconnectResourceManagerRequest.newBuilder().setFencingToken(GatewaySide.TOKEN).setTaskExecutor(addressee)
        .setReason(LossReason.LOSS_REASON_HEARTBEAT_TIMEOUT).setCause("test").build();
  }

  static Status statusOf(ThrowingCallable call) {
    StatusRuntimeException e = catchThrowableOfType(StatusRuntimeException.class, call);
    assertThat(e).as("the call should have failed").isNotNull();
    return e.getStatus();
  }
}
