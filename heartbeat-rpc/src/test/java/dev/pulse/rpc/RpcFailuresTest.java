package dev.pulse.rpc;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pulse.heartbeat.HeartbeatRpcException;
import dev.pulse.heartbeat.ResourceId;
import dev.pulse.heartbeat.RpcFailureKind;
import dev.pulse.proto.v1.TaskExecutorIdentity;
import io.grpc.Status;
import java.net.ConnectException;
import javax.net.ssl.SSLHandshakeException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class RpcFailuresTest {

  private static final ResourceId TE = ResourceId.of("te-1");

  @Test
  void kindOf_unavailable_isUnreachable() {
    Status refused = Status.UNAVAILABLE.withDescription("io exception")
        .withCause(new ConnectException("Connection refused"));

    assertThat(RpcFailures.kindOf(refused)).isEqualTo(RpcFailureKind.UNREACHABLE);
    assertThat(RpcFailures.kindOf(Status.UNAVAILABLE)).isEqualTo(RpcFailureKind.UNREACHABLE);
  }

  @Test
  void kindOf_unavailableFromTlsHandshake_isOther() {
    Status handshake = Status.UNAVAILABLE.withDescription("ssl exception")
        .withCause(new RuntimeException(new SSLHandshakeException("PKIX path building failed")));

    assertThat(RpcFailures.kindOf(handshake)).isEqualTo(RpcFailureKind.OTHER);
  }

  @Test
  void kindOf_deadlineExceeded_isDeadlineExceeded() {
    assertThat(RpcFailures.kindOf(Status.DEADLINE_EXCEEDED)).isEqualTo(RpcFailureKind.DEADLINE_EXCEEDED);
  }

  @ParameterizedTest
  @EnumSource(value = Status.Code.class, names = {"UNAVAILABLE", "DEADLINE_EXCEEDED", "OK"}, mode = EnumSource.Mode.EXCLUDE)
  void kindOf_everyOtherCode_isOther(Status.Code code) {
    assertThat(RpcFailures.kindOf(code.toStatus())).isEqualTo(RpcFailureKind.OTHER);
  }

  @Test
  void classify_keepsStatusDescriptionAndCause() {
    Throwable failure = Status.FAILED_PRECONDITION.withDescription("stale fencing token").asRuntimeException();

    HeartbeatRpcException e = RpcFailures.classify(failure, "task executor te-1 at 127.0.0.1:1");

    assertThat(e.kind()).isEqualTo(RpcFailureKind.OTHER);
    assertThat(e.getMessage()).isEqualTo(
        "heartbeat RPC to task executor te-1 at 127.0.0.1:1 failed: FAILED_PRECONDITION: stale fencing token");
    assertThat(e.getCause()).isSameAs(failure);
  }

  @Test
  void classify_nonStatusFailure_isOther() {
    HeartbeatRpcException e = RpcFailures.classify(new IllegalStateException("boom"), "peer");

    assertThat(e.kind()).isEqualTo(RpcFailureKind.OTHER);
    assertThat(e.getMessage()).contains("UNKNOWN", "boom");
  }

  @Test
  void checkIdentity_sameProcess_isNull() {
    assertThat(RpcFailures.checkIdentity(TE, "a", identity("te-1", "a"), "127.0.0.1:1")).isNull();
  }

  @Test
  void checkIdentity_otherInstance_isRestartedNamingBothInstances() {
    HeartbeatRpcException e = RpcFailures.checkIdentity(TE, "a", identity("te-1", "b"), "127.0.0.1:1");

    assertThat(e.kind()).isEqualTo(RpcFailureKind.RESTARTED);
    assertThat(e.getMessage()).isEqualTo(
        "task executor te-1 at 127.0.0.1:1 restarted: instance a is gone, instance b answers now");
  }

  @Test
  void checkIdentity_otherResourceId_isUnreachable() {
    HeartbeatRpcException e = RpcFailures.checkIdentity(TE, "a", identity("te-2", "a"), "127.0.0.1:1");

    assertThat(e.kind()).isEqualTo(RpcFailureKind.UNREACHABLE);
    assertThat(e.getMessage()).isEqualTo(
        "task executor te-1 is no longer at 127.0.0.1:1: task executor 'te-2' answers there");
  }

  private static TaskExecutorIdentity identity(String resourceId, String instanceId) {
    return TaskExecutorIdentity.newBuilder().setResourceId(resourceId).setInstanceId(instanceId).build();
  }
}
