package dev.pulse.rm;

/** No allocation with that id exists (any more). */
public class UnknownAllocationException extends IllegalArgumentException {

  private static final long serialVersionUID = 1L;

  public UnknownAllocationException(String allocationId) {
    super("no allocation " + allocationId);
  }
}
