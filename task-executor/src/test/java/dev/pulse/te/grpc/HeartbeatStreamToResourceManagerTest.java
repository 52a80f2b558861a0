package dev.pulse.te.grpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.pulse.heartbeat.HeartbeatTarget;
import dev.pulse.heartbeat.ResourceId;
import dev.pulse.heartbeat.time.ScheduledMainThreadExecutor;
import dev.pulse.proto.v1.HeartbeatRequest;
import dev.pulse.proto.v1.HeartbeatResponse;
import dev.pulse.proto.v1.OpenHeartbeatStreamRequest;
import dev.pulse.proto.v1.OpenHeartbeatStreamResponse;
import dev.pulse.proto.v1.ResourceManagerGatewayGrpc;
import dev.pulse.proto.v1.TaskExecutorIdentity;
import dev.pulse.rpc.ChannelPool;
import dev.pulse.rpc.RpcConfig;
import dev.pulse.rpc.RpcServer;
import dev.pulse.rpc.RpcTransport;
import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The heartbeat stream a task executor opens to its resource manager, against a scripted resource manager on a
 * loopback server: what it sends first, how its requests are answered (by the task executor's real gateway
 * service, on its main thread), and when it is opened again and when not.
 */
class HeartbeatStreamToResourceManagerTest {

  private static final Duration WAIT = Duration.ofSeconds(15);
  private static final TaskExecutorIdentity IDENTITY =
      TaskExecutorIdentity.newBuilder().setResourceId("te-1").setInstanceId("instance-a").build();

  private final Deque<AutoCloseable> opened = new ArrayDeque<>();
  /** Each stream the task executor opened, in order. */
  private final BlockingQueue<RmStream> streams = new LinkedBlockingQueue<>();
  private ScheduledMainThreadExecutor main;
  private TaskExecutorGatewayService gateway;
  private ChannelPool channels;
  private String rmAddress;

  @BeforeEach
  void start() {
    main = open(new ScheduledMainThreadExecutor("te-main"));
    gateway = TaskExecutorGatewayService.builder()
        .identity(ResourceId.of(IDENTITY.getResourceId()), IDENTITY.getInstanceId())
        .mainThread(main)
        .heartbeatManager(HeartbeatTarget.noOp())
        .acceptedToken(() -> ProtoConversions.toDomain(GatewaySide.TOKEN))
        .slotReport(() -> GatewaySide.SLOTS)
        .build();
    RpcTransport rmTransport = open(RpcTransport.create(RpcConfig.DEFAULTS, "rm", 1));
    RpcServer server = open(RpcServer.builder(rmTransport, new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))
        .addService(new ResourceManagerGatewayGrpc.ResourceManagerGatewayImplBase() {
          @Override
          public StreamObserver<OpenHeartbeatStreamRequest> openHeartbeatStream(
              StreamObserver<OpenHeartbeatStreamResponse> responses) {
            RmStream stream = new RmStream((ServerCallStreamObserver<OpenHeartbeatStreamResponse>) responses);
            streams.add(stream);
            return stream;
          }
        }).executor(Runnable::run).start());
    rmAddress = "127.0.0.1:" + server.port();
    channels = open(new ChannelPool(open(RpcTransport.create(RpcConfig.DEFAULTS, "te", 1))));
  }

  @AfterEach
  void closeAll() throws Exception {
    while (!opened.isEmpty()) {
      opened.pop().close();
    }
  }

  @Test
  void opensWithItsRegistration_andAnswersEachRequestInOrder_asTheGatewayDoes() throws Exception {
    heartbeatStream();

    RmStream rm = nextStream();
    rm.request(GatewaySide.TOKEN);
    rm.request(GatewaySide.TOKEN);

    assertThat(rm.opening.getRegistrationId()).isEqualTo("registration-1");
    assertThat(rm.opening.getTaskExecutor()).isEqualTo(IDENTITY);
    assertThat(rm.opening.hasHeartbeat()).isFalse();
    for (long sequence = 1; sequence <= 2; sequence++) {
      OpenHeartbeatStreamRequest answer = rm.nextAnswerMessage();
      assertThat(answer.getSequence()).as("carries its request's number").isEqualTo(sequence * 10);
      assertThat(answer.getHeartbeat().getTaskExecutor()).isEqualTo(IDENTITY);
      assertThat(answer.getHeartbeat().getSlotReport()).isEqualTo(GatewaySide.SLOTS_WIRE);
    }
  }

  @Test
  void aStreamTheResourceManagerEnds_isOpenedAgain_withTheSameRegistration() throws Exception {
    heartbeatStream();
    RmStream first = nextStream();

    first.end(Status.UNAVAILABLE.withDescription("the resource manager is going away"));

    RmStream second = nextStream();
    assertThat(second.opening).isEqualTo(first.opening);
    second.request(GatewaySide.TOKEN);
    assertThat(second.nextAnswer().getTaskExecutor()).isEqualTo(IDENTITY);
  }

  @Test
  void aRequestTheTaskExecutorRefuses_endsTheStreamFromItsSide_andItIsOpenedAgain() throws Exception {
    heartbeatStream();
    RmStream first = nextStream();

    first.request(GatewaySide.TOKEN.toBuilder().setLeaderEpoch(1).build()); // a deposed leader's token

    assertThat(first.awaitEnd().getCode()).isEqualTo(Status.Code.CANCELLED);
    RmStream second = nextStream();
    assertThat(second.opening.getRegistrationId()).isEqualTo("registration-1");
  }

  @Test
  void aRegistrationTheResourceManagerNoLongerKnows_endsTheStreamForGood() throws Exception {
    HeartbeatStreamToResourceManager stream = heartbeatStream();
    RmStream first = nextStream();

    first.end(Status.FAILED_PRECONDITION.withDescription("registration registration-1 of te-1 is stale"));

    await().atMost(WAIT).until(stream::closedForGood);
    assertThat(streams).as("not opened again").isEmpty();
  }

  @Test
  void close_cancelsTheOpenStream_andOpensNoOther() throws Exception {
    HeartbeatStreamToResourceManager stream = heartbeatStream();
    RmStream first = nextStream();

    stream.close();

    assertThat(first.awaitEnd().getCode()).isEqualTo(Status.Code.CANCELLED);
    assertThat(stream.closedForGood()).isTrue();
    assertThat(streams).isEmpty();
  }

  private HeartbeatStreamToResourceManager heartbeatStream() {
    return open(HeartbeatStreamToResourceManager.open(channels.acquire(rmAddress), "registration-1",
        IDENTITY, main, gateway::heartbeatStream, rmAddress));
  }

  private RmStream nextStream() throws Exception {
    RmStream stream = streams.poll(WAIT.toSeconds(), TimeUnit.SECONDS);
    assertThat(stream).as("a heartbeat stream opened by the task executor").isNotNull();
    assertThat(stream.opened.get(WAIT.toSeconds(), TimeUnit.SECONDS)).isTrue();
    return stream;
  }

  private <T extends AutoCloseable> T open(T resource) {
    opened.push(resource);
    return resource;
  }

  /** The resource manager's side of one stream: its opening, the answers, and how it ended. */
  private static final class RmStream implements StreamObserver<OpenHeartbeatStreamRequest> {
    private final ServerCallStreamObserver<OpenHeartbeatStreamResponse> down;
    private final BlockingQueue<OpenHeartbeatStreamRequest> answers = new LinkedBlockingQueue<>();
    private long sequence; // guarded by this
    private final CompletableFuture<Status> end = new CompletableFuture<>();
    final CompletableFuture<Boolean> opened = new CompletableFuture<>();
    volatile OpenHeartbeatStreamRequest opening;

    RmStream(ServerCallStreamObserver<OpenHeartbeatStreamResponse> down) {
      this.down = down;
      down.setOnCancelHandler(() -> end.complete(Status.CANCELLED));
    }

    @Override
    public void onNext(OpenHeartbeatStreamRequest message) {
      if (opening == null) {
        opening = message;
        opened.complete(true);
      } else {
        answers.add(message);
      }
    }

    @Override
    public void onError(Throwable t) {
      end.complete(Status.fromThrowable(t));
    }

    @Override
    public void onCompleted() {
      end.complete(Status.OK);
    }

    synchronized void request(dev.pulse.proto.v1.FencingToken token) {
      sequence += 10; // increasing, not by one
      down.onNext(OpenHeartbeatStreamResponse.newBuilder().setSequence(sequence).setHeartbeat(HeartbeatRequest
          .newBuilder().setFencingToken(token).setTaskExecutor(IDENTITY)).build());
    }

    synchronized void end(Status status) {
      down.onError(status.asRuntimeException());
    }

    HeartbeatResponse nextAnswer() throws InterruptedException {
      return nextAnswerMessage().getHeartbeat();
    }

    OpenHeartbeatStreamRequest nextAnswerMessage() throws InterruptedException {
      OpenHeartbeatStreamRequest answer = answers.poll(WAIT.toSeconds(), TimeUnit.SECONDS);
      assertThat(answer).as("an answer up the stream").isNotNull();
      return answer;
    }

    Status awaitEnd() throws Exception {
      return end.get(WAIT.toSeconds(), TimeUnit.SECONDS);
    }
  }
}
