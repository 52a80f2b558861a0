package dev.pulse.te;

/**
 * A call of the resource manager that this task executor does not obey: it is meant for another task
 * executor or instance, it carries a fencing token other than the one followed, or the slot table
 * refuses it. The message says why, for the caller's log; the transport answers it as a failed
 * precondition ({@code FAILED_PRECONDITION} over gRPC).
 */
public class CallRefusedException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  public CallRefusedException(String message) {
    super(message, null, false, false);
  }
}
