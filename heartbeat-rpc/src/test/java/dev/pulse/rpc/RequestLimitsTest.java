package dev.pulse.rpc;

import static dev.pulse.rpc.TeSide.heartbeat;
import static dev.pulse.rpc.TeSide.statusOf;
import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.pulse.heartbeat.HeartbeatConfig;
import dev.pulse.proto.v1.HeartbeatRequest;
import dev.pulse.proto.v1.TaskExecutorGatewayGrpc;
import dev.pulse.proto.v1.TaskExecutorGatewayGrpc.TaskExecutorGatewayBlockingStub;
import dev.pulse.proto.v1.TaskExecutorIdentity;
import io.grpc.Status;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/** Oversized and malformed requests are refused with the right status, and the server keeps serving. */
class RequestLimitsTest {

  private static final int LIMIT = RpcConfig.MIN_MAX_INBOUND_MESSAGE_BYTES;
  private static final TaskExecutorIdentity ME =
      TaskExecutorIdentity.newBuilder().setResourceId("te-1").setInstanceId("instance-a").build();

  private final Closer closer = new Closer();
  private TeSide te;
  private TaskExecutorGatewayBlockingStub stub;

  @BeforeEach
  void start() {
    HeartbeatConfig config = HeartbeatConfig.of(Duration.ofSeconds(1), Duration.ofSeconds(30));
    te = closer.register(new TeSide("te-1", "instance-a", config,
        RpcConfig.DEFAULTS.withMaxInboundMessageBytes(LIMIT), 0));
    // The client may send more than the server accepts.
    RpcTransport client = closer.register(RpcTransport.create(RpcConfig.DEFAULTS, "client", 1));
    ChannelPool channels = closer.register(new ChannelPool(client));
    stub = TaskExecutorGatewayGrpc.newBlockingStub(closer.register(channels.acquire(te.address())).channel());
  }

  @AfterEach
  void closeAll() {
    closer.close();
  }

  @Test
  void oversizedRequest_resourceExhausted_andServerKeepsServing() {
    HeartbeatRequest huge = heartbeat(ME.toBuilder().setInstanceId("x".repeat(LIMIT + 1)).build());

    Status status = statusOf(() -> withDeadline().requestHeartbeat(huge));

    assertThat(status.getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
    assertThat(withDeadline().requestHeartbeat(heartbeat(ME)).getSlotReport()).isEqualTo(TeSide.SLOTS);
  }

  @Test
  void manyOversizedRequests_noStackTraceEach_atMostOneLine() {
    HeartbeatRequest huge = heartbeat(ME.toBuilder().setInstanceId("x".repeat(LIMIT + 1)).build());
    List<LogRecord> grpcLog = new CopyOnWriteArrayList<>();
    Handler handler = new Handler() {
      @Override
      public void publish(LogRecord record) {
        grpcLog.add(record);
      }

      @Override
      public void flush() {}

      @Override
      public void close() {}
    };
    ch.qos.logback.classic.Logger ours =
        (ch.qos.logback.classic.Logger) LoggerFactory.getLogger(DeframeFailureLog.class);
    ListAppender<ILoggingEvent> lines = new ListAppender<>();
    Level levelBefore = ours.getLevel();
    lines.start();
    ours.addAppender(lines);
    ours.setLevel(Level.WARN);
    Logger.getLogger("io.grpc").addHandler(handler);
    try {
      for (int i = 0; i < 20; i++) {
        assertThat(statusOf(() -> withDeadline().requestHeartbeat(huge)).getCode())
            .isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
      }
    } finally {
      Logger.getLogger("io.grpc").removeHandler(handler);
      ours.detachAppender(lines);
      ours.setLevel(levelBefore);
    }

    assertThat(grpcLog).as("gRPC's own records, one stack trace each").isEmpty();
    assertThat(lines.list).as("one line a minute, whichever test came first").hasSizeLessThanOrEqualTo(1);
  }

  @Test
  void malformedIds_invalidArgumentNamingTheField_andServerKeepsServing() {
    assertInvalid(heartbeat(ME).toBuilder()
            .setFencingToken(RmSide.TOKEN.toBuilder().setResourceManagerId("rm/1")).build(),
        "fencing_token.resource_manager_id: id 'rm/1' may contain only letters, digits, '.', '_' and '-'");
    assertInvalid(heartbeat(ME.toBuilder().setInstanceId("i".repeat(129)).build()),
        "task_executor.instance_id: id has 129 characters, at most 128 are allowed");
    assertInvalid(heartbeat(ME.toBuilder().setResourceId("").build()), "task_executor.resource_id: is required");
    assertInvalid(heartbeat(ME).toBuilder().setFencingToken(RmSide.TOKEN.toBuilder().setLeaderEpoch(0)).build(),
        "fencing_token.leader_epoch: must be >= 1, was 0");
    assertInvalid(heartbeat(ME).toBuilder().clearTaskExecutor().build(), "task_executor: is required");

    assertThat(withDeadline().requestHeartbeat(heartbeat(ME)).getTaskExecutor()).isEqualTo(ME);
    assertThat(te.lastHeartbeatFromRm()).as("refused requests are not heartbeats; the valid one is").isPositive();
  }

  private void assertInvalid(HeartbeatRequest request, String description) {
    Status status = statusOf(() -> withDeadline().requestHeartbeat(request));
    assertThat(status.getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(status.getDescription()).isEqualTo(description);
  }

  private TaskExecutorGatewayBlockingStub withDeadline() {
    return stub.withDeadlineAfter(10, TimeUnit.SECONDS);
  }
}
