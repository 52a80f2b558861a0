package dev.pulse.rpc;

import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * How long a caller should wait before it calls again, carried in a failed call's trailers as
 * {@value #KEY} (whole milliseconds, ASCII): a server that sheds load answers {@code RESOURCE_EXHAUSTED}
 * with this hint, and the caller waits at least that long (the task executor adds its own jitter on top).
 * A call without the trailer, or with a value that is not a non-negative number, has no hint. Stateless.
 */
public final class RetryHint {

  /** The trailer's name. */
  public static final String KEY = "pulse-retry-after-ms";

  private static final Metadata.Key<String> RETRY_AFTER_MILLIS = Metadata.Key.of(KEY, Metadata.ASCII_STRING_MARSHALLER);

  private RetryHint() {}

  /** {@code status} as an exception whose trailers carry {@code retryAfter}, rounded down to milliseconds. */
  public static StatusRuntimeException attach(Status status, Duration retryAfter) {
    Objects.requireNonNull(status, "status");
    if (retryAfter.isNegative()) {
      throw new IllegalArgumentException("retryAfter must not be negative, was " + retryAfter);
    }
    Metadata trailers = new Metadata();
    trailers.put(RETRY_AFTER_MILLIS, Long.toString(retryAfter.toMillis()));
    return status.asRuntimeException(trailers);
  }

  /** The hint a failed call carries, if any. */
  public static Optional<Duration> of(Throwable failure) {
    Metadata trailers = Status.trailersFromThrowable(failure);
    String value = trailers == null ? null : trailers.get(RETRY_AFTER_MILLIS);
    if (value == null) {
      return Optional.empty();
    }
    try {
      long millis = Long.parseLong(value.trim());
      return millis < 0 ? Optional.empty() : Optional.of(Duration.ofMillis(millis));
    } catch (NumberFormatException e) {
      return Optional.empty();
    }
  }
}
