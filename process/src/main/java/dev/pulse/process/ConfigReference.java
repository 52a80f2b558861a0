package dev.pulse.process;

import dev.pulse.config.ConfigOption;
import dev.pulse.config.ConfigRegistry;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Collectors;

/**
 * Writes the configuration reference ({@code docs/configuration.md}) from the {@link ConfigRegistry}: every
 * key with its type, default, other names, environment variable and description, so that the documentation
 * cannot drift from the declarations. A test checks that the committed file is what this renders.
 *
 * <p>Run it on the class path of every module: {@code bin/pulse-java dev.pulse.process.ConfigReference
 * docs/configuration.md}. Stateless.
 */
public final class ConfigReference {

  private ConfigReference() {}

  public static void main(String[] args) throws IOException {
    if (args.length != 1) {
      System.err.println("usage: ConfigReference OUTPUT.md   (e.g. docs/configuration.md)");
      System.exit(2);
    }
    Path out = Path.of(args[0]);
    if (out.getParent() != null) {
      Files.createDirectories(out.getParent());
    }
    Files.writeString(out, render(ConfigRegistry.fromClasspath()), StandardCharsets.UTF_8);
    System.out.println("wrote " + out);
  }

  /** The reference as Markdown. */
  public static String render(ConfigRegistry registry) {
    StringBuilder md = new StringBuilder();
    md.append("# Configuration reference\n\n")
        .append("<!-- Generated from the key declarations (ConfigOption fields) by dev.pulse.process.ConfigReference;"
            + " do not edit. Regenerate: bin/pulse-java dev.pulse.process.ConfigReference docs/configuration.md -->\n\n")
        .append("Every key the resource manager and the task executor read. A process refuses to start (exit code 1,"
            + " one line naming the key) when a source holds a key that is not listed here, naming the closest one"
            + " (\"did you mean\"), or a value that is not of the key's type.\n\n")
        .append("## Where settings come from\n\n")
        .append("Each source wins over the one before:\n\n")
        .append("1. the defaults below;\n")
        .append("2. the YAML file: `-c FILE`, else `$" + ConfigSources.CONF_DIR_VARIABLE + "/config.yaml` (which must then"
            + " exist), else `conf/config.yaml` of the installation (next to `bin/`), if it exists. Keys may be flat"
            + " (`heartbeat.interval: 10 s`) or nested (`heartbeat: {interval: 10 s}`);\n")
        .append("3. the environment, for containers: `" + ConfigSources.PROPERTIES_VARIABLE + "` holds YAML"
            + " (`key: value` lines, like Flink's `FLINK_PROPERTIES`), and each `PULSE_<KEY>` variable below sets"
            + " one key and wins over `" + ConfigSources.PROPERTIES_VARIABLE + "`. A `PULSE_` variable that names no"
            + " key is reported as a warning (the scripts use `PULSE_LOG_LEVEL`);\n")
        .append("4. `-Dkey=value` on the command line.\n\n")
        .append("A key may also be given under one of its other names (Flink's `taskmanager.*` names, for example),"
            + " in any source, but not under two names in one source.\n\n")
        .append("**Types.** A *duration* is a whole number and a unit: `d`/`day`, `h`/`hour`, `min`/`m`/`minute`,"
            + " `s`/`sec`/`second`, `ms`/`milli`/`millisecond`, `µs`/`us`/`micro`/`microsecond`,"
            + " `ns`/`nano`/`nanosecond` (plurals too, any case, with or without a space); a plain number is"
            + " milliseconds; at most 365 days. A *size* is a number of bytes, optionally with `kb` or `mb` (binary"
            + " units). A *host* is a host name or an IP address without a port. A *port* is 0 to 65535. Booleans"
            + " are `true` or `false`.\n\n")
        .append("## Keys\n\n")
        .append("| key | type | default | other names | environment variable | description |\n")
        .append("|---|---|---|---|---|---|\n");
    for (ConfigOption<?> option : registry.options()) {
      String others = option.fallbackKeys().stream()
          .map(f -> "`" + f.key() + "`" + (f.deprecated() ? " (deprecated)" : ""))
          .collect(Collectors.joining(", "));
      md.append("| `").append(option.key()).append("` | ").append(cell(option.type().name()))
          .append(" | ").append(option.hasDefaultValue() ? "`" + cell(option.defaultText()) + "`" : cell(option.defaultText()))
          .append(" | ").append(others)
          .append(" | `").append(ConfigSources.variableName(option.key())).append("`")
          .append(" | ").append(cell(option.description())).append(" |\n");
    }
    return md.toString();
  }

  private static String cell(String text) {
    return text.replace("|", "\\|").replace("\n", " ");
  }
}
