package dev.pulse.rpc;

import static dev.pulse.heartbeat.TestingHeartbeatListener.Kind.PAYLOAD;
import static dev.pulse.heartbeat.TestingHeartbeatListener.Kind.RESTARTED;
import static dev.pulse.heartbeat.TestingHeartbeatListener.Kind.TIMEOUT;
import static dev.pulse.heartbeat.TestingHeartbeatListener.Kind.UNREACHABLE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.awaitility.Awaitility.await;

import dev.pulse.heartbeat.HeartbeatConfig;
import dev.pulse.heartbeat.HeartbeatRpcException;
import dev.pulse.heartbeat.HeartbeatStats;
import dev.pulse.heartbeat.ResourceId;
import dev.pulse.heartbeat.RpcFailureKind;
import dev.pulse.proto.v1.HeartbeatRequest;
import dev.pulse.proto.v1.HeartbeatResponse;
import dev.pulse.proto.v1.TaskExecutorGatewayGrpc;
import dev.pulse.proto.v1.TaskExecutorIdentity;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The resource manager's heartbeat sender talking to task executors over real loopback sockets,
 * through {@link GrpcHeartbeatTarget} and {@link TestingTaskExecutorGateway}: each way a task
 * executor can fail ends in the right core callback. The transports the resource manager dials; the stream
 * a task executor opens itself ({@link HeartbeatTransport#INBOUND_STREAM}) is {@link InboundHeartbeatStreamsTest}'s.
 */
class GrpcHeartbeatTargetTest {

  private static final Duration WAIT = Duration.ofSeconds(15);
  private static final ResourceId TE = ResourceId.of("te-1");

  private final Closer closer = new Closer();

  @AfterEach
  void closeAll() {
    closer.close();
  }

  @ParameterizedTest
  @EnumSource(value = HeartbeatTransport.class, mode = EnumSource.Mode.EXCLUDE, names = "INBOUND_STREAM")
  void requestHeartbeat_answered_reportsSlotReportAndSucceeds(HeartbeatTransport transport) {
    HeartbeatConfig config = HeartbeatConfig.of(Duration.ofMillis(100), Duration.ofSeconds(10));
    TeSide te = closer.register(new TeSide("te-1", "instance-a", config, RpcConfig.DEFAULTS, 0));
    RmSide rm = closer.register(new RmSide(config, RpcConfig.DEFAULTS, transport));

    rm.monitor(TE, "instance-a", te.address());

    await().atMost(WAIT).until(() -> rm.events(PAYLOAD).size() >= 3);
    assertThat(rm.events(PAYLOAD)).allSatisfy(e -> {
      assertThat(e.resourceId()).isEqualTo(TE);
      assertThat(e.payload()).isEqualTo(TeSide.SLOTS);
    });
    HeartbeatStats stats = rm.stats();
    assertThat(stats.rpcSuccesses()).isGreaterThanOrEqualTo(3);
    assertThat(stats.rpcUnreachable() + stats.rpcRestarted() + stats.rpcOther()).isZero();
    assertThat(te.lastHeartbeatFromRm()).as("the TE counts the RM's requests as its heartbeats").isPositive();
    assertThat(rm.events(TIMEOUT)).isEmpty();
  }

  @ParameterizedTest
  @EnumSource(value = HeartbeatTransport.class, mode = EnumSource.Mode.EXCLUDE, names = "INBOUND_STREAM")
  void requestHeartbeat_portClosed_failsUnreachableUntilTargetIsLost(HeartbeatTransport transport) {
    HeartbeatConfig config = HeartbeatConfig.of(Duration.ofMillis(100), Duration.ofSeconds(10));
    TeSide te = closer.register(new TeSide("te-1", "instance-a", config, RpcConfig.DEFAULTS, 0));
    RmSide rm = closer.register(new RmSide(config, RpcConfig.DEFAULTS, transport));
    rm.monitor(TE, "instance-a", te.address());
    await().atMost(WAIT).until(() -> !rm.events(PAYLOAD).isEmpty());

    te.close();

    await().atMost(WAIT).until(() -> !rm.events(UNREACHABLE).isEmpty());
    assertThat(rm.events(UNREACHABLE)).singleElement().satisfies(e -> assertThat(e.resourceId()).isEqualTo(TE));
    assertThat(rm.stats().rpcUnreachable()).isGreaterThanOrEqualTo(config.rpcFailureThreshold());
    assertThat(rm.events(TIMEOUT)).isEmpty();
    await().atMost(WAIT).until(() -> rm.channels.liveChannels() == 0);
  }

  @ParameterizedTest
  @EnumSource(value = HeartbeatTransport.class, mode = EnumSource.Mode.EXCLUDE, names = "INBOUND_STREAM")
  void requestHeartbeat_peerAcceptsButNeverAnswers_exceedsDeadlineAndTimesOut(HeartbeatTransport transport) throws Exception {
    HeartbeatConfig config = HeartbeatConfig.of(Duration.ofMillis(100), Duration.ofMillis(800));
    // Bound and listening, never accepting: the kernel completes connections and nobody speaks, as with
    // a frozen process.
    ServerSocketChannel silent = closer.register(ServerSocketChannel.open()
        .bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0)));
    RmSide rm = closer.register(new RmSide(config, RpcConfig.DEFAULTS, transport));

    rm.monitor(TE, "instance-a", "127.0.0.1:" + ((InetSocketAddress) silent.getLocalAddress()).getPort());

    await().atMost(WAIT).until(() -> !rm.events(TIMEOUT).isEmpty());
    HeartbeatStats stats = rm.stats();
    assertThat(stats.rpcDeadlineExceeded()).isPositive();
    assertThat(stats.rpcUnreachable()).as("a hung peer is the timeout's job").isZero();
    assertThat(rm.events(UNREACHABLE)).isEmpty();
  }

  @ParameterizedTest
  @EnumSource(value = HeartbeatTransport.class, mode = EnumSource.Mode.EXCLUDE, names = "INBOUND_STREAM")
  void requestHeartbeat_taskExecutorMainThreadBlocked_timesOutWhileTransportStillAnswers(HeartbeatTransport transport) throws Exception {
    HeartbeatConfig config = HeartbeatConfig.of(Duration.ofMillis(100), Duration.ofMillis(800));
    TeSide te = closer.register(new TeSide("te-1", "instance-a", config, RpcConfig.DEFAULTS, 0));
    RmSide rm = closer.register(new RmSide(config, RpcConfig.DEFAULTS, transport));
    rm.monitor(TE, "instance-a", te.address());
    await().atMost(WAIT).until(() -> !rm.events(PAYLOAD).isEmpty());

    CountDownLatch release = blockMainThread(te);

    await().atMost(WAIT).until(() -> !rm.events(TIMEOUT).isEmpty());
    assertThat(rm.stats().rpcDeadlineExceeded()).isPositive();
    assertThat(rm.events(UNREACHABLE)).isEmpty();

    // The gRPC side of the TE is not stuck: a call it can answer without the main thread is answered.
    ChannelLease lease = closer.register(rm.channels.acquire(te.address()));
    HeartbeatRequest malformed = HeartbeatRequest.newBuilder().setFencingToken(RmSide.TOKEN)
        .setTaskExecutor(TaskExecutorIdentity.newBuilder().setResourceId("te-1").setInstanceId("no spaces"))
        .build();
    StatusRuntimeException refused = catchThrowableOfType(StatusRuntimeException.class,
        () -> TaskExecutorGatewayGrpc.newBlockingStub(lease.channel()).withDeadlineAfter(5, TimeUnit.SECONDS)
            .requestHeartbeat(malformed));
    assertThat(refused.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
  }

  @ParameterizedTest
  @EnumSource(value = HeartbeatTransport.class, mode = EnumSource.Mode.EXCLUDE, names = "INBOUND_STREAM")
  void requestHeartbeat_newInstanceAtSameAddress_firesRestarted(HeartbeatTransport transport) throws Exception {
    // The unreachable rule is off: between the two processes the port refuses connections for a moment.
    HeartbeatConfig config = HeartbeatConfig.of(Duration.ofMillis(100), Duration.ofSeconds(10))
        .withRpcFailureThreshold(-1);
    TeSide first = new TeSide("te-1", "instance-a", config, RpcConfig.DEFAULTS, 0);
    RmSide rm = closer.register(new RmSide(config, RpcConfig.DEFAULTS, transport));
    int port = first.server.port();
    try (first) {
      rm.monitor(TE, "instance-a", first.address());
      await().atMost(WAIT).until(() -> !rm.events(PAYLOAD).isEmpty());
    }

    TeSide second = closer.register(new TeSide("te-1", "instance-b", config, RpcConfig.DEFAULTS, port));

    await().atMost(WAIT).until(() -> !rm.events(RESTARTED).isEmpty());
    assertThat(rm.events(RESTARTED)).singleElement().satisfies(e -> assertThat(e.resourceId()).isEqualTo(TE));
    assertThat(rm.events(TIMEOUT)).isEmpty();
    HeartbeatRpcException failure = failureOf(rm.requestOnce(TE, "instance-a", second.address()));
    assertThat(failure.kind()).isEqualTo(RpcFailureKind.RESTARTED);
    assertThat(failure.getMessage()).contains("instance-a", "instance-b");
  }

  @ParameterizedTest
  @EnumSource(value = HeartbeatTransport.class, mode = EnumSource.Mode.EXCLUDE, names = "INBOUND_STREAM")
  void requestHeartbeat_anotherTaskExecutorAtAddress_failsUnreachable(HeartbeatTransport transport) {
    HeartbeatConfig config = HeartbeatConfig.of(Duration.ofMillis(100), Duration.ofSeconds(10));
    TeSide other = closer.register(new TeSide("te-2", "instance-x", config, RpcConfig.DEFAULTS, 0));
    RmSide rm = closer.register(new RmSide(config, RpcConfig.DEFAULTS, transport));

    rm.monitor(TE, "instance-a", other.address());

    await().atMost(WAIT).until(() -> !rm.events(UNREACHABLE).isEmpty());
    assertThat(rm.events(PAYLOAD)).isEmpty();
    assertThat(rm.events(RESTARTED)).isEmpty();
    HeartbeatRpcException failure = failureOf(rm.requestOnce(TE, "instance-a", other.address()));
    assertThat(failure.kind()).isEqualTo(RpcFailureKind.UNREACHABLE);
    assertThat(failure.getMessage()).contains("te-1", "te-2");
  }

  @ParameterizedTest
  @EnumSource(value = HeartbeatTransport.class, mode = EnumSource.Mode.EXCLUDE, names = "INBOUND_STREAM")
  void requestHeartbeat_staleFencingToken_failsAsOtherAndTimesOut(HeartbeatTransport transport) {
    HeartbeatConfig config = HeartbeatConfig.of(Duration.ofMillis(100), Duration.ofMillis(800));
    TeSide te = closer.register(new TeSide("te-1", "instance-a", config, RpcConfig.DEFAULTS, 0));
    te.acceptedToken = RmSide.TOKEN.toBuilder().setLeaderEpoch(RmSide.TOKEN.getLeaderEpoch() + 1).build();
    RmSide rm = closer.register(new RmSide(config, RpcConfig.DEFAULTS, transport));

    HeartbeatRpcException failure = failureOf(rm.requestOnce(TE, "instance-a", te.address()));
    assertThat(failure.kind()).isEqualTo(RpcFailureKind.OTHER);
    assertThat(failure.getMessage()).contains("FAILED_PRECONDITION", "stale fencing token");

    rm.monitor(TE, "instance-a", te.address());
    await().atMost(WAIT).until(() -> !rm.events(TIMEOUT).isEmpty());
    assertThat(te.lastHeartbeatFromRm()).as("a deposed leader's requests are not the RM's heartbeats").isZero();
  }

  @ParameterizedTest
  @EnumSource(value = HeartbeatTransport.class, mode = EnumSource.Mode.EXCLUDE, names = "INBOUND_STREAM")
  void requestHeartbeat_withAnswer_reportsTheConvertedPayloadOnce_onTheTransportThread_andFailsOnceClosed(
      HeartbeatTransport transport) throws Exception {
    HeartbeatConfig config = HeartbeatConfig.of(Duration.ofSeconds(5), Duration.ofSeconds(10));
    TeSide te = closer.register(new TeSide("te-1", "instance-a", config, RpcConfig.DEFAULTS, 0));
    RmSide rm = closer.register(new RmSide(config, RpcConfig.DEFAULTS, transport));
    GrpcHeartbeatTarget<Integer> target = new GrpcHeartbeatTarget.Factory<>(rm.channels, RmSide.TOKEN, config,
        report -> report.getSlotsCount(), (id, slots) -> {
          throw new AssertionError("the answer path does not go through Answers");
        }, rm.main, transport).create(TE, "instance-a", te.address());
    closer.register(target::close);
    assertThat(target.senderEndsRequestsAtDeadline()).isEqualTo(transport == HeartbeatTransport.STREAM);
    RecordingAnswer answer = new RecordingAnswer();

    target.requestHeartbeat(RmSide.RM_ID, null, answer);

    assertThat(answer.reported.await(WAIT.toSeconds(), TimeUnit.SECONDS)).isTrue();
    assertThat(answer.payload).isEqualTo(TeSide.SLOTS.getSlotsCount());
    assertThat(answer.failure).isNull();
    assertThat(answer.thread).as("reported where it was received, not on the RM's main thread")
        .isNotEqualTo("rm-main");

    target.close();
    RecordingAnswer afterClose = new RecordingAnswer();
    target.requestHeartbeat(RmSide.RM_ID, null, afterClose);
    assertThat(afterClose.reported.await(WAIT.toSeconds(), TimeUnit.SECONDS)).isTrue();
    assertThat(afterClose.failure).isInstanceOfSatisfying(HeartbeatRpcException.class,
        f -> assertThat(f.kind()).isEqualTo(RpcFailureKind.OTHER));
  }

  @Test
  void stream_carriesEveryHeartbeatOfTheSender_onOneStream() {
    HeartbeatConfig config = HeartbeatConfig.of(Duration.ofMillis(50), Duration.ofSeconds(10));
    TeSide te = closer.register(new TeSide("te-1", "instance-a", config, RpcConfig.DEFAULTS, 0));
    RmSide rm = closer.register(new RmSide(config, RpcConfig.DEFAULTS, HeartbeatTransport.STREAM));

    rm.monitor(TE, "instance-a", te.address());
    // The first request also waits for the connection, which may take longer than an interval.
    await().atMost(WAIT).until(() -> !rm.events(PAYLOAD).isEmpty());
    int streams = te.service.streamsOpened();
    long failures = rm.stats().rpcDeadlineExceeded() + rm.stats().rpcOther() + rm.stats().rpcUnreachable();
    int heard = rm.events(PAYLOAD).size();

    await().atMost(WAIT).until(() -> rm.events(PAYLOAD).size() >= heard + 10);

    long failuresSince = rm.stats().rpcDeadlineExceeded() + rm.stats().rpcOther() + rm.stats().rpcUnreachable()
        - failures;
    assertThat(te.service.streamsOpened() - streams)
        .as("streams opened during 10 heartbeats (%s of them failed)", failuresSince).isEqualTo(failuresSince);
  }

  @Test
  void stream_requestUnansweredWhenTheNextIsSent_isDroppedUnreported_andTheNextOpensANewStream()
      throws Exception {
    HeartbeatConfig config = HeartbeatConfig.of(Duration.ofSeconds(5), Duration.ofSeconds(10));
    TeSide te = closer.register(new TeSide("te-1", "instance-a", config, RpcConfig.DEFAULTS, 0));
    RmSide rm = closer.register(new RmSide(config, RpcConfig.DEFAULTS));
    GrpcHeartbeatTarget<Integer> target = target(rm, config, HeartbeatTransport.STREAM, te.address());
    CountDownLatch release = blockMainThread(te);
    RecordingAnswer first = new RecordingAnswer();
    target.requestHeartbeat(RmSide.RM_ID, null, first);
    await().atMost(WAIT).until(() -> te.service.streamsOpened() == 1);

    RecordingAnswer second = new RecordingAnswer();
    target.requestHeartbeat(RmSide.RM_ID, null, second);

    release.countDown();
    assertThat(second.reported.await(WAIT.toSeconds(), TimeUnit.SECONDS)).isTrue();
    assertThat(second.failure).isNull();
    assertThat(second.payload).isEqualTo(TeSide.SLOTS.getSlotsCount());
    assertThat(te.service.streamsOpened()).as("the late request's stream was cancelled").isEqualTo(2);
    await().atMost(WAIT).until(() -> te.service.streamsCancelled() == 1);
    RecordingAnswer third = new RecordingAnswer();
    target.requestHeartbeat(RmSide.RM_ID, null, third);
    assertThat(third.reported.await(WAIT.toSeconds(), TimeUnit.SECONDS)).isTrue();
    assertThat(third.failure).isNull();
    assertThat(first.reports.get()).as("the sender fails the first itself").isZero();
    assertThat(second.reports.get() + third.reports.get()).isEqualTo(2);
    assertThat(te.service.streamsOpened()).isEqualTo(2);
  }

  @Test
  void stream_toATaskExecutorThatDoesNotServeIt_fallsBackToUnaryCalls() throws Exception {
    HeartbeatConfig config = HeartbeatConfig.of(Duration.ofMillis(100), Duration.ofSeconds(10));
    // An older task executor: RequestHeartbeat only.
    String oldTeAddress = serve(new TaskExecutorGatewayGrpc.TaskExecutorGatewayImplBase() {
      @Override
      public void requestHeartbeat(HeartbeatRequest request, StreamObserver<HeartbeatResponse> observer) {
        observer.onNext(HeartbeatResponse.newBuilder().setTaskExecutor(request.getTaskExecutor())
            .setSlotReport(TeSide.SLOTS).build());
        observer.onCompleted();
      }
    });
    RmSide rm = closer.register(new RmSide(config, RpcConfig.DEFAULTS, HeartbeatTransport.STREAM));

    rm.monitor(TE, "instance-a", oldTeAddress);

    await().atMost(WAIT).until(() -> rm.events(PAYLOAD).size() >= 5);
    assertThat(rm.stats().rpcOther()).as("the one stream answered UNIMPLEMENTED").isEqualTo(1);
    assertThat(rm.events(TIMEOUT)).isEmpty();
  }

  @Test
  void stream_closedWithARequestUnanswered_failsItAsClosed_andCancelsTheStream_whileTheChannelStaysLeased()
      throws Exception {
    HeartbeatConfig config = HeartbeatConfig.of(Duration.ofSeconds(5), Duration.ofSeconds(10));
    TeSide te = closer.register(new TeSide("te-1", "instance-a", config, RpcConfig.DEFAULTS, 0));
    RmSide rm = closer.register(new RmSide(config, RpcConfig.DEFAULTS));
    // The connector's lease on the same channel (slot calls): closing the heartbeat target alone does not shut
    // the channel down, so only the target's own cancel ends its stream.
    ChannelLease other = rm.channels.acquire(te.address());
    closer.register(other::close);
    GrpcHeartbeatTarget<Integer> target = target(rm, config, HeartbeatTransport.STREAM, te.address());
    CountDownLatch release = blockMainThread(te);
    RecordingAnswer unanswered = new RecordingAnswer();
    target.requestHeartbeat(RmSide.RM_ID, null, unanswered);
    await().atMost(WAIT).until(() -> te.service.streamsOpened() == 1);

    target.close();

    assertThat(unanswered.reported.await(WAIT.toSeconds(), TimeUnit.SECONDS)).isTrue();
    assertThat(unanswered.failure).isInstanceOfSatisfying(HeartbeatRpcException.class, f -> {
      assertThat(f.kind()).isEqualTo(RpcFailureKind.OTHER);
      assertThat(f.getMessage()).contains("closed");
    });
    await().atMost(WAIT).until(() -> te.service.streamsCancelled() == 1);
    assertThat(rm.channels.openChannels()).as("still leased by the other holder").isEqualTo(1);
    release.countDown();
    assertThat(unanswered.reports.get()).isEqualTo(1);
  }

  @Test
  void unaryFallback_aCallAnsweredAfterANewerOneWasMade_isNotReported() throws Exception {
    HeartbeatConfig config = HeartbeatConfig.of(Duration.ofSeconds(5), Duration.ofSeconds(10));
    CountDownLatch releaseFirst = new CountDownLatch(1);
    CountDownLatch firstAnswered = new CountDownLatch(1);
    closer.register(releaseFirst::countDown);
    java.util.concurrent.atomic.AtomicInteger calls = new java.util.concurrent.atomic.AtomicInteger();
    // An older task executor (RequestHeartbeat only) that holds its first call's answer until released.
    String oldTeAddress = serve(new TaskExecutorGatewayGrpc.TaskExecutorGatewayImplBase() {
      @Override
      public void requestHeartbeat(HeartbeatRequest request, StreamObserver<HeartbeatResponse> observer) {
        HeartbeatResponse response = HeartbeatResponse.newBuilder().setTaskExecutor(request.getTaskExecutor())
            .setSlotReport(TeSide.SLOTS).build();
        if (calls.incrementAndGet() == 1) {
          CompletableFuture.runAsync(() -> {
            awaitQuietly(releaseFirst);
            observer.onNext(response);
            observer.onCompleted();
            firstAnswered.countDown();
          });
        } else {
          observer.onNext(response);
          observer.onCompleted();
        }
      }
    });
    RmSide rm = closer.register(new RmSide(config, RpcConfig.DEFAULTS));
    GrpcHeartbeatTarget<Integer> target = target(rm, config, HeartbeatTransport.STREAM, oldTeAddress);
    RecordingAnswer onTheStream = new RecordingAnswer();
    target.requestHeartbeat(RmSide.RM_ID, null, onTheStream);
    assertThat(onTheStream.reported.await(WAIT.toSeconds(), TimeUnit.SECONDS)).isTrue();
    assertThat(onTheStream.failure).as("UNIMPLEMENTED").isInstanceOf(HeartbeatRpcException.class);

    RecordingAnswer late = new RecordingAnswer();
    target.requestHeartbeat(RmSide.RM_ID, null, late); // a unary call now, held by the task executor
    await().atMost(WAIT).until(() -> calls.get() == 1);
    RecordingAnswer newer = new RecordingAnswer();
    target.requestHeartbeat(RmSide.RM_ID, null, newer); // the sender ended the first at its turn, asks again
    assertThat(newer.reported.await(WAIT.toSeconds(), TimeUnit.SECONDS)).isTrue();
    assertThat(newer.failure).isNull();
    releaseFirst.countDown();
    assertThat(firstAnswered.await(WAIT.toSeconds(), TimeUnit.SECONDS)).isTrue();
    // Asked after the late answer was written on the same connection: answered after it arrived.
    RecordingAnswer after = new RecordingAnswer();
    target.requestHeartbeat(RmSide.RM_ID, null, after);
    assertThat(after.reported.await(WAIT.toSeconds(), TimeUnit.SECONDS)).isTrue();

    assertThat(late.reports.get()).as("the late answer of a call a newer one replaced").isZero();
    assertThat(newer.reports.get() + after.reports.get()).isEqualTo(2);
  }

  @ParameterizedTest
  @EnumSource(value = HeartbeatTransport.class, mode = EnumSource.Mode.EXCLUDE, names = "INBOUND_STREAM")
  void requestHeartbeat_answerWithoutSlotReport_failsAsMalformed(HeartbeatTransport transport) throws Exception {
    assertMalformedAnswerFails(transport, request -> HeartbeatResponse.newBuilder()
        .setTaskExecutor(request.getTaskExecutor()).build(), "slot_report");
  }

  @ParameterizedTest
  @EnumSource(value = HeartbeatTransport.class, mode = EnumSource.Mode.EXCLUDE, names = "INBOUND_STREAM")
  void requestHeartbeat_answerFromAMalformedIdentity_failsAsMalformed(HeartbeatTransport transport)
      throws Exception {
    assertMalformedAnswerFails(transport, request -> HeartbeatResponse.newBuilder()
        .setTaskExecutor(TaskExecutorIdentity.newBuilder().setResourceId("te 1\n").setInstanceId("instance-a"))
        .setSlotReport(TeSide.SLOTS).build(), "resource_id");
  }

  /** Outside the sender a heartbeat is one unary call on either transport; the stream's target here. */
  @Test
  void requestHeartbeat_outsideTheSender_passesTheAnswerToTheFactorysReceiver_onTheMainThread() throws Exception {
    HeartbeatConfig config = HeartbeatConfig.of(Duration.ofSeconds(5), Duration.ofSeconds(10));
    TeSide te = closer.register(new TeSide("te-1", "instance-a", config, RpcConfig.DEFAULTS, 0));
    RmSide rm = closer.register(new RmSide(config, RpcConfig.DEFAULTS));
    java.util.List<String> received = new java.util.concurrent.CopyOnWriteArrayList<>();
    GrpcHeartbeatTarget<Integer> target = new GrpcHeartbeatTarget.Factory<>(rm.channels, RmSide.TOKEN, config,
        report -> report.getSlotsCount(),
        (id, slots) -> received.add(id.value() + " " + slots + " " + Thread.currentThread().getName()),
        rm.main, HeartbeatTransport.STREAM).create(TE, "instance-a", te.address());
    closer.register(target::close);

    target.requestHeartbeat(RmSide.RM_ID, null).get(WAIT.toSeconds(), TimeUnit.SECONDS);

    assertThat(received).containsExactly("te-1 " + TeSide.SLOTS.getSlotsCount() + " rm-main");
  }

  @Test
  void factory_refusesAMalformedFencingToken() {
    HeartbeatConfig config = HeartbeatConfig.of(Duration.ofSeconds(1), Duration.ofSeconds(10));
    RmSide rm = closer.register(new RmSide(config, RpcConfig.DEFAULTS));

    IllegalArgumentException refused = catchThrowableOfType(IllegalArgumentException.class,
        () -> new GrpcHeartbeatTarget.Factory<Integer>(rm.channels, RmSide.TOKEN.toBuilder().setLeaderEpoch(0).build(),
            config, report -> report.getSlotsCount(), (id, slots) -> { }, rm.main, HeartbeatTransport.STREAM));

    assertThat(refused).hasMessageContaining("leader_epoch");
  }

  /** A task executor that answers every heartbeat, on either method, with {@code answer}: the RM refuses it. */
  private void assertMalformedAnswerFails(HeartbeatTransport transport,
      java.util.function.Function<HeartbeatRequest, HeartbeatResponse> answer, String named) throws Exception {
    HeartbeatConfig config = HeartbeatConfig.of(Duration.ofSeconds(1), Duration.ofSeconds(10));
    String badTeAddress = serve(new TaskExecutorGatewayGrpc.TaskExecutorGatewayImplBase() {
      @Override
      public void requestHeartbeat(HeartbeatRequest request, StreamObserver<HeartbeatResponse> observer) {
        observer.onNext(answer.apply(request));
        observer.onCompleted();
      }

      @Override
      public StreamObserver<HeartbeatRequest> heartbeatStream(StreamObserver<HeartbeatResponse> responses) {
        return new StreamObserver<>() {
          @Override
          public void onNext(HeartbeatRequest request) {
            responses.onNext(answer.apply(request));
          }

          @Override
          public void onError(Throwable t) {
          }

          @Override
          public void onCompleted() {
            responses.onCompleted();
          }
        };
      }
    });
    RmSide rm = closer.register(new RmSide(config, RpcConfig.DEFAULTS));
    GrpcHeartbeatTarget<Integer> target = target(rm, config, transport, badTeAddress);
    RecordingAnswer answered = new RecordingAnswer();

    target.requestHeartbeat(RmSide.RM_ID, null, answered);

    assertThat(answered.reported.await(WAIT.toSeconds(), TimeUnit.SECONDS)).isTrue();
    assertThat(answered.payload).isNull();
    assertThat(answered.failure).isInstanceOfSatisfying(HeartbeatRpcException.class, f -> {
      assertThat(f.kind()).isEqualTo(RpcFailureKind.OTHER);
      assertThat(f.getMessage()).contains("malformed heartbeat", named);
    });
  }

  @ParameterizedTest
  @EnumSource(value = HeartbeatTransport.class, mode = EnumSource.Mode.EXCLUDE, names = "INBOUND_STREAM")
  void unmonitor_closesTheChannel(HeartbeatTransport transport) {
    HeartbeatConfig config = HeartbeatConfig.of(Duration.ofMillis(100), Duration.ofSeconds(10));
    TeSide te = closer.register(new TeSide("te-1", "instance-a", config, RpcConfig.DEFAULTS, 0));
    RmSide rm = closer.register(new RmSide(config, RpcConfig.DEFAULTS, transport));
    rm.monitor(TE, "instance-a", te.address());
    await().atMost(WAIT).until(() -> !rm.events(PAYLOAD).isEmpty());
    assertThat(rm.channels.openChannels()).isEqualTo(1);

    rm.unmonitor(TE);

    assertThat(rm.channels.openChannels()).isZero();
    await().atMost(WAIT).until(() -> rm.channels.liveChannels() == 0);
  }

  /**
   * A heartbeat target in {@code rm}'s channel pool whose payload is the slot count, answers outside the
   * sender dropped; closed after the test.
   */
  private GrpcHeartbeatTarget<Integer> target(RmSide rm, HeartbeatConfig config, HeartbeatTransport transport,
      String address) {
    GrpcHeartbeatTarget<Integer> target = new GrpcHeartbeatTarget.Factory<>(rm.channels, RmSide.TOKEN, config,
        report -> report.getSlotsCount(), (id, slots) -> { }, rm.main, transport).create(TE, "instance-a", address);
    closer.register(target::close);
    return target;
  }

  /**
   * Blocks {@code te}'s main thread until the returned latch is counted down, at the latest when the test ends
   * (before the task executor closes, so that its main thread can stop).
   */
  private CountDownLatch blockMainThread(TeSide te) throws InterruptedException {
    CountDownLatch release = new CountDownLatch(1);
    CountDownLatch blocked = new CountDownLatch(1);
    te.main.execute(() -> {
      blocked.countDown();
      awaitQuietly(release);
    });
    closer.register(release::countDown);
    assertThat(blocked.await(10, TimeUnit.SECONDS)).isTrue();
    return release;
  }

  /** Serves {@code gateway} (a task executor of the test's own: an older version, a broken one) on loopback. */
  private String serve(TaskExecutorGatewayGrpc.TaskExecutorGatewayImplBase gateway) {
    RpcTransport transport = closer.register(RpcTransport.create(RpcConfig.DEFAULTS, "test-te", 1));
    RpcServer server = closer.register(RpcServer.builder(transport,
        new InetSocketAddress(InetAddress.getLoopbackAddress(), 0)).addService(gateway).start());
    return "127.0.0.1:" + server.port();
  }

  static HeartbeatRpcException failureOf(CompletableFuture<Void> future) {
    try {
      future.get(10, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      assertThat(e.getCause()).isInstanceOf(HeartbeatRpcException.class);
      return (HeartbeatRpcException) e.getCause();
    } catch (Exception e) {
      throw new AssertionError("the heartbeat request neither failed nor succeeded in time", e);
    }
    throw new AssertionError("the heartbeat request succeeded");
  }

  private static void awaitQuietly(CountDownLatch latch) {
    try {
      latch.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
