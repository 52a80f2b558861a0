package dev.pulse.heartbeat;

import java.time.Duration;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Parses and prints durations in Pulse's configuration format: a number with an optional unit,
 * with or without a space, e.g. {@code 500 ms}, {@code 500ms}, {@code 10 s}, {@code 10s},
 * {@code 5 min}, {@code 1 h}; a plain number is milliseconds.
 */
public final class Durations {

  private static final Pattern FORMAT =
      Pattern.compile("\\s*(\\d{1,18})\\s*(ns|us|ms|s|sec|secs|seconds?|m|min|mins|minutes?|h|hours?)?\\s*");

  private Durations() {}

  /**
   * @param key the configuration key the value belongs to, named in the error
   * @throws ConfigException if {@code value} is not a duration
   */
  public static Duration parse(String key, String value) {
    if (value == null || value.isBlank()) {
      throw new ConfigException(key, "a duration is required, e.g. '10 s'");
    }
    Matcher m = FORMAT.matcher(value.toLowerCase(Locale.ROOT));
    if (!m.matches()) {
      throw new ConfigException(key, "'" + value + "' is not a duration; use e.g. '500 ms', '10 s', '5 min'"
          + " or a number of milliseconds");
    }
    long amount = Long.parseLong(m.group(1));
    String unit = m.group(2) == null ? "ms" : m.group(2);
    try {
      return switch (unit) {
        case "ns" -> Duration.ofNanos(amount);
        case "us" -> Duration.ofNanos(Math.multiplyExact(amount, 1_000L));
        case "ms" -> Duration.ofMillis(amount);
        case "s", "sec", "secs", "second", "seconds" -> Duration.ofSeconds(amount);
        case "m", "min", "mins", "minute", "minutes" -> Duration.ofMinutes(amount);
        default -> Duration.ofHours(amount);
      };
    } catch (ArithmeticException e) {
      throw new ConfigException(key, "'" + value + "' is too large");
    }
  }

  /** Formats {@code d} in the largest unit that keeps it whole, e.g. {@code 10 s}, {@code 1500 ms}. */
  public static String format(Duration d) {
    long nanos = d.toNanos();
    if (nanos % 60_000_000_000L == 0 && nanos != 0) {
      return nanos / 60_000_000_000L + " min";
    }
    if (nanos % 1_000_000_000L == 0) {
      return nanos / 1_000_000_000L + " s";
    }
    if (nanos % 1_000_000L == 0) {
      return nanos / 1_000_000L + " ms";
    }
    if (nanos % 1_000L == 0) {
      return nanos / 1_000L + " us";
    }
    return nanos + " ns";
  }
}
