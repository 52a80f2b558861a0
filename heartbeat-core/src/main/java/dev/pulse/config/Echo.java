package dev.pulse.config;

/**
 * The one way a refusal's description repeats a value the caller sent: quoted, on one line, and cut
 * to {@value #MAX_ECHO} characters plus {@code "..."}. A description travels in the call's trailers,
 * whose size is bounded (8 KiB by default): a value echoed whole could make them too large to send,
 * and the caller would get {@code INTERNAL} instead of learning which field was wrong.
 *
 * <p>Stateless and thread-safe.
 */
public final class Echo {

  /** Most characters of a value that a description repeats. */
  public static final int MAX_ECHO = 64;

  private Echo() {}

  /** {@code 'value'}, cut to {@value #MAX_ECHO} characters plus {@code "..."}; see {@link #cut(String, int)}. */
  public static String quote(String value) {
    return "'" + cut(value, MAX_ECHO) + "'";
  }

  /**
   * {@code text} on one line (control characters replaced by {@code '?'}) and, when longer than
   * {@code max} characters, its first {@code max} followed by {@code "..."}. {@code null} stays
   * {@code "null"}.
   */
  public static String cut(String text, int max) {
    if (text == null) {
      return "null";
    }
    boolean tooLong = text.length() > max;
    int end = tooLong ? max : text.length();
    if (end > 0 && Character.isHighSurrogate(text.charAt(end - 1))) {
      end--; // never split a surrogate pair
    }
    StringBuilder out = null;
    for (int i = 0; i < end; i++) {
      if (Character.isISOControl(text.charAt(i))) {
        if (out == null) {
          out = new StringBuilder(end + 3).append(text, 0, i);
        }
        out.append('?');
      } else if (out != null) {
        out.append(text.charAt(i));
      }
    }
    String kept = out != null ? out.toString() : end == text.length() ? text : text.substring(0, end);
    return tooLong ? kept + "..." : kept;
  }
}
