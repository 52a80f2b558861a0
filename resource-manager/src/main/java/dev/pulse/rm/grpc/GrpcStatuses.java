package dev.pulse.rm.grpc;

import dev.pulse.rm.AllocationFailedException;
import dev.pulse.rm.NotEnoughSlotsException;
import dev.pulse.rm.OverloadedException;
import dev.pulse.rm.RegistrationRejectedException;
import dev.pulse.rm.StaleRegistrationException;
import dev.pulse.rm.UnknownAllocationException;
import dev.pulse.rpc.RetryHint;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.util.concurrent.CompletionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Maps the resource manager's failures to gRPC statuses with a description a person can act on; a refusal
 * that carries a retry hint ({@link OverloadedException#retryAfter()}) sends it in the trailers
 * ({@link RetryHint}).
 */
final class GrpcStatuses {

  private static final Logger LOG = LoggerFactory.getLogger(GrpcStatuses.class);

  private GrpcStatuses() {}

  static StatusRuntimeException of(Throwable failure) {
    Throwable t = failure instanceof CompletionException && failure.getCause() != null ? failure.getCause() : failure;
    if (t instanceof StatusRuntimeException s) {
      return s;
    }
    Status status;
    if (t instanceof RegistrationRejectedException || t instanceof IllegalArgumentException
        && !(t instanceof UnknownAllocationException)) {
      status = Status.INVALID_ARGUMENT;
    } else if (t instanceof UnknownAllocationException) {
      status = Status.NOT_FOUND;
    } else if (t instanceof OverloadedException o && o.retryAfter().isPresent()) {
      return RetryHint.attach(Status.RESOURCE_EXHAUSTED.withDescription(o.getMessage()), o.retryAfter().get());
    } else if (t instanceof NotEnoughSlotsException || t instanceof OverloadedException) {
      status = Status.RESOURCE_EXHAUSTED;
    } else if (t instanceof StaleRegistrationException) {
      status = Status.FAILED_PRECONDITION;
    } else if (t instanceof AllocationFailedException) {
      status = Status.ABORTED;
    } else if (t instanceof IllegalStateException) {
      status = Status.FAILED_PRECONDITION;
    } else {
      LOG.warn("Unexpected failure answering an RPC", t);
      status = Status.INTERNAL;
    }
    return status.withDescription(t.getMessage()).asRuntimeException();
  }
}
