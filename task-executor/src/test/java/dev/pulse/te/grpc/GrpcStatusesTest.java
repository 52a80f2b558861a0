package dev.pulse.te.grpc;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pulse.te.CallRefusedException;
import dev.pulse.te.InvalidCallException;
import dev.pulse.te.ResourceManagerCallException;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.net.ConnectException;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.Test;

class GrpcStatusesTest {

  @Test
  void toStatus_invalidCall_isInvalidArgumentNamingTheField() {
    Status status = statusOf(GrpcStatuses.toStatus(new InvalidCallException("slot_index", "must be between 0 and 1")));

    assertThat(status.getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(status.getDescription()).isEqualTo("slot_index: must be between 0 and 1");
  }

  @Test
  void toStatus_refusal_isFailedPreconditionWithItsWords() {
    Status status = statusOf(GrpcStatuses.toStatus(new CompletionException(new CallRefusedException("stale token"))));

    assertThat(status.getCode()).isEqualTo(Status.Code.FAILED_PRECONDITION);
    assertThat(status.getDescription()).isEqualTo("stale token");
  }

  @Test
  void toStatus_statusOrAnythingElse_staysAsItIs() {
    StatusRuntimeException unavailable = Status.UNAVAILABLE.asRuntimeException();
    IllegalStateException bug = new IllegalStateException("bug");

    assertThat(GrpcStatuses.toStatus(unavailable)).isSameAs(unavailable);
    assertThat(GrpcStatuses.toStatus(bug)).isSameAs(bug);
  }

  @Test
  void toDomain_status_keepsCodeAndDescription() {
    ResourceManagerCallException e = callException(GrpcStatuses.toDomain(
        Status.UNAVAILABLE.withDescription("io exception").asRuntimeException()));

    assertThat(e.code()).isEqualTo("UNAVAILABLE");
    assertThat(e.description()).isEqualTo("io exception");
  }

  @Test
  void toDomain_transportFailure_addsWhatItsCauseSays() {
    ResourceManagerCallException e = callException(GrpcStatuses.toDomain(new CompletionException(
        Status.UNAVAILABLE.withDescription("io exception")
            .withCause(new ConnectException("Connection refused: /127.0.0.1:1")).asRuntimeException())));

    assertThat(e.description()).isEqualTo("io exception (Connection refused: /127.0.0.1:1)");
  }

  @Test
  void toDomain_notAStatus_staysAsItIs() {
    IllegalStateException closed = new IllegalStateException("channel pool is closed");

    assertThat(GrpcStatuses.toDomain(closed)).isSameAs(closed);
  }

  private static Status statusOf(Throwable t) {
    assertThat(t).isInstanceOf(StatusRuntimeException.class);
    return ((StatusRuntimeException) t).getStatus();
  }

  private static ResourceManagerCallException callException(Throwable t) {
    assertThat(t).isInstanceOf(ResourceManagerCallException.class);
    return (ResourceManagerCallException) t;
  }
}
