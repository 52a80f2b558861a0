package dev.pulse.rm;

/** A task executor refused or could not be asked for a slot; the whole allocation was undone. */
public class AllocationFailedException extends IllegalStateException {

  private static final long serialVersionUID = 1L;

  public AllocationFailedException(String message, Throwable cause) {
    super(message, cause);
  }
}
