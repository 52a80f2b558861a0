package dev.pulse.rpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.pulse.heartbeat.HeartbeatConfig;
import dev.pulse.heartbeat.ResourceId;
import dev.pulse.heartbeat.RpcFailureKind;
import dev.pulse.heartbeat.time.ScheduledMainThreadExecutor;
import dev.pulse.proto.v1.HeartbeatRequest;
import dev.pulse.proto.v1.HeartbeatResponse;
import dev.pulse.proto.v1.OpenHeartbeatStreamRequest;
import dev.pulse.proto.v1.OpenHeartbeatStreamResponse;
import dev.pulse.proto.v1.ResourceManagerGatewayGrpc;
import dev.pulse.proto.v1.SlotReport;
import dev.pulse.proto.v1.SlotStatus;
import dev.pulse.proto.v1.SlotState;
import dev.pulse.proto.v1.TaskExecutorIdentity;
import io.grpc.Status;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import io.grpc.stub.StreamObserver;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The heartbeat stream a task executor opens to the resource manager ({@link HeartbeatTransport#INBOUND_STREAM}),
 * over real loopback sockets: {@link InboundHeartbeatStreams} serving {@code OpenHeartbeatStream} and an inbound
 * {@link GrpcHeartbeatTarget}, driven by a scripted task executor that opens, answers and ends streams when the
 * test says.
 */
class InboundHeartbeatStreamsTest {

  private static final Duration WAIT = Duration.ofSeconds(15);
  private static final ResourceId TE = ResourceId.of("te-1");
  private static final String INSTANCE = "instance-a";
  private static final String REGISTRATION = "registration-1";

  private final Closer closer = new Closer();
  private final InboundHeartbeatStreams streams = new InboundHeartbeatStreams();
  /** What the resource manager says of a stream's registration; current by default. */
  private volatile InboundHeartbeatStreams.RegistrationCheck registrations =
      (resourceId, registrationId) -> CompletableFuture.completedFuture(null);
  private ScheduledMainThreadExecutor main;
  private ChannelPool channels;
  private String rmAddress;

  @BeforeEach
  void startResourceManagerSide() {
    main = closer.register(new ScheduledMainThreadExecutor("rm-main"));
    RpcTransport transport = closer.register(RpcTransport.create(RpcConfig.DEFAULTS, "rm", 1));
    RpcServer server = closer.register(RpcServer.builder(transport,
        new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))
        .addService(new ResourceManagerGatewayGrpc.ResourceManagerGatewayImplBase() {
          @Override
          public StreamObserver<OpenHeartbeatStreamRequest> openHeartbeatStream(
              StreamObserver<OpenHeartbeatStreamResponse> responses) {
            return streams.accept(responses, (resourceId, registrationId) ->
                registrations.check(resourceId, registrationId), failure -> Status.fromThrowable(failure)
                .asRuntimeException());
          }
        }).executor(Runnable::run).start());
    rmAddress = "127.0.0.1:" + server.port();
    channels = closer.register(new ChannelPool(closer.register(RpcTransport.create(RpcConfig.DEFAULTS, "te", 1))));
  }

  @AfterEach
  void closeAll() {
    closer.close();
  }

  @Test
  void aRequestBeforeTheStream_waitsForIt_thenGoesDownIt_andItsAnswerIsReportedOnTheTransportThread()
      throws Exception {
    GrpcHeartbeatTarget<Integer> target = target();
    RecordingAnswer answer = new RecordingAnswer();

    target.requestHeartbeat(RmSide.RM_ID, null, answer);
    ScriptedTe te = open(REGISTRATION, INSTANCE);
    HeartbeatRequest request = te.nextRequest();
    te.answer(3);

    assertThat(request.getFencingToken()).isEqualTo(RmSide.TOKEN);
    assertThat(request.getTaskExecutor().getResourceId()).isEqualTo(TE.value());
    assertThat(request.getTaskExecutor().getInstanceId()).isEqualTo(INSTANCE);
    assertThat(answer.awaitReport()).isEqualTo(3);
    assertThat(answer.thread).doesNotContain("rm-main");
    assertThat(streams.targets()).isEqualTo(1);
  }

  @Test
  void theLateAnswerToARequestTheSenderEnded_isDropped_andTheNextAnswerIsTheNextRequests() throws Exception {
    GrpcHeartbeatTarget<Integer> target = target();
    ScriptedTe te = open(REGISTRATION, INSTANCE);
    RecordingAnswer first = new RecordingAnswer();
    RecordingAnswer second = new RecordingAnswer();

    target.requestHeartbeat(RmSide.RM_ID, null, first);
    te.nextRequest();
    target.requestHeartbeat(RmSide.RM_ID, null, second); // the sender ended the first: its deadline was the interval
    te.nextRequest();
    te.answer(1); // the first request's answer, late
    te.answer(2);

    assertThat(second.awaitReport()).isEqualTo(2);
    assertThat(second.reports.get()).isEqualTo(1);
    assertThat(first.reports.get()).as("a request the sender ended is not reported by the target").isZero();
  }

  @Test
  void aRequestThatIsNeverAnswered_shiftsNothing_theNextAnswerCountsForItsOwnRequest() throws Exception {
    GrpcHeartbeatTarget<Integer> target = target();
    ScriptedTe te = open(REGISTRATION, INSTANCE);
    RecordingAnswer second = new RecordingAnswer();

    target.requestHeartbeat(RmSide.RM_ID, null, new RecordingAnswer());
    te.nextRequest();
    te.skip(); // lost on the way, or a task executor that let it go: no answer ever comes
    target.requestHeartbeat(RmSide.RM_ID, null, second);
    te.nextRequest();
    te.answer(2);

    assertThat(second.awaitReport()).isEqualTo(2);
  }

  @Test
  void requestsCarryIncreasingSequenceNumbers_andAnAnswerWithAnotherNumberIsDropped() throws Exception {
    GrpcHeartbeatTarget<Integer> target = target();
    ScriptedTe te = open(REGISTRATION, INSTANCE);
    RecordingAnswer answer = new RecordingAnswer();
    target.requestHeartbeat(RmSide.RM_ID, null, new RecordingAnswer());
    te.nextRequest();
    target.requestHeartbeat(RmSide.RM_ID, null, answer);
    te.nextRequest();

    long[] numbers = te.sequences();
    te.answerAs(numbers[1] + 1, 7); // a number nobody was given
    te.answerAs(numbers[1], 3);

    assertThat(numbers[1]).isGreaterThan(numbers[0]);
    assertThat(answer.awaitReport()).isEqualTo(3);
    assertThat(answer.reports.get()).isEqualTo(1);
  }

  @Test
  void afterAStreamEnded_requestsGoAsUnaryCalls_unreachableWhereNobodyListens_untilANewStreamTakesOver()
      throws Exception {
    GrpcHeartbeatTarget<Integer> target = target(); // its gateway address, 127.0.0.1:1, refuses connections
    ScriptedTe te = open(REGISTRATION, INSTANCE);
    RecordingAnswer waiting = askedDown(target, te);

    te.cancel();

    assertThat(waiting.awaitFailure()).as("the request in flight, asked again by a unary call").satisfies(f -> {
      assertThat(f.kind()).isEqualTo(RpcFailureKind.UNREACHABLE);
      assertThat(f.getMessage()).contains("task executor te-1 at 127.0.0.1:1", "UNAVAILABLE");
    });
    RecordingAnswer meanwhile = new RecordingAnswer();
    target.requestHeartbeat(RmSide.RM_ID, null, meanwhile);
    assertThat(meanwhile.awaitFailure().kind()).isEqualTo(RpcFailureKind.UNREACHABLE);
    assertThat(channels.openChannels()).as("the channel of the calls made instead").isEqualTo(1);

    ScriptedTe again = open(REGISTRATION, INSTANCE);
    RecordingAnswer[] probe = new RecordingAnswer[1];
    // The new stream is taken once its registration checked out; until then requests are still unary calls.
    await().atMost(WAIT).until(() -> {
      probe[0] = new RecordingAnswer();
      target.requestHeartbeat(RmSide.RM_ID, null, probe[0]);
      return again.requests.poll(200, TimeUnit.MILLISECONDS) != null;
    });
    again.requests.clear(); // the last probe's own request is the one to answer
    again.answerAs(again.lastSequence, 4);
    assertThat(probe[0].awaitReport()).isEqualTo(4);
    assertThat(channels.openChannels()).as("released once a stream took over").isZero();
  }

  @Test
  void aStreamTheTaskExecutorCloses_isCompletedByTheResourceManager_andItsRequestIsAskedByAUnaryCall()
      throws Exception {
    GrpcHeartbeatTarget<Integer> target = target();
    ScriptedTe te = open(REGISTRATION, INSTANCE);
    RecordingAnswer waiting = askedDown(target, te);

    te.halfClose();

    assertThat(te.awaitEnd().getCode()).isEqualTo(Status.Code.OK);
    assertThat(waiting.awaitFailure().kind()).as("nobody at its gateway's address").isEqualTo(RpcFailureKind.UNREACHABLE);
  }

  @Test
  void closingTheTargetWhileItCallsInsteadOfAStream_releasesTheChannelOfThoseCalls() throws Exception {
    GrpcHeartbeatTarget<Integer> target = target();
    ScriptedTe te = open(REGISTRATION, INSTANCE);
    RecordingAnswer waiting = askedDown(target, te);
    te.cancel();
    waiting.awaitFailure();
    assertThat(channels.openChannels()).isEqualTo(1);

    target.close();

    assertThat(channels.openChannels()).isZero();
  }

  @Test
  void aTaskExecutorThatIsOnlyReconnecting_answersTheUnaryCallsMadeMeanwhile() throws Exception {
    HeartbeatConfig config = config();
    TeSide gateway = closer.register(new TeSide(TE.value(), INSTANCE, config, RpcConfig.DEFAULTS, 0));
    GrpcHeartbeatTarget<Integer> target = target(gateway.address());
    ScriptedTe te = open(REGISTRATION, INSTANCE);
    RecordingAnswer waiting = askedDown(target, te);

    te.cancel();

    assertThat(waiting.awaitReport()).as("answered by the task executor's gateway").isEqualTo(
        TeSide.SLOTS.getSlotsCount());
    assertThat(gateway.lastHeartbeatFromRm()).isPositive();
  }

  @Test
  void aNewerStreamOfTheRegistration_replacesTheOlder_whichEndsCancelled_andTheWaitingRequestIsSentAgain()
      throws Exception {
    GrpcHeartbeatTarget<Integer> target = target();
    ScriptedTe older = open(REGISTRATION, INSTANCE);
    RecordingAnswer answer = askedDown(target, older);

    ScriptedTe newer = open(REGISTRATION, INSTANCE);

    assertThat(older.awaitEnd().getCode()).isEqualTo(Status.Code.CANCELLED);
    newer.nextRequest();
    newer.answer(5);
    assertThat(answer.awaitReport()).isEqualTo(5);
  }

  @Test
  void closingTheTarget_endsItsStreamAsNoLongerMonitored_failsTheWaitingRequestAsClosed_andForgetsIt()
      throws Exception {
    GrpcHeartbeatTarget<Integer> target = target();
    ScriptedTe te = open(REGISTRATION, INSTANCE);
    RecordingAnswer answer = askedDown(target, te);

    target.close();

    Status end = te.awaitEnd();
    assertThat(end.getCode()).isEqualTo(Status.Code.FAILED_PRECONDITION);
    assertThat(end.getDescription()).contains("no longer monitors");
    assertThat(answer.awaitFailure()).satisfies(f -> {
      assertThat(f.kind()).isEqualTo(RpcFailureKind.OTHER);
      assertThat(f.getMessage()).contains("is closed");
    });
    assertThat(streams.targets()).isZero();
    assertThat(open(REGISTRATION, INSTANCE).awaitEnd().getCode()).isEqualTo(Status.Code.FAILED_PRECONDITION);
  }

  @Test
  void anAnswerFromAnotherInstance_failsAsRestarted() throws Exception {
    GrpcHeartbeatTarget<Integer> target = target();
    ScriptedTe te = open(REGISTRATION, INSTANCE);
    RecordingAnswer answer = askedDown(target, te);

    te.send(OpenHeartbeatStreamRequest.newBuilder().setSequence(te.sequences()[0]).setHeartbeat(HeartbeatResponse
        .newBuilder().setTaskExecutor(TaskExecutorIdentity.newBuilder().setResourceId(TE.value())
            .setInstanceId("instance-b")).setSlotReport(slots(1))).build());

    assertThat(answer.awaitFailure().kind()).isEqualTo(RpcFailureKind.RESTARTED);
  }

  @Test
  void aStreamOfARegistrationThatIsNotCurrent_isRefusedWithTheResourceManagersStatus() throws Exception {
    target();
    registrations = (resourceId, registrationId) -> CompletableFuture.failedFuture(
        Status.FAILED_PRECONDITION.withDescription("registration " + registrationId + " of " + resourceId
            + " is stale").asRuntimeException());

    Status end = open("registration-0", INSTANCE).awaitEnd();

    assertThat(end.getCode()).isEqualTo(Status.Code.FAILED_PRECONDITION);
    assertThat(end.getDescription()).isEqualTo("registration registration-0 of te-1 is stale");
  }

  @Test
  void aStreamForATaskExecutorOrInstanceNotMonitored_isRefusedAsAFailedPrecondition() throws Exception {
    target();

    Status otherInstance = open(REGISTRATION, "instance-b").awaitEnd();
    Status unknown = openAs("te-2", REGISTRATION, INSTANCE).awaitEnd();

    assertThat(otherInstance.getCode()).isEqualTo(Status.Code.FAILED_PRECONDITION);
    assertThat(otherInstance.getDescription()).contains("te-1", "instance-b");
    assertThat(unknown.getCode()).isEqualTo(Status.Code.FAILED_PRECONDITION);
    assertThat(unknown.getDescription()).contains("te-2");
  }

  @Test
  void aMalformedOpening_isRefusedAsAnInvalidArgumentNamingTheField() throws Exception {
    target();
    AtomicInteger checks = new AtomicInteger();
    registrations = (resourceId, registrationId) -> {
      checks.incrementAndGet();
      return CompletableFuture.completedFuture(null);
    };

    Status badId = open("not a valid id!", INSTANCE).awaitEnd();
    ScriptedTe withHeartbeat = new ScriptedTe();
    withHeartbeat.send(OpenHeartbeatStreamRequest.newBuilder().setRegistrationId(REGISTRATION)
        .setTaskExecutor(identity(TE.value(), INSTANCE)).setHeartbeat(HeartbeatResponse.getDefaultInstance()).build());
    ScriptedTe noIdentity = new ScriptedTe();
    noIdentity.send(OpenHeartbeatStreamRequest.newBuilder().setRegistrationId(REGISTRATION).build());

    assertThat(badId.getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(badId.getDescription()).contains("registration_id");
    assertThat(withHeartbeat.awaitEnd().getDescription()).contains("heartbeat");
    assertThat(noIdentity.awaitEnd().getDescription()).contains("task_executor");
    assertThat(checks).as("nothing malformed reaches the resource manager").hasValue(0);
  }

  @Test
  void theFactory_needsTheRegistryForInboundStreams_andTheTargetHoldsNoChannel() {
    assertThat(org.assertj.core.api.Assertions.catchThrowable(() -> new GrpcHeartbeatTarget.Factory<>(channels,
        RmSide.TOKEN, config(), SlotReport::getSlotsCount, (id, s) -> { }, main, HeartbeatTransport.INBOUND_STREAM)))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("registry");

    target();

    assertThat(channels.openChannels()).as("no channel for the target while it waits for its stream").isZero();
  }

  // ------------------------------------------------------------------ helpers

  private static HeartbeatConfig config() {
    return HeartbeatConfig.of(Duration.ofMillis(100), Duration.ofSeconds(10));
  }

  /**
   * An inbound target for te-1 / instance-a whose payload is the slot count, its gateway at a port where
   * nobody listens; closed after the test.
   */
  private GrpcHeartbeatTarget<Integer> target() {
    return target("127.0.0.1:1");
  }

  private GrpcHeartbeatTarget<Integer> target(String gatewayAddress) {
    GrpcHeartbeatTarget<Integer> target = new GrpcHeartbeatTarget.Factory<>(channels, RmSide.TOKEN, config(),
        SlotReport::getSlotsCount, (id, slots) -> { }, main, HeartbeatTransport.INBOUND_STREAM, streams)
        .create(TE, INSTANCE, gatewayAddress);
    closer.register(target::close);
    return target;
  }

  /** Asks {@code target} for a heartbeat and takes the request off {@code te}'s stream, unanswered. */
  private static RecordingAnswer askedDown(GrpcHeartbeatTarget<Integer> target, ScriptedTe te)
      throws InterruptedException {
    RecordingAnswer answer = new RecordingAnswer();
    target.requestHeartbeat(RmSide.RM_ID, null, answer);
    te.nextRequest();
    return answer;
  }

  private ScriptedTe open(String registrationId, String instanceId) {
    return openAs(TE.value(), registrationId, instanceId);
  }

  private ScriptedTe openAs(String resourceId, String registrationId, String instanceId) {
    ScriptedTe te = new ScriptedTe();
    te.send(OpenHeartbeatStreamRequest.newBuilder().setRegistrationId(registrationId)
        .setTaskExecutor(identity(resourceId, instanceId)).build());
    return te;
  }

  private static TaskExecutorIdentity identity(String resourceId, String instanceId) {
    return TaskExecutorIdentity.newBuilder().setResourceId(resourceId).setInstanceId(instanceId).build();
  }

  private static SlotReport slots(int n) {
    SlotReport.Builder report = SlotReport.newBuilder();
    for (int i = 0; i < n; i++) {
      report.addSlots(SlotStatus.newBuilder().setSlotIndex(i).setState(SlotState.SLOT_STATE_FREE));
    }
    return report.build();
  }

  /** A task executor's side of one heartbeat stream, on its own connection, doing what the test says. */
  private final class ScriptedTe implements ClientResponseObserver<OpenHeartbeatStreamRequest, OpenHeartbeatStreamResponse> {
    final BlockingQueue<OpenHeartbeatStreamResponse> requests = new LinkedBlockingQueue<>();
    /** Sequence numbers of the requests taken and not answered yet, oldest first; all taken, in order. */
    private final java.util.Deque<Long> unanswered = new java.util.ArrayDeque<>();
    private final java.util.List<Long> taken = new java.util.ArrayList<>();
    /** The sequence number of the last request that came down. */
    volatile long lastSequence;
    final CompletableFuture<Status> end = new CompletableFuture<>();
    private ClientCallStreamObserver<OpenHeartbeatStreamRequest> up;

    ScriptedTe() {
      ChannelPool own = closer.register(new ChannelPool(closer.register(RpcTransport.create(RpcConfig.DEFAULTS,
          "te", 1))));
      ResourceManagerGatewayGrpc.newStub(own.acquire(rmAddress).channel()).openHeartbeatStream(this);
      closer.register(() -> {
        if (!end.isDone()) {
          up.cancel("test over", null);
        }
      });
    }

    @Override
    public void beforeStart(ClientCallStreamObserver<OpenHeartbeatStreamRequest> requestStream) {
      up = requestStream;
    }

    @Override
    public void onNext(OpenHeartbeatStreamResponse value) {
      lastSequence = value.getSequence();
      requests.add(value);
    }

    @Override
    public void onError(Throwable t) {
      end.complete(Status.fromThrowable(t));
    }

    @Override
    public void onCompleted() {
      end.complete(Status.OK);
    }

    synchronized void send(OpenHeartbeatStreamRequest message) {
      up.onNext(message);
    }

    /** Answers the oldest request taken and not answered yet, as a task executor does. */
    void answer(int slotCount) {
      answerAs(unanswered.removeFirst(), slotCount);
    }

    void answerAs(long sequence, int slotCount) {
      send(OpenHeartbeatStreamRequest.newBuilder().setSequence(sequence).setHeartbeat(HeartbeatResponse.newBuilder()
          .setTaskExecutor(identity(TE.value(), INSTANCE)).setSlotReport(slots(slotCount))).build());
    }

    /** Lets the oldest request taken go unanswered. */
    void skip() {
      unanswered.removeFirst();
    }

    long[] sequences() {
      return taken.stream().mapToLong(Long::longValue).toArray();
    }

    synchronized void cancel() {
      up.cancel("the task executor went away", null);
    }

    synchronized void halfClose() {
      up.onCompleted();
    }

    /** Takes the next request that came down the stream. */
    HeartbeatRequest nextRequest() throws InterruptedException {
      OpenHeartbeatStreamResponse request = requests.poll(WAIT.toSeconds(), TimeUnit.SECONDS);
      assertThat(request).as("a heartbeat request down the stream").isNotNull();
      unanswered.addLast(request.getSequence());
      taken.add(request.getSequence());
      return request.getHeartbeat();
    }

    Status awaitEnd() throws Exception {
      return end.get(WAIT.toSeconds(), TimeUnit.SECONDS);
    }
  }
}
