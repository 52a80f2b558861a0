package dev.pulse.te;

/**
 * A call to the resource manager that failed: it refused the call, the call did not reach it, or its
 * answer is unusable. {@link #code()} names the kind of failure as the transport does
 * ({@code UNAVAILABLE}, {@code INVALID_ARGUMENT}, ...: the gRPC status code names), so log lines read
 * as the operator knows them; {@link RegistrationFailure} turns it into advice.
 */
public final class ResourceManagerCallException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  /** The code of an answer that arrived but cannot be used. */
  public static final String MALFORMED_ANSWER = "INTERNAL";

  private final String code;
  private final String description;
  private final boolean malformedAnswer;

  private ResourceManagerCallException(String code, String description, boolean malformedAnswer) {
    super(description.isEmpty() ? code : code + ": " + description, null, false, false);
    this.code = code;
    this.description = description;
    this.malformedAnswer = malformedAnswer;
  }

  /**
   * @param code the failure kind, e.g. {@code UNAVAILABLE}
   * @param description what went wrong, as the resource manager or the transport put it; may be empty
   */
  public static ResourceManagerCallException failed(String code, String description) {
    return new ResourceManagerCallException(code, description == null ? "" : description, false);
  }

  /** The resource manager answered, but {@code problem} makes the answer unusable. */
  public static ResourceManagerCallException malformedAnswer(String problem) {
    return new ResourceManagerCallException(MALFORMED_ANSWER, problem, true);
  }

  public String code() {
    return code;
  }

  public String description() {
    return description;
  }

  public boolean isMalformedAnswer() {
    return malformedAnswer;
  }
}
