package dev.pulse.rm;

/** A registration was refused because a field is malformed; nothing was registered. */
public class RegistrationRejectedException extends IllegalArgumentException {

  private static final long serialVersionUID = 1L;

  private final String field;

  public RegistrationRejectedException(String field, String problem) {
    super(field + ": " + problem);
    this.field = field;
  }

  /** The request field at fault, as named in the wire protocol. */
  public String field() {
    return field;
  }
}
