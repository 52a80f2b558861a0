package dev.pulse.config;

import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * Flat, immutable configuration: dotted keys ({@code heartbeat.interval}) to string values, with
 * typed getters that fail with a {@link ConfigException} naming the key.
 *
 * <p>Sources are layered with {@link #overriddenBy}: a YAML file flattened to dotted keys, then
 * {@code -Dkey=value} arguments on the command line, then code. Thread-safe (immutable).
 */
public final class Settings {

  private static final Settings EMPTY = new Settings(Map.of());

  private final Map<String, String> values;

  private Settings(Map<String, String> values) {
    this.values = values;
  }

  public static Settings empty() {
    return EMPTY;
  }

  /** Settings holding {@code values}; keys and values are trimmed, {@code null} values are dropped. */
  public static Settings of(Map<String, String> values) {
    Map<String, String> copy = new TreeMap<>();
    values.forEach((k, v) -> {
      if (k != null && v != null) {
        copy.put(k.trim(), v.trim());
      }
    });
    return new Settings(Collections.unmodifiableMap(copy));
  }

  /** Shorthand for tests and embedding: {@code Settings.of("heartbeat.interval", "1 s", ...)}. */
  public static Settings of(String... keysAndValues) {
    if (keysAndValues.length % 2 != 0) {
      throw new IllegalArgumentException("keys and values must come in pairs");
    }
    Map<String, String> map = new LinkedHashMap<>();
    for (int i = 0; i < keysAndValues.length; i += 2) {
      map.put(keysAndValues[i], keysAndValues[i + 1]);
    }
    return of(map);
  }

  /** These settings with every key of {@code overrides} replaced by its value there. */
  public Settings overriddenBy(Settings overrides) {
    Map<String, String> merged = new TreeMap<>(values);
    merged.putAll(overrides.values);
    return new Settings(Collections.unmodifiableMap(merged));
  }

  /** These settings with one more key. */
  public Settings with(String key, String value) {
    return overriddenBy(of(key, value));
  }

  public Map<String, String> asMap() {
    return values;
  }

  /**
   * The value of {@code option}: the one under its key, else under the first of its fallback keys that is
   * set, else its default ({@code null} when it has none).
   *
   * @throws ConfigException naming the key the value was found under if it is not of the option's type
   */
  public <T> T get(ConfigOption<T> option) {
    String key = option.key();
    String raw = values.get(key);
    for (int i = 0; raw == null && i < option.fallbackKeys().size(); i++) {
      key = option.fallbackKeys().get(i).key();
      raw = values.get(key);
    }
    return raw == null ? option.defaultValue() : option.type().parse(key, raw);
  }

  /**
   * These settings with each of {@code options} that is set only under one of its fallback keys also set under
   * its key, so that code reading the key by name sees it (an embedder's {@code taskmanager.numberOfTaskSlots}).
   */
  public Settings withFallbackKeysResolved(Collection<? extends ConfigOption<?>> options) {
    Map<String, String> resolved = new TreeMap<>(values);
    for (ConfigOption<?> option : options) {
      for (int i = 0; !resolved.containsKey(option.key()) && i < option.fallbackKeys().size(); i++) {
        String value = values.get(option.fallbackKeys().get(i).key());
        if (value != null) {
          resolved.put(option.key(), value);
        }
      }
    }
    return resolved.size() == values.size() ? this : new Settings(Collections.unmodifiableMap(resolved));
  }

  public boolean contains(String key) {
    return values.containsKey(key);
  }

  public String string(String key, String defaultValue) {
    String v = values.get(key);
    return v == null || v.isEmpty() ? defaultValue : v;
  }

  /**
   * The path {@code key} names, or {@code null} if it is not set.
   *
   * @throws ConfigException naming {@code key} if it is empty or not a path
   */
  public Path path(String key) {
    return contains(key) ? path(key, asMap().get(key)) : null;
  }

  /** The path a setting's {@code value} names; refuses an empty value or one that is not a path. */
  public static Path path(String key, String value) {
    if (value == null || value.isBlank()) {
      throw new ConfigException(key, "is empty; give a file path or remove the key");
    }
    try {
      return Path.of(value.trim());
    } catch (InvalidPathException e) {
      throw new ConfigException(key, "'" + value + "' is not a valid file path: " + e.getReason());
    }
  }

  /** A value that must be present. */
  public String requiredString(String key) {
    String v = values.get(key);
    if (v == null || v.isEmpty()) {
      throw new ConfigException(key, "is required");
    }
    return v;
  }

  public Duration duration(String key, Duration defaultValue) {
    return values.containsKey(key) ? Durations.parse(key, values.get(key)) : defaultValue;
  }

  /** An integer in {@code [min, max]}. */
  public int intValue(String key, int defaultValue, int min, int max) {
    if (!values.containsKey(key)) {
      return defaultValue;
    }
    String raw = values.get(key);
    int v;
    try {
      v = Integer.parseInt(raw);
    } catch (NumberFormatException e) {
      throw new ConfigException(key, "'" + raw + "' is not a whole number");
    }
    if (v < min || v > max) {
      throw new ConfigException(key, "must be between " + min + " and " + max + ", was " + v);
    }
    return v;
  }

  /** A TCP port, 0 meaning "any free port". */
  public int port(String key, int defaultValue) {
    return intValue(key, defaultValue, 0, 65_535);
  }

  public boolean bool(String key, boolean defaultValue) {
    if (!values.containsKey(key)) {
      return defaultValue;
    }
    String raw = values.get(key);
    if (raw.equalsIgnoreCase("true")) {
      return true;
    }
    if (raw.equalsIgnoreCase("false")) {
      return false;
    }
    throw new ConfigException(key, "'" + raw + "' is not true or false");
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Settings s && values.equals(s.values);
  }

  @Override
  public int hashCode() {
    return Objects.hash(values);
  }

  @Override
  public String toString() {
    return values.toString();
  }
}
