package dev.pulse.heartbeat;

import dev.pulse.config.Echo;
import java.util.Objects;

/**
 * Identifies a heartbeat participant (a resource manager or a task executor) across restarts.
 *
 * <p>Ids are 1 to {@value #MAX_LENGTH} characters of {@code [A-Za-z0-9._-]}, so they are safe in
 * URLs, log lines and metric labels. Instances are immutable; {@link #hashCode()} is cached by
 * {@link String}, so using a {@code ResourceId} as a map key on the heartbeat path allocates nothing.
 */
public record ResourceId(String value) {

  /** Longest id accepted. */
  public static final int MAX_LENGTH = 128;

  /**
   * @throws IllegalArgumentException if {@code value} is not a valid id; the message says why
   */
  public ResourceId {
    String problem = validate(value);
    if (problem != null) {
      throw new IllegalArgumentException("invalid resource id: " + problem);
    }
  }

  /** Returns a {@code ResourceId} for {@code value}; see the class docs for the accepted form. */
  public static ResourceId of(String value) {
    return new ResourceId(value);
  }

  /**
   * Whether {@code value} is a valid id. No regular expression and no allocation: cheap enough for
   * every message on the heartbeat path.
   */
  public static boolean isValid(String value) {
    if (value == null || value.isEmpty() || value.length() > MAX_LENGTH) {
      return false;
    }
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      boolean ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
          || c == '.' || c == '_' || c == '-';
      if (!ok) {
        return false;
      }
    }
    return true;
  }

  /**
   * Checks {@code value} against the id rules without throwing. The value is echoed cut
   * ({@link Echo}), so the description stays short whatever the caller sent.
   *
   * @return {@code null} if valid, otherwise a short description of what is wrong
   */
  public static String validate(String value) {
    if (isValid(value)) {
      return null;
    }
    if (value == null) {
      return "id is missing";
    }
    if (value.isEmpty()) {
      return "id is empty";
    }
    if (value.length() > MAX_LENGTH) {
      return "id has " + value.length() + " characters, at most " + MAX_LENGTH + " are allowed";
    }
    return "id " + Echo.quote(value) + " may contain only letters, digits, '.', '_' and '-'";
  }

  @Override
  public String toString() {
    return value;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof ResourceId other && Objects.equals(value, other.value);
  }

  @Override
  public int hashCode() {
    return value.hashCode();
  }
}
