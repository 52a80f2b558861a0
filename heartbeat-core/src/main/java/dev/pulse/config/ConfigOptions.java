package dev.pulse.config;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Builds {@link ConfigOption}s, in Flink's style: {@code ConfigOptions.key("heartbeat.interval").durationType()
 * .defaultValue(Duration.ofSeconds(10)).withDescription("...")}. Stateless.
 */
public final class ConfigOptions {

  private ConfigOptions() {}

  /** Starts the declaration of {@code key}. */
  public static KeyBuilder key(String key) {
    return new KeyBuilder(Objects.requireNonNull(key, "key"));
  }

  /**
   * Every {@code public static final ConfigOption} field of {@code holders}, in declaration order: how a
   * module's {@link ConfigOptionSource} lists its options, so that declaring a field is all it takes to add
   * one.
   */
  public static List<ConfigOption<?>> declaredIn(Class<?>... holders) {
    List<ConfigOption<?>> options = new ArrayList<>();
    for (Class<?> holder : holders) {
      for (Field field : holder.getFields()) {
        int m = field.getModifiers();
        if (Modifier.isStatic(m) && Modifier.isFinal(m) && field.getType() == ConfigOption.class) {
          try {
            options.add((ConfigOption<?>) field.get(null));
          } catch (IllegalAccessException e) {
            throw new IllegalStateException("cannot read " + holder.getName() + "." + field.getName(), e);
          }
        }
      }
    }
    return options;
  }

  /** A key whose type is still to be chosen. */
  public static final class KeyBuilder {
    private final String key;

    private KeyBuilder(String key) {
      this.key = key;
    }

    public TypedBuilder<String> stringType() {
      return type(OptionType.STRING);
    }

    public TypedBuilder<Integer> intType() {
      return type(OptionType.INT);
    }

    public TypedBuilder<Boolean> booleanType() {
      return type(OptionType.BOOLEAN);
    }

    public TypedBuilder<Duration> durationType() {
      return type(OptionType.DURATION);
    }

    public TypedBuilder<Integer> portType() {
      return type(OptionType.PORT);
    }

    public TypedBuilder<Path> pathType() {
      return type(OptionType.PATH);
    }

    public TypedBuilder<String> hostType() {
      return type(OptionType.HOST);
    }

    public <E extends Enum<E>> TypedBuilder<E> enumType(Class<E> enumClass) {
      return type(OptionType.enumType(enumClass));
    }

    public <T> TypedBuilder<T> type(OptionType<T> type) {
      return new TypedBuilder<>(key, Objects.requireNonNull(type, "type"));
    }
  }

  /** A key with a type, whose default is still to be given. */
  public static final class TypedBuilder<T> {
    private final String key;
    private final OptionType<T> type;

    private TypedBuilder(String key, OptionType<T> type) {
      this.key = key;
      this.type = type;
    }

    public ConfigOption<T> defaultValue(T value) {
      return new ConfigOption<>(key, type, Objects.requireNonNull(value, "value"), null, "", List.of());
    }

    /** The option is unset unless configured (or its default depends on other settings: describe it). */
    public ConfigOption<T> noDefaultValue() {
      return new ConfigOption<>(key, type, null, null, "", List.of());
    }
  }
}
