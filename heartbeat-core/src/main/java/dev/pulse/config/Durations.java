package dev.pulse.config;

import java.time.Duration;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Parses and prints durations in Pulse's configuration format: a number with an optional unit,
 * with or without a space, e.g. {@code 500 ms}, {@code 500ms}, {@code 10 s}, {@code 10s},
 * {@code 5 min}, {@code 1 h}; a plain number is milliseconds.
 *
 * <h2>Bound</h2>
 * Every configured duration is at most {@link #MAX}, 365 days. Liveness code adds durations to
 * monotonic nanosecond readings ({@code now + timeout}, a pause added to a deadline); a duration near
 * {@code Long.MAX_VALUE} nanoseconds (292 years) would overflow there, long after the value was accepted.
 * A year is far beyond any sensible timeout and leaves those sums centuries of room. {@link #parse}
 * applies the bound; records built in code apply it with {@link #requireAtMost}.
 */
public final class Durations {

  /** The largest duration any configuration key accepts. */
  public static final Duration MAX = Duration.ofDays(365);

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
    Duration parsed;
    try {
      parsed = switch (unit) {
        case "ns" -> Duration.ofNanos(amount);
        case "us" -> Duration.ofNanos(Math.multiplyExact(amount, 1_000L));
        case "ms" -> Duration.ofMillis(amount);
        case "s", "sec", "secs", "second", "seconds" -> Duration.ofSeconds(amount);
        case "m", "min", "mins", "minute", "minutes" -> Duration.ofMinutes(amount);
        default -> Duration.ofHours(amount);
      };
    } catch (ArithmeticException e) {
      throw tooLarge(key, "'" + value + "'");
    }
    if (parsed.compareTo(MAX) > 0) {
      throw tooLarge(key, "'" + value + "'");
    }
    return parsed;
  }

  /**
   * Checks the bound of a duration that did not come through {@link #parse}, for example one an
   * embedder passed to a config record.
   *
   * @param key the configuration key the value belongs to, named in the error
   * @return {@code value}
   * @throws ConfigException if {@code value} is longer than {@link #MAX}
   */
  public static Duration requireAtMost(String key, Duration value) {
    if (value.compareTo(MAX) > 0) {
      throw tooLarge(key, format(value));
    }
    return value;
  }

  private static ConfigException tooLarge(String key, String value) {
    return new ConfigException(key, value + " is too large; at most 365 days is allowed");
  }

  /**
   * Formats {@code d} in the largest unit that keeps it whole, e.g. {@code 10 s}, {@code 1500 ms}.
   * Never fails, even for a duration too long to count in nanoseconds.
   */
  public static String format(Duration d) {
    if (d.getNano() == 0) {
      long seconds = d.getSeconds();
      return seconds % 60 == 0 && seconds != 0 ? seconds / 60 + " min" : seconds + " s";
    }
    long nanos;
    try {
      nanos = d.toNanos();
    } catch (ArithmeticException e) {
      return d.toString();
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
