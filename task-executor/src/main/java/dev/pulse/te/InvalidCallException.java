package dev.pulse.te;

/**
 * A call of the resource manager with an argument out of range for this task executor (a slot index
 * beyond its slots). The message names the wire field first ({@code slot_index: ...}); the transport
 * answers it as an invalid argument ({@code INVALID_ARGUMENT} over gRPC).
 */
public final class InvalidCallException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  /**
   * @param field the wire name of the argument at fault
   * @param problem what is wrong with it
   */
  public InvalidCallException(String field, String problem) {
    super(field + ": " + problem, null, false, false);
  }
}
