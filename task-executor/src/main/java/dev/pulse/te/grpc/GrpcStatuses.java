package dev.pulse.te.grpc;

import dev.pulse.rpc.LeaderHint;
import dev.pulse.rpc.RetryHint;
import dev.pulse.te.CallRefusedException;
import dev.pulse.te.InvalidCallException;
import dev.pulse.te.ResourceManagerCallException;
import io.grpc.Status;
import io.grpc.StatusException;
import io.grpc.StatusRuntimeException;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletionException;

/**
 * The one place where the task executor's failures meet gRPC statuses, both ways: its refusals become
 * statuses with a description a person can act on, and the statuses of its calls to the resource
 * manager become {@link ResourceManagerCallException}s. Stateless.
 */
final class GrpcStatuses {

  private GrpcStatuses() {}

  /**
   * The status to answer a failed call with: {@link InvalidCallException} is {@code INVALID_ARGUMENT},
   * {@link CallRefusedException} {@code FAILED_PRECONDITION}, a status stays what it is; anything else
   * is returned unchanged (the caller answers it {@code INTERNAL} and logs it).
   */
  static Throwable toStatus(Throwable failure) {
    Throwable t = unwrap(failure);
    if (t instanceof InvalidCallException) {
      return Status.INVALID_ARGUMENT.withDescription(t.getMessage()).asRuntimeException();
    }
    if (t instanceof CallRefusedException) {
      return Status.FAILED_PRECONDITION.withDescription(t.getMessage()).asRuntimeException();
    }
    return t;
  }

  /** {@link #toStatus} for a failure thrown on the spot. */
  static RuntimeException toStatus(RuntimeException failure) {
    Throwable t = toStatus((Throwable) failure);
    return t instanceof RuntimeException r ? r : failure;
  }

  /**
   * The failure of a call to the resource manager in the task executor's terms. gRPC's own failures say
   * little ({@code io exception}); their cause says what happened ({@code Connection refused}), so it
   * is added. A retry hint in the trailers ({@link RetryHint}) is kept, and so is a standby's hint where the
   * leader is ({@link LeaderHint}).
   */
  static Throwable toDomain(Throwable failure) {
    Throwable t = unwrap(failure);
    if (!(t instanceof StatusRuntimeException || t instanceof StatusException)) {
      return t;
    }
    Status status = Status.fromThrowable(t);
    String description = status.getDescription() != null ? status.getDescription() : "";
    Throwable detail = status.getCause();
    if (detail != null) {
      String more = detail.getMessage() != null ? detail.getMessage() : detail.getClass().getSimpleName();
      description = description.isEmpty() ? String.valueOf(detail)
          : description.contains(more) ? description : description + " (" + more + ")";
    }
    Optional<String> leader = LeaderHint.of(t);
    if (leader.isPresent()) {
      return ResourceManagerCallException.notLeader(status.getCode().name(), description, leader.get());
    }
    Optional<Duration> retryAfter = RetryHint.of(t);
    return retryAfter.isPresent()
        ? ResourceManagerCallException.failed(status.getCode().name(), description, retryAfter.get())
        : ResourceManagerCallException.failed(status.getCode().name(), description);
  }

  private static Throwable unwrap(Throwable failure) {
    return failure instanceof CompletionException && failure.getCause() != null ? failure.getCause() : failure;
  }
}
