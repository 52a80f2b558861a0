package dev.pulse.config;

import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Parses and prints durations in Pulse's configuration format: a whole number with an optional unit,
 * with or without a space, e.g. {@code 500 ms}, {@code 500ms}, {@code 10 s}, {@code 10s},
 * {@code 5 min}, {@code 1 h}, {@code 2 d}; a plain number is milliseconds. The units are Flink's, in any
 * case and in the singular or plural: {@code d}, {@code day}; {@code h}, {@code hour}; {@code min},
 * {@code m}, {@code minute}; {@code s}, {@code sec}, {@code second}; {@code ms}, {@code milli},
 * {@code millisecond}; {@code µs}, {@code us}, {@code micro}, {@code microsecond}; {@code ns},
 * {@code nano}, {@code nanosecond}.
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

  private static final Pattern FORMAT = Pattern.compile("\\s*(\\d{1,18})\\s*(\\p{L}+)?\\s*");

  /** Every unit name, in lower case, singular and plural. */
  private static final Map<String, ChronoUnit> UNITS = units();

  private Durations() {}

  private static Map<String, ChronoUnit> units() {
    Map<String, ChronoUnit> units = new HashMap<>();
    unit(units, ChronoUnit.DAYS, "d", "day");
    unit(units, ChronoUnit.HOURS, "h", "hour");
    unit(units, ChronoUnit.MINUTES, "min", "m", "minute");
    unit(units, ChronoUnit.SECONDS, "s", "sec", "second");
    unit(units, ChronoUnit.MILLIS, "ms", "milli", "millisecond");
    unit(units, ChronoUnit.MICROS, "\u00b5s", "\u03bcs", "us", "micro", "microsecond");
    unit(units, ChronoUnit.NANOS, "ns", "nano", "nanosecond");
    return Map.copyOf(units);
  }

  private static void unit(Map<String, ChronoUnit> units, ChronoUnit unit, String... names) {
    for (String name : names) {
      units.put(name, unit);
      if (name.length() >= 3) {
        units.put(name + "s", unit); // the plural of a word: days, mins, seconds; not of a symbol
      }
    }
  }

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
    ChronoUnit unit = m.group(2) == null ? ChronoUnit.MILLIS : UNITS.get(m.group(2));
    if (unit == null) {
      throw new ConfigException(key, "'" + value + "' is not a duration: unknown unit '" + m.group(2) + "'; use d, h,"
          + " min, s, ms, us or ns");
    }
    Duration parsed;
    try {
      parsed = Duration.of(amount, unit);
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
