package dev.pulse.rm.rest;

import dev.pulse.rm.AllocationFailedException;
import dev.pulse.rm.NotEnoughSlotsException;
import dev.pulse.rm.ResourceManager;
import dev.pulse.rm.UnknownAllocationException;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.time.Duration;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.RejectedExecutionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns what a request's future failed with into a response. The mapping, in order:
 *
 * <ul>
 *   <li>{@link HttpError} (a refused request): its own status;
 *   <li>anything, while the resource manager is not running: 503;
 *   <li>{@link UnknownAllocationException}: 404;
 *   <li>{@link NotEnoughSlotsException}: 409;
 *   <li>{@link AllocationFailedException} (a task executor refused or could not be asked; all undone): 502;
 *   <li>{@link RejectedExecutionException} (the main thread is gone): 503;
 *   <li>other {@link IllegalArgumentException}s, such as {@code RegistrationRejectedException} or a bad id: 400;
 *   <li>other {@link IllegalStateException}s, such as releasing an allocation still being created: 409;
 *   <li>anything else: 500, logged with its stack trace.
 * </ul>
 * The body is always {@code {"error": message}}. Thread-safe: stateless.
 */
final class Failures {

  private static final Logger LOG = LoggerFactory.getLogger(Failures.class);

  static final String NOT_RUNNING = "the resource manager is not running";

  private final ResourceManager rm;

  Failures(ResourceManager rm) {
    this.rm = rm;
  }

  RestResponse toResponse(RestRequest request, Throwable failure) {
    Throwable cause = unwrap(failure);
    if (cause instanceof HttpError e) {
      return e.toResponse();
    }
    if (!rm.isRunning() || cause instanceof RejectedExecutionException) {
      return RestResponse.error(HttpResponseStatus.SERVICE_UNAVAILABLE, NOT_RUNNING);
    }
    if (cause instanceof UnknownAllocationException) {
      return RestResponse.error(HttpResponseStatus.NOT_FOUND, cause.getMessage());
    }
    if (cause instanceof NotEnoughSlotsException) {
      return RestResponse.error(HttpResponseStatus.CONFLICT, cause.getMessage());
    }
    if (cause instanceof AllocationFailedException) {
      return RestResponse.error(HttpResponseStatus.BAD_GATEWAY, cause.getMessage());
    }
    if (cause instanceof IllegalArgumentException) {
      return RestResponse.error(HttpResponseStatus.BAD_REQUEST, cause.getMessage());
    }
    if (cause instanceof IllegalStateException) {
      return RestResponse.error(HttpResponseStatus.CONFLICT, cause.getMessage());
    }
    LOG.error("{} failed", request.describe(), cause);
    return RestResponse.error(HttpResponseStatus.INTERNAL_SERVER_ERROR,
        "internal error (" + cause + "); the resource manager's log has the details");
  }

  /** The answer when the resource manager did not answer within {@code timeout}. */
  RestResponse timedOut(RestRequest request, Duration timeout) {
    String message = "the resource manager did not answer within " + timeout.toMillis() + " ms";
    if (request.method().name().equals("POST") || request.method().name().equals("DELETE")) {
      message += "; the change may still happen: check GET /v1/allocations";
    }
    LOG.warn("{}: {}", request.describe(), message);
    return RestResponse.error(HttpResponseStatus.SERVICE_UNAVAILABLE, message);
  }

  static Throwable unwrap(Throwable failure) {
    Throwable t = failure;
    while ((t instanceof CompletionException || t instanceof ExecutionException) && t.getCause() != null) {
      t = t.getCause();
    }
    return t;
  }
}
