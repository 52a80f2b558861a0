package dev.pulse.process;

import dev.pulse.config.ConfigException;
import dev.pulse.config.Settings;
import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.error.YAMLException;

/**
 * Reads Pulse's YAML configuration files into flat {@link Settings}.
 *
 * <p>Both layouts work and may be mixed: flat dotted keys ({@code heartbeat.interval: 10 s}) and
 * nested maps ({@code heartbeat: {interval: 10 s}}). Scalars become their string form; lists and
 * {@code null} values are refused, naming the key. Only plain YAML is accepted (no custom tags).
 */
public final class ConfigFiles {

  /** The pseudo-key errors about the file itself are reported under. */
  public static final String FILE_KEY = "config file";

  private ConfigFiles() {}

  /**
   * @throws ConfigException if the file is missing, unreadable, not YAML, or holds a value that is
   *     not a scalar; the message names the file or key
   */
  public static Settings load(Path file) {
    String text;
    try {
      text = Files.readString(file, StandardCharsets.UTF_8);
    } catch (NoSuchFileException e) {
      throw new ConfigException(FILE_KEY, file + " does not exist");
    } catch (IOException e) {
      throw new ConfigException(FILE_KEY, "cannot read " + file + ": " + e.getMessage());
    }
    return parse(file.toString(), text);
  }

  /** Parses YAML text; {@code source} names it in errors. */
  public static Settings parse(String source, String text) {
    Object root;
    try (Reader reader = new java.io.StringReader(text)) {
      root = new Yaml(new SafeConstructor(new LoaderOptions())).load(reader);
    } catch (YAMLException | IOException e) {
      throw new ConfigException(FILE_KEY, source + " is not valid YAML: " + firstLine(e.getMessage()));
    }
    if (root == null) {
      return Settings.empty();
    }
    if (!(root instanceof Map<?, ?> map)) {
      throw new ConfigException(FILE_KEY, source + " must hold a map of keys to values");
    }
    Map<String, String> flat = new TreeMap<>();
    flatten("", map, flat);
    return Settings.of(flat);
  }

  private static void flatten(String prefix, Map<?, ?> map, Map<String, String> out) {
    for (Map.Entry<?, ?> e : map.entrySet()) {
      String key = prefix + e.getKey();
      Object value = e.getValue();
      if (value instanceof Map<?, ?> nested) {
        flatten(key + ".", nested, out);
      } else if (value == null) {
        throw new ConfigException(key, "has no value; remove the key to use the default");
      } else if (value instanceof List<?>) {
        throw new ConfigException(key, "must be a single value, not a list");
      } else {
        out.put(key, String.valueOf(value));
      }
    }
  }

  private static String firstLine(String message) {
    if (message == null) {
      return "parse error";
    }
    int nl = message.indexOf('\n');
    return nl < 0 ? message : message.substring(0, nl);
  }
}
