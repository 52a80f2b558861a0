package dev.pulse.te;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * A call to the resource manager that failed: it refused the call, the call did not reach it, or its
 * answer is unusable. {@link #code()} names the kind of failure as the transport does
 * ({@code UNAVAILABLE}, {@code INVALID_ARGUMENT}, ...: the gRPC status code names), so log lines read
 * as the operator knows them; {@link RegistrationFailure} turns it into advice. A resource manager that
 * sheds load may add how long to wait before calling again ({@link #retryAfter()}).
 */
public final class ResourceManagerCallException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  /** The code of an answer that arrived but cannot be used. */
  public static final String MALFORMED_ANSWER = "INTERNAL";

  private final String code;
  private final String description;
  private final boolean malformedAnswer;
  private final Duration retryAfter;
  private final String leaderAddress;

  private ResourceManagerCallException(String code, String description, boolean malformedAnswer,
      Duration retryAfter, String leaderAddress) {
    super(description.isEmpty() ? code : code + ": " + description, null, false, false);
    this.code = code;
    this.description = description;
    this.malformedAnswer = malformedAnswer;
    this.retryAfter = retryAfter;
    this.leaderAddress = leaderAddress;
  }

  /**
   * @param code the failure kind, e.g. {@code UNAVAILABLE}
   * @param description what went wrong, as the resource manager or the transport put it; may be empty
   */
  public static ResourceManagerCallException failed(String code, String description) {
    return new ResourceManagerCallException(code, description == null ? "" : description, false, null, null);
  }

  /**
   * As {@link #failed(String, String)}, from a resource manager that stands by for the one at
   * {@code leaderAddress} ({@code host:port}), which the caller should call instead (high availability).
   */
  public static ResourceManagerCallException notLeader(String code, String description, String leaderAddress) {
    return new ResourceManagerCallException(code, description == null ? "" : description, false, null,
        Objects.requireNonNull(leaderAddress, "leaderAddress"));
  }

  /**
   * As {@link #failed(String, String)}, from a resource manager that asked the caller to wait at least
   * {@code retryAfter} before calling again (it sheds load: {@code RESOURCE_EXHAUSTED}).
   */
  public static ResourceManagerCallException failed(String code, String description, Duration retryAfter) {
    if (retryAfter == null || retryAfter.isNegative()) {
      throw new IllegalArgumentException("retryAfter must be zero or more, was " + retryAfter);
    }
    return new ResourceManagerCallException(code, description == null ? "" : description, false, retryAfter, null);
  }

  /** The resource manager answered, but {@code problem} makes the answer unusable. */
  public static ResourceManagerCallException malformedAnswer(String problem) {
    return new ResourceManagerCallException(MALFORMED_ANSWER, problem, true, null, null);
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

  /** The leader a standby resource manager named ({@code host:port}); empty if the answer named none. */
  public Optional<String> leaderAddress() {
    return Optional.ofNullable(leaderAddress);
  }

  /** How long the resource manager asked the caller to wait before calling again; empty if it did not say. */
  public Optional<Duration> retryAfter() {
    return Optional.ofNullable(retryAfter);
  }
}
