package dev.pulse.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.Objects;
import java.util.function.Function;

/**
 * The type of a configuration key's value: the name the configuration reference shows, how a value is
 * parsed (failing with a {@link ConfigException} that names the key) and how a default is printed.
 * Immutable and thread-safe.
 *
 * @param <T> the parsed value's type
 */
public final class OptionType<T> {

  /** Parses the text of one value. */
  @FunctionalInterface
  public interface Parser<T> {
    /**
     * @param key the key the value was given for, named in the error
     * @throws ConfigException if {@code value} is not of this type
     */
    T parse(String key, String value);
  }

  /** Any text. */
  public static final OptionType<String> STRING = of("string", (key, value) -> value, s -> s);
  /** A whole number. */
  public static final OptionType<Integer> INT = of("integer", OptionType::parseInt, String::valueOf);
  /** {@code true} or {@code false}, in any case. */
  public static final OptionType<Boolean> BOOLEAN = of("boolean", OptionType::parseBoolean, String::valueOf);
  /** A duration in {@link Durations}' format. */
  public static final OptionType<Duration> DURATION = of("duration", Durations::parse, Durations::format);
  /** A TCP port, 0 to 65535 (0: any free port). */
  public static final OptionType<Integer> PORT = of("port", OptionType::parsePort, String::valueOf);
  /** A file or directory path. */
  public static final OptionType<Path> PATH = of("path", Settings::path, Path::toString);
  /** A host name or IP address, without a port. */
  public static final OptionType<String> HOST = of("host", OptionType::parseHost, s -> s);

  private final String name;
  private final Parser<T> parser;
  private final Function<T, String> printer;

  private OptionType(String name, Parser<T> parser, Function<T, String> printer) {
    this.name = Objects.requireNonNull(name, "name");
    this.parser = Objects.requireNonNull(parser, "parser");
    this.printer = Objects.requireNonNull(printer, "printer");
  }

  /**
   * A type of its own, e.g. a size in bytes.
   *
   * @param name how the configuration reference names it
   * @param printer prints a default value so that {@code parser} reads it back
   */
  public static <T> OptionType<T> of(String name, Parser<T> parser, Function<T, String> printer) {
    return new OptionType<>(name, parser, printer);
  }

  /** One of {@code type}'s constants, written in any case ({@code sqlite}, {@code SQLITE}). */
  public static <E extends Enum<E>> OptionType<E> enumType(Class<E> type) {
    StringBuilder names = new StringBuilder();
    for (E constant : type.getEnumConstants()) {
      names.append(names.length() == 0 ? "" : ", ").append(constant.name().toLowerCase(Locale.ROOT));
    }
    String allowed = names.toString().replaceFirst(", ([^,]*)$", " or $1");
    return of("one of " + names, (key, value) -> {
      try {
        return Enum.valueOf(type, value.trim().toUpperCase(Locale.ROOT));
      } catch (IllegalArgumentException e) {
        throw new ConfigException(key, "'" + value + "' is not " + allowed);
      }
    }, constant -> constant.name().toLowerCase(Locale.ROOT));
  }

  /** How the configuration reference names this type. */
  public String name() {
    return name;
  }

  /**
   * @throws ConfigException naming {@code key} if {@code value} is not of this type
   */
  public T parse(String key, String value) {
    if (value == null) {
      throw new ConfigException(key, "has no value");
    }
    return parser.parse(key, value.trim());
  }

  /** {@code value} as text that {@link #parse} reads back. */
  public String format(T value) {
    return printer.apply(value);
  }

  @Override
  public String toString() {
    return name;
  }

  private static int parseInt(String key, String value) {
    try {
      return Integer.parseInt(value);
    } catch (NumberFormatException e) {
      throw new ConfigException(key, "'" + value + "' is not a whole number");
    }
  }

  private static int parsePort(String key, String value) {
    int port = parseInt(key, value);
    if (port < 0 || port > 65_535) {
      throw new ConfigException(key, "must be between 0 and 65535, was " + port);
    }
    return port;
  }

  private static boolean parseBoolean(String key, String value) {
    if (value.equalsIgnoreCase("true")) {
      return true;
    }
    if (value.equalsIgnoreCase("false")) {
      return false;
    }
    throw new ConfigException(key, "'" + value + "' is not true or false");
  }

  private static String parseHost(String key, String value) {
    // One colon is host:port; an IPv6 address has at least two.
    if (!HostPort.isHost(value) || value.indexOf(':') >= 0 && value.indexOf(':') == value.lastIndexOf(':')) {
      throw new ConfigException(key, Echo.quote(value) + " is not a host name or IP address (without a port)");
    }
    return value;
  }
}
