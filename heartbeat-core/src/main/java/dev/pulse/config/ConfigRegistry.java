package dev.pulse.config;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.ServiceLoader;
import java.util.TreeMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Every configuration key Pulse knows, in one place: what the processes check their configuration file,
 * environment and {@code -D} overrides against, what the default {@code conf/config.yaml} is tested
 * against, and what the configuration reference is generated from.
 *
 * <p>Each module declares its own keys ({@link ConfigOption} fields in an options class) and lists them in
 * a {@link ConfigOptionSource}; {@link #fromClasspath()} collects the sources of every module present.
 * {@link #validate} refuses a key that is not declared, naming the closest declared one ("did you mean"),
 * and a value that is not of the key's type; it renames the other names a key is accepted under (Flink's
 * {@code taskmanager.*}, deprecated names) to the key itself. Ranges and rules between keys stay with the
 * config records that read them ({@code HeartbeatConfig}, ...).
 *
 * <p>Immutable and thread-safe.
 */
public final class ConfigRegistry {

  private static final Logger LOG = LoggerFactory.getLogger(ConfigRegistry.class);

  /** Options by key. */
  private final Map<String, ConfigOption<?>> options;
  /** Every accepted name, the keys and their fallback keys, to the option. */
  private final Map<String, ConfigOption<?>> byName;

  private ConfigRegistry(Map<String, ConfigOption<?>> options, Map<String, ConfigOption<?>> byName) {
    this.options = options;
    this.byName = byName;
  }

  /**
   * A registry of {@code options}.
   *
   * @throws IllegalArgumentException if two options share a key or a fallback key
   */
  public static ConfigRegistry of(Collection<? extends ConfigOption<?>> options) {
    Map<String, ConfigOption<?>> sorted = new TreeMap<>();
    Map<String, ConfigOption<?>> byName = new HashMap<>();
    for (ConfigOption<?> option : options) {
      claim(byName, option.key(), option);
      sorted.put(option.key(), option);
      for (ConfigOption.FallbackKey fallback : option.fallbackKeys()) {
        claim(byName, fallback.key(), option);
      }
    }
    return new ConfigRegistry(java.util.Collections.unmodifiableMap(sorted), Map.copyOf(byName));
  }

  private static void claim(Map<String, ConfigOption<?>> byName, String name, ConfigOption<?> option) {
    ConfigOption<?> before = byName.putIfAbsent(name, option);
    if (before != null) {
      throw new IllegalArgumentException("configuration key " + name + " is declared twice: by " + before + " and by "
          + option);
    }
  }

  /** The options of every {@link ConfigOptionSource} on the class path (one per module present). */
  public static ConfigRegistry fromClasspath() {
    List<ConfigOption<?>> all = new ArrayList<>();
    for (ConfigOptionSource source : ServiceLoader.load(ConfigOptionSource.class, ConfigRegistry.class.getClassLoader())) {
      all.addAll(source.options());
    }
    return of(all);
  }

  /** Every option, sorted by key. */
  public List<ConfigOption<?>> options() {
    return List.copyOf(options.values());
  }

  /** The option {@code name} is the key or a fallback key of. */
  public Optional<ConfigOption<?>> find(String name) {
    return Optional.ofNullable(byName.get(name));
  }

  /**
   * Checks one source of settings and returns them under their keys.
   *
   * @param source names the source in errors, e.g. {@code conf/config.yaml}, {@code -D}
   * @return {@code settings} with every fallback key renamed to its option's key
   * @throws ConfigException naming the first unknown key (with the closest known key), the first value
   *     that is not of its key's type, or a key given under two of its names
   */
  public Settings validate(Settings settings, String source) {
    Map<String, String> canonical = new TreeMap<>();
    Map<String, String> givenAs = new HashMap<>();
    for (Map.Entry<String, String> e : settings.asMap().entrySet()) {
      String name = e.getKey();
      ConfigOption<?> option = byName.get(name);
      if (option == null) {
        throw unknown(name, source);
      }
      String other = givenAs.put(option.key(), name);
      if (other != null) {
        throw new ConfigException(name, "is another name of " + option.key() + ", which " + source + " also sets as "
            + other + "; keep one");
      }
      if (!name.equals(option.key())) {
        warnIfDeprecated(option, name, source);
      }
      option.type().parse(name, e.getValue());
      canonical.put(option.key(), e.getValue());
    }
    return Settings.of(canonical);
  }

  private static void warnIfDeprecated(ConfigOption<?> option, String name, String source) {
    for (ConfigOption.FallbackKey fallback : option.fallbackKeys()) {
      if (fallback.key().equals(name) && fallback.deprecated()) {
        LOG.warn("{} (in {}) is deprecated; use {}", name, source, option.key());
      }
    }
  }

  /** The error for a key that is not declared: names it, where it came from, and the closest known key. */
  public ConfigException unknown(String name, String source) {
    String closest = closestKey(name);
    return new ConfigException(name, "unknown configuration key (in " + source + ")"
        + (closest == null ? "; see the configuration reference for every key" : "; did you mean " + closest + "?"));
  }

  /**
   * The key of the option whose key or fallback key is closest to {@code name} by edit distance, ignoring
   * case; {@code null} if none is close enough to be a likely misspelling (at most a third of the name's
   * characters, and at least three, differ).
   */
  public String closestKey(String name) {
    String lower = name.toLowerCase(Locale.ROOT);
    int limit = Math.max(3, name.length() / 3);
    return byName.entrySet().stream()
        .map(e -> Map.entry(e.getValue().key(), editDistance(lower, e.getKey().toLowerCase(Locale.ROOT))))
        .filter(e -> e.getValue() <= limit)
        .min(Comparator.<Map.Entry<String, Integer>>comparingInt(Map.Entry::getValue).thenComparing(Map.Entry::getKey))
        .map(Map.Entry::getKey)
        .orElse(null);
  }

  /** Levenshtein distance: insertions, deletions and substitutions of one character. */
  static int editDistance(String a, String b) {
    int[] previous = new int[b.length() + 1];
    int[] current = new int[b.length() + 1];
    for (int j = 0; j <= b.length(); j++) {
      previous[j] = j;
    }
    for (int i = 1; i <= a.length(); i++) {
      current[0] = i;
      for (int j = 1; j <= b.length(); j++) {
        int substitute = previous[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
        current[j] = Math.min(substitute, Math.min(previous[j] + 1, current[j - 1] + 1));
      }
      int[] swap = previous;
      previous = current;
      current = swap;
    }
    return previous[b.length()];
  }
}
