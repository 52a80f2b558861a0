package dev.pulse.rm;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * The resource manager refuses new work to protect what it already does (for example: it is near its
 * open-files limit and takes no new task executor, or too many registrations are in progress). The caller
 * should retry later, not before {@link #retryAfter()} when there is one; gRPC answers
 * {@code RESOURCE_EXHAUSTED}, with the hint in the trailers ({@code dev.pulse.rpc.RetryHint}).
 */
public final class OverloadedException extends RuntimeException {

  private final Duration retryAfter;

  public OverloadedException(String message) {
    super(message);
    this.retryAfter = null;
  }

  /** @param retryAfter how long the caller should wait before it tries again */
  public OverloadedException(String message, Duration retryAfter) {
    super(message);
    this.retryAfter = Objects.requireNonNull(retryAfter, "retryAfter");
  }

  /** How long the caller should wait before it tries again; empty when the resource manager gives no hint. */
  public Optional<Duration> retryAfter() {
    return Optional.ofNullable(retryAfter);
  }
}
