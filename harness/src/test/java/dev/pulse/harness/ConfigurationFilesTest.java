package dev.pulse.harness;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pulse.config.ConfigOption;
import dev.pulse.config.ConfigRegistry;
import dev.pulse.config.Settings;
import dev.pulse.process.ConfigFiles;
import dev.pulse.process.ConfigReference;
import dev.pulse.process.ConfigSources;
import java.io.IOException;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * The one registry of keys (every module's, as the processes see them) against the files made from it: the
 * generated reference {@code docs/configuration.md}, the default {@code conf/config.yaml}, and the key constants in
 * the code.
 */
class ConfigurationFilesTest {

  private static final Path ROOT = Path.of("..");
  private static final Path REFERENCE = ROOT.resolve("docs/configuration.md");
  private static final Path CONFIG_YAML = ROOT.resolve("conf/config.yaml");
  /** A commented-out key in conf/config.yaml: {@code # key: example}. */
  private static final Pattern COMMENTED_KEY = Pattern.compile("^#\\s?([a-z][A-Za-z0-9.-]+\\.[A-Za-z0-9.-]+):\\s.*$");
  /** Keys conf/config.yaml leaves out on purpose, with the reason. */
  private static final Map<String, String> LEFT_OUT_OF_CONFIG_YAML = Map.of();
  /** Prefixes of Pulse's keys, to find key constants in the code. */
  private static final Pattern KEY_LIKE = Pattern.compile(
      "(heartbeat|resourcemanager|taskexecutor|taskmanager|rest|security|rpc|high-availability)\\.[A-Za-z0-9.-]+");

  private final ConfigRegistry registry = ConfigRegistry.fromClasspath();

  @Test
  void reference_isWhatTheDeclarationsRender() throws IOException {
    String expected = ConfigReference.render(registry);
    String actual = Files.exists(REFERENCE) ? Files.readString(REFERENCE) : "";
    assertThat(actual)
        .as("docs/configuration.md is out of date; regenerate it: mvn -B package -DskipTests && bin/pulse-java"
            + " dev.pulse.process.ConfigReference docs/configuration.md")
        .isEqualTo(expected);
  }

  @Test
  void reference_listsEveryKeyWithItsOtherNames() throws IOException {
    String reference = Files.readString(REFERENCE);
    for (ConfigOption<?> option : registry.options()) {
      assertThat(reference).contains("| `" + option.key() + "` |");
      option.fallbackKeys().forEach(f -> assertThat(reference).contains("`" + f.key() + "`"));
    }
    assertThat(reference).contains("`taskmanager.numberOfTaskSlots`");
  }

  @Test
  void configYaml_holdsOnlyKnownKeysWithValidValuesEqualToTheirDefaults() {
    Settings file = ConfigFiles.load(CONFIG_YAML);
    Settings checked = registry.validate(file, "conf/config.yaml"); // throws on an unknown key or a bad value

    for (Map.Entry<String, String> e : checked.asMap().entrySet()) {
      ConfigOption<?> option = registry.find(e.getKey()).orElseThrow();
      if (option.hasDefaultValue()) {
        assertThat((Object) option.type().parse(e.getKey(), e.getValue()))
            .as("conf/config.yaml shows %s with its default", e.getKey()).isEqualTo(option.defaultValue());
      }
    }
  }

  @Test
  void configYaml_showsEveryKey_setOrCommentedOut_unlessLeftOutOnPurpose() throws IOException {
    Set<String> shown = new TreeSet<>(ConfigFiles.load(CONFIG_YAML).asMap().keySet());
    List<String> unknownComments = new ArrayList<>();
    for (String line : Files.readAllLines(CONFIG_YAML)) {
      Matcher m = COMMENTED_KEY.matcher(line);
      if (m.matches()) {
        if (registry.find(m.group(1)).isPresent()) {
          shown.add(m.group(1));
        } else {
          unknownComments.add(m.group(1));
        }
      }
    }
    Set<String> missing = registry.options().stream().map(ConfigOption::key)
        .filter(k -> !shown.contains(k) && !LEFT_OUT_OF_CONFIG_YAML.containsKey(k))
        .collect(Collectors.toCollection(TreeSet::new));

    assertThat(missing).as("keys conf/config.yaml neither sets nor shows in a comment").isEmpty();
    assertThat(unknownComments).as("commented-out keys in conf/config.yaml that are not keys").isEmpty();
  }

  @Test
  void everyKeyConstantInTheCode_isDeclared() throws Exception {
    Set<String> undeclared = new TreeSet<>();
    for (Class<?> c : productionClasses()) {
      for (Field field : c.getDeclaredFields()) {
        int m = field.getModifiers();
        if (Modifier.isStatic(m) && Modifier.isFinal(m) && field.getType() == String.class
            && !field.getName().startsWith("DEFAULT_")) {
          field.setAccessible(true);
          String value = (String) field.get(null);
          if (value != null && KEY_LIKE.matcher(value).matches() && registry.find(value).isEmpty()) {
            undeclared.add(c.getName() + "." + field.getName() + " = " + value);
          }
        }
      }
    }

    assertThat(undeclared).as("key constants without a ConfigOption declaration (add one to the module's"
        + " *ConfigOptions class)").isEmpty();
  }

  /** The classes of Pulse's main code on the class path: the modules' target/classes (or their jars, not test-jars). */
  private static List<Class<?>> productionClasses() throws IOException {
    List<Class<?>> classes = new ArrayList<>();
    for (String entry : System.getProperty("java.class.path").split(java.io.File.pathSeparator)) {
      Path path = Path.of(entry);
      boolean mainClasses = Files.isDirectory(path) && path.endsWith(Path.of("target", "classes"));
      boolean mainJar = path.getFileName().toString().matches("pulse-[a-z-]+-[0-9][^-]*(-SNAPSHOT)?\\.jar");
      if (!mainClasses && !mainJar) {
        continue;
      }
      try (java.nio.file.FileSystem jar = mainJar ? java.nio.file.FileSystems.newFileSystem(path) : null) {
        Path root = jar != null ? jar.getPath("/") : path;
        List<String> names;
        try (var files = Files.walk(root)) {
          names = files.map(f -> root.relativize(f).toString())
              .filter(n -> n.startsWith("dev/pulse/") && n.endsWith(".class") && !n.startsWith("dev/pulse/proto/"))
              .map(n -> n.substring(0, n.length() - ".class".length()).replace('/', '.'))
              .collect(Collectors.toList());
        }
        for (String name : names) {
          try {
            classes.add(Class.forName(name, false, ConfigurationFilesTest.class.getClassLoader()));
          } catch (ClassNotFoundException | LinkageError e) {
            // a class whose optional dependencies are absent holds no key constant we could check
          }
        }
      }
    }
    assertThat(classes).as("Pulse's classes on the class path").isNotEmpty();
    return classes;
  }

  @Test
  void environmentVariableNames_areOnePerKey() {
    Map<String, String> keyByVariable = new HashMap<>();
    for (ConfigOption<?> option : registry.options()) {
      String before = keyByVariable.put(ConfigSources.variableName(option.key()), option.key());
      assertThat(before).as("%s and %s share an environment variable", before, option.key()).isNull();
    }
    assertThat(keyByVariable).containsEntry("PULSE_TASKEXECUTOR_NUMBEROFTASKSLOTS", "taskexecutor.numberOfTaskSlots");
  }

  @Test
  void everyModuleDeclaresItsKeys() {
    assertThat(registry.options()).extracting(ConfigOption::key).contains("heartbeat.interval",
        "rpc.max-message-size", "resourcemanager.rpc.port", "resourcemanager.store.dir", "rest.port",
        "security.ssl.rest.cert", "taskexecutor.numberOfTaskSlots", "taskexecutor.bind-host");
    assertThat(registry.options()).allSatisfy(o -> assertThat(o.description()).as(o.key()).isNotBlank());
    assertThat(registry.options()).noneMatch(Objects::isNull);
  }
}
