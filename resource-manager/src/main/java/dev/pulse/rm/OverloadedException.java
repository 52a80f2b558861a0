package dev.pulse.rm;

/**
 * The resource manager refuses new work to protect what it already does (for example: it is near its
 * open-files limit and takes no new task executor). The caller should retry later; gRPC answers
 * {@code RESOURCE_EXHAUSTED}.
 */
public final class OverloadedException extends RuntimeException {

  public OverloadedException(String message) {
    super(message);
  }
}
