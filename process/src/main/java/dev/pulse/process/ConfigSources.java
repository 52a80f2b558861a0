package dev.pulse.process;

import dev.pulse.config.ConfigException;
import dev.pulse.config.ConfigOption;
import dev.pulse.config.ConfigRegistry;
import dev.pulse.config.Settings;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Consumer;

/**
 * Where a Pulse process's configuration comes from, and in which order (each wins over the one before):
 *
 * <ol>
 *   <li>the defaults of the keys;
 *   <li>the YAML file: {@code -c FILE}, else {@code $PULSE_CONF_DIR/config.yaml} (which must then exist), else
 *       {@code conf/config.yaml} of the installation (the directory the {@code pulse.home} system property
 *       names, which {@code bin/} scripts set), if it exists;
 *   <li>the environment, for containers: {@code PULSE_PROPERTIES} holds YAML ({@code key: value} lines, as
 *       Flink's {@code FLINK_PROPERTIES}), and each {@code PULSE_<KEY>} variable sets one key, its name being
 *       the key in upper case with every other character than a letter or digit as {@code _}
 *       ({@code PULSE_HEARTBEAT_INTERVAL}, {@code PULSE_TASKEXECUTOR_NUMBEROFTASKSLOTS}); the single
 *       variables win over {@code PULSE_PROPERTIES};
 *   <li>{@code -Dkey=value} on the command line.
 * </ol>
 *
 * <p>Each source is checked against the {@link ConfigRegistry} before it is layered: an unknown key, or a
 * value not of its key's type, is a {@link ConfigException} naming the key and the source. A {@code PULSE_*}
 * variable that names no key is not: the scripts share the prefix ({@code PULSE_LOG_LEVEL}), so it is reported
 * as a warning, with the closest variable that does. Immutable; thread-safe.
 */
public final class ConfigSources {

  /** System property naming the installation directory, whose {@code conf/config.yaml} is read by default. */
  public static final String HOME_PROPERTY = "pulse.home";
  /** Environment variable naming the directory whose {@code config.yaml} is read by default. */
  public static final String CONF_DIR_VARIABLE = "PULSE_CONF_DIR";
  /** Environment variable holding YAML settings, e.g. {@code "heartbeat.interval: 1 s\ntaskexecutor.numberOfTaskSlots: 4"}. */
  public static final String PROPERTIES_VARIABLE = "PULSE_PROPERTIES";
  /** The prefix of the variables that set one key each. */
  public static final String VARIABLE_PREFIX = "PULSE_";
  /** {@code PULSE_*} variables that are for the scripts, not configuration keys. */
  static final Set<String> SCRIPT_VARIABLES =
      Set.of("PULSE_LOG_LEVEL", "PULSE_SCRIPT", "PULSE_HOME", "PULSE_BENCH_NOFILE", CONF_DIR_VARIABLE,
          PROPERTIES_VARIABLE);

  private final ConfigRegistry registry;
  private final Map<String, String> environment;
  private final Path home;
  private final Consumer<String> warnings;

  /**
   * @param environment the process's environment variables
   * @param home the installation directory, or {@code null} when not run from one
   * @param warnings receives one line for each {@code PULSE_*} variable that names no key
   */
  public ConfigSources(ConfigRegistry registry, Map<String, String> environment, Path home, Consumer<String> warnings) {
    this.registry = Objects.requireNonNull(registry, "registry");
    this.environment = Map.copyOf(environment);
    this.home = home;
    this.warnings = Objects.requireNonNull(warnings, "warnings");
  }

  /**
   * This process's sources: every key on the class path, {@link System#getenv()}, and the installation named by
   * the {@value #HOME_PROPERTY} system property.
   */
  public static ConfigSources ofThisProcess(Consumer<String> warnings) {
    String home = System.getProperty(HOME_PROPERTY);
    return new ConfigSources(ConfigRegistry.fromClasspath(), System.getenv(),
        home == null || home.isBlank() ? null : Path.of(home), warnings);
  }

  public ConfigRegistry registry() {
    return registry;
  }

  /**
   * The configuration file read when no {@code -c FILE} is given, or {@code null} if there is none to read.
   *
   * @throws ConfigException if {@code PULSE_CONF_DIR} is set and holds no {@code config.yaml}
   */
  public Path defaultFile() {
    String confDir = environment.get(CONF_DIR_VARIABLE);
    if (confDir != null && !confDir.isBlank()) {
      Path file = Path.of(confDir, "config.yaml");
      if (!Files.isRegularFile(file)) {
        throw new ConfigException(CONF_DIR_VARIABLE, file + " does not exist");
      }
      return file;
    }
    if (home != null) {
      Path file = home.resolve("conf").resolve("config.yaml");
      return Files.isRegularFile(file) ? file : null;
    }
    return null;
  }

  /**
   * Every source layered, each checked against the registry.
   *
   * @param file the {@code -c} file, or {@code null} for {@link #defaultFile()}
   * @param overrides the {@code -D} settings
   * @throws ConfigException naming the key (and its source) of the first unknown key or ill-typed value
   */
  public Settings load(Path file, Map<String, String> overrides) {
    Path read = file != null ? file : defaultFile();
    Settings settings = read == null ? Settings.empty() : registry.validate(ConfigFiles.load(read), read.toString());
    return settings.overriddenBy(fromEnvironment()).overriddenBy(registry.validate(Settings.of(overrides), "-D"));
  }

  /** The settings the environment holds: {@code PULSE_PROPERTIES}, overridden by the {@code PULSE_<KEY>} variables. */
  Settings fromEnvironment() {
    Settings settings = Settings.empty();
    String properties = environment.get(PROPERTIES_VARIABLE);
    if (properties != null && !properties.isBlank()) {
      settings = registry.validate(ConfigFiles.parse(PROPERTIES_VARIABLE, properties), PROPERTIES_VARIABLE);
    }
    Map<String, String> keyByVariable = new HashMap<>();
    for (ConfigOption<?> option : registry.options()) {
      keyByVariable.put(variableName(option.key()), option.key());
    }
    Map<String, String> single = new TreeMap<>();
    new TreeMap<>(environment).forEach((variable, value) -> {
      if (!variable.startsWith(VARIABLE_PREFIX) || SCRIPT_VARIABLES.contains(variable)) {
        return;
      }
      String key = keyByVariable.get(variable);
      if (key != null) {
        registry.validate(Settings.of(key, value), "environment variable " + variable);
        single.put(key, value);
      } else {
        warnings.accept("ignoring environment variable " + variable + ": it names no configuration key"
            + closestVariable(variable, keyByVariable));
      }
    });
    return settings.overriddenBy(Settings.of(single));
  }

  private String closestVariable(String variable, Map<String, String> keyByVariable) {
    String asKey = variable.substring(VARIABLE_PREFIX.length()).toLowerCase(Locale.ROOT).replace('_', '.');
    String closest = registry.closestKey(asKey);
    return closest == null ? "" : "; did you mean " + variableName(closest) + " (" + closest + ")?";
  }

  /** The environment variable that sets {@code key}, e.g. {@code PULSE_HEARTBEAT_INTERVAL}. */
  public static String variableName(String key) {
    return VARIABLE_PREFIX + key.toUpperCase(Locale.ROOT).replaceAll("[^A-Z0-9]", "_");
  }
}
