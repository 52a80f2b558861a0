package dev.pulse.rpc;

import static dev.pulse.rpc.TeSide.heartbeat;
import static org.assertj.core.api.Assertions.assertThat;

import dev.pulse.heartbeat.HeartbeatConfig;
import dev.pulse.proto.v1.HeartbeatRequest;
import dev.pulse.proto.v1.TaskExecutorGatewayGrpc;
import dev.pulse.proto.v1.TaskExecutorIdentity;
import io.grpc.Channel;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Requests that are not the method's message at all: bytes that do not parse, no message, two
 * messages. Each is refused with {@code INVALID_ARGUMENT} and a one-line description, gRPC logs no
 * stack trace for it, and the server keeps serving.
 */
class MalformedRequestTest {

  private static final TaskExecutorIdentity ME =
      TaskExecutorIdentity.newBuilder().setResourceId("te-1").setInstanceId("instance-a").build();
  private static final MethodDescriptor<HeartbeatRequest, ?> HEARTBEAT = TaskExecutorGatewayGrpc.getRequestHeartbeatMethod();
  /** A field whose varint never ends: truncated input. */
  private static final byte[] TRUNCATED = {0x08, (byte) 0xff, (byte) 0xff};
  /** task_executor.resource_id holding the bytes C3 28, which are not UTF-8. */
  private static final byte[] NOT_UTF8 = {0x12, 0x04, 0x0a, 0x02, (byte) 0xc3, 0x28};

  private final Closer closer = new Closer();
  /** What grpc-java logs through java.util.logging (it is not bridged to SLF4J): its stack traces. */
  private final List<LogRecord> grpcLog = Collections.synchronizedList(new ArrayList<>());
  private final Handler grpcLogHandler = new Handler() {
    @Override
    public void publish(LogRecord record) {
      if (record.getLevel().intValue() >= Level.INFO.intValue()) {
        grpcLog.add(record);
      }
    }

    @Override
    public void flush() {}

    @Override
    public void close() {}
  };
  private TeSide te;
  private Channel channel;

  @BeforeEach
  void start() {
    Logger.getLogger("io.grpc").addHandler(grpcLogHandler);
    te = closer.register(new TeSide("te-1", "instance-a", HeartbeatConfig.of(Duration.ofSeconds(1),
        Duration.ofSeconds(30)), RpcConfig.DEFAULTS, 0));
    RpcTransport client = closer.register(RpcTransport.create(RpcConfig.DEFAULTS, "client", 1));
    ChannelPool channels = closer.register(new ChannelPool(client));
    channel = closer.register(channels.acquire(te.address())).channel();
  }

  @AfterEach
  void closeAll() {
    Logger.getLogger("io.grpc").removeHandler(grpcLogHandler);
    closer.close();
  }

  @Test
  void truncatedBytes_invalidArgumentInOneLine_andServerKeepsServing() {
    Status status = RawCalls.unary(channel, HEARTBEAT, TRUNCATED);

    assertThat(status.getCode()).as(status.toString()).isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(status.getDescription()).startsWith("the request is not a valid HeartbeatRequest: ")
        .doesNotContain("\n").hasSizeLessThan(300);
    assertHealthy();
    assertThat(te.server.refusedCalls()).isEqualTo(1);
  }

  @Test
  void invalidUtf8_invalidArgumentSayingSo() {
    Status status = RawCalls.unary(channel, HEARTBEAT, NOT_UTF8);

    assertThat(status.getCode()).as(status.toString()).isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(status.getDescription()).contains("UTF-8");
  }

  @Test
  void noRequestMessage_invalidArgument() throws Exception {
    Status status = RawCalls.sending(channel, HEARTBEAT, List.of());

    assertThat(status.getCode()).as(status.toString()).isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(status.getDescription()).isEqualTo("RequestHeartbeat takes one request message; the call sent none");
  }

  @Test
  void twoRequestMessages_invalidArgument_andNeitherIsAHeartbeat() throws Exception {
    byte[] valid = heartbeat(ME).toByteArray();

    Status status = RawCalls.sending(channel, HEARTBEAT, List.of(valid, valid));

    assertThat(status.getCode()).as(status.toString()).isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(status.getDescription()).isEqualTo("RequestHeartbeat takes one request message; the call sent more");
  }

  @Test
  void manyUnparsableRequests_grpcLogsNothing() {
    for (int i = 0; i < 200; i++) {
      assertThat(RawCalls.unary(channel, HEARTBEAT, i % 2 == 0 ? TRUNCATED : NOT_UTF8).getCode())
          .isEqualTo(Status.Code.INVALID_ARGUMENT);
    }

    assertHealthy();
    assertThat(grpcLog).as("gRPC's own log lines (each with a stack trace)").isEmpty();
    assertThat(te.server.refusedCalls()).isEqualTo(200);
  }

  private void assertHealthy() {
    HeartbeatRequest valid = heartbeat(ME);
    assertThat(TaskExecutorGatewayGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS)
        .requestHeartbeat(valid).getSlotReport()).isEqualTo(TeSide.SLOTS);
  }
}
