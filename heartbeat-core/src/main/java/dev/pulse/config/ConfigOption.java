package dev.pulse.config;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;

/**
 * One configuration key, declared once by the module that reads it (as Flink's {@code ConfigOption}):
 * its name, value type, default, description and the other names it is also accepted under. Build one
 * with {@link ConfigOptions#key}:
 *
 * <pre>{@code
 * public static final ConfigOption<Integer> NUMBER_OF_TASK_SLOTS = ConfigOptions.key("taskexecutor.numberOfTaskSlots")
 *     .intType()
 *     .defaultValue(1)
 *     .withAlternativeKeys("taskmanager.numberOfTaskSlots")
 *     .withDescription("Slots the task executor offers, 1..1024.");
 * }</pre>
 *
 * <p>The {@link ConfigRegistry} collects every declared option for validation, the default
 * {@code conf/config.yaml} and the configuration reference; {@link Settings#get(ConfigOption)} reads one.
 * Immutable and thread-safe: each {@code with...} method returns a copy.
 *
 * @param <T> the type of the value
 */
public final class ConfigOption<T> {

  /**
   * Another name a key is accepted under.
   *
   * @param key the other name
   * @param deprecated whether using it is logged as a warning naming the key to use instead; {@code false}
   *     for names kept on purpose, such as Flink's
   */
  public record FallbackKey(String key, boolean deprecated) {
    public FallbackKey {
      Objects.requireNonNull(key, "key");
    }
  }

  private final String key;
  private final OptionType<T> type;
  private final T defaultValue;
  private final String defaultDescription;
  private final String description;
  private final List<FallbackKey> fallbackKeys;

  ConfigOption(String key, OptionType<T> type, T defaultValue, String defaultDescription, String description,
      List<FallbackKey> fallbackKeys) {
    this.key = Objects.requireNonNull(key, "key");
    this.type = Objects.requireNonNull(type, "type");
    this.defaultValue = defaultValue;
    this.defaultDescription = defaultDescription;
    this.description = Objects.requireNonNull(description, "description");
    this.fallbackKeys = List.copyOf(fallbackKeys);
  }

  /** This option, described by {@code text} in the configuration reference and {@code --help}. */
  public ConfigOption<T> withDescription(String text) {
    return new ConfigOption<>(key, type, defaultValue, defaultDescription, text, fallbackKeys);
  }

  /**
   * This option, with its default described in words where the value depends on other settings or on the
   * host, e.g. {@code "heartbeat.timeout"} or {@code "this host's name plus a random suffix"}.
   */
  public ConfigOption<T> withDefaultDescription(String text) {
    return new ConfigOption<>(key, type, defaultValue, text, description, fallbackKeys);
  }

  /** This option, also accepted under {@code keys} without a warning (for example Flink's own names). */
  public ConfigOption<T> withAlternativeKeys(String... keys) {
    return withFallbacks(keys, false);
  }

  /** This option, still accepted under the old names {@code keys}, each use logged as a warning. */
  public ConfigOption<T> withDeprecatedKeys(String... keys) {
    return withFallbacks(keys, true);
  }

  private ConfigOption<T> withFallbacks(String[] keys, boolean deprecated) {
    List<FallbackKey> all = new ArrayList<>(fallbackKeys);
    for (String k : keys) {
      all.add(new FallbackKey(k, deprecated));
    }
    return new ConfigOption<>(key, type, defaultValue, defaultDescription, description, all);
  }

  /** The key, e.g. {@code heartbeat.interval}. */
  public String key() {
    return key;
  }

  public OptionType<T> type() {
    return type;
  }

  /** Whether the option has a fixed default value. */
  public boolean hasDefaultValue() {
    return defaultValue != null;
  }

  /** The fixed default value, or {@code null} if the option has none (see {@link #defaultText()}). */
  public T defaultValue() {
    return defaultValue;
  }

  /** The default as the configuration reference shows it: described in words, the value, or {@code none}. */
  public String defaultText() {
    if (defaultDescription != null) {
      return defaultDescription;
    }
    return defaultValue == null ? "none" : type.format(defaultValue);
  }

  public String description() {
    return description;
  }

  /** The other names the option is accepted under, in declaration order. */
  public List<FallbackKey> fallbackKeys() {
    return Collections.unmodifiableList(fallbackKeys);
  }

  @Override
  public String toString() {
    return key + " (" + type + ", default " + defaultText() + ")";
  }
}
