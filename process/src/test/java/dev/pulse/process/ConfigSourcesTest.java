package dev.pulse.process;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pulse.config.ConfigException;
import dev.pulse.config.Settings;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Where the configuration comes from: defaults < file < environment < -D, each source checked. */
class ConfigSourcesTest {

  @TempDir
  Path home;

  private final List<String> warnings = new ArrayList<>();
  private final Map<String, String> env = new HashMap<>();

  private ConfigSources sources() {
    return new ConfigSources(TestOptions.REGISTRY, env, home, warnings::add);
  }

  private Path installationConfig(String yaml) throws IOException {
    Path conf = Files.createDirectories(home.resolve("conf"));
    return Files.writeString(conf.resolve("config.yaml"), yaml);
  }

  @Test
  void precedence_defaultsThenFileThenPropertiesThenVariablesThenCommandLine() throws IOException {
    installationConfig("""
        heartbeat.interval: 1 s
        heartbeat.timeout: 10 s
        heartbeat.rpc-failure-threshold: 3
        heartbeat.spread: false
        """);
    env.put("PULSE_PROPERTIES", "heartbeat.timeout: 20 s\nheartbeat.rpc-failure-threshold: 4\nheartbeat.spread: true\n");
    env.put("PULSE_HEARTBEAT_RPC_FAILURE_THRESHOLD", "5");
    env.put("PULSE_HEARTBEAT_SPREAD", "false");

    Settings s = sources().load(null, Map.of("heartbeat.spread", "true"));

    assertThat(s.asMap()).containsOnly(Map.entry("heartbeat.interval", "1 s"), // file
        Map.entry("heartbeat.timeout", "20 s"),                              // PULSE_PROPERTIES over the file
        Map.entry("heartbeat.rpc-failure-threshold", "5"),                   // PULSE_<KEY> over PULSE_PROPERTIES
        Map.entry("heartbeat.spread", "true"));                              // -D over everything
    assertThat(s.get(TestOptions.SLOTS)).isEqualTo(1);                     // default
    assertThat(warnings).isEmpty();
  }

  @Test
  void defaultFile_isTheInstallationsConfYaml_andAnExplicitFileReplacesIt() throws IOException {
    installationConfig("taskmanager.numberOfTaskSlots: 4\n");
    assertThat(sources().defaultFile()).isEqualTo(home.resolve("conf/config.yaml"));
    assertThat(sources().load(null, Map.of()).asMap()).containsOnly(Map.entry("taskexecutor.numberOfTaskSlots", "4"));

    Path other = Files.writeString(home.resolve("other.yaml"), "rest.port: 9000\n");
    assertThat(sources().load(other, Map.of()).asMap()).containsOnly(Map.entry("rest.port", "9000"));
  }

  @Test
  void defaultFile_noneWithoutAnInstallationOrWhenItHasNoConfig() {
    assertThat(sources().defaultFile()).isNull();
    assertThat(sources().load(null, Map.of())).isEqualTo(Settings.empty());
    assertThat(new ConfigSources(TestOptions.REGISTRY, env, null, warnings::add).defaultFile()).isNull();
  }

  @Test
  void confDirVariable_winsOverTheInstallation_andMustHoldConfigYaml() throws IOException {
    installationConfig("rest.port: 1\n");
    Path confDir = Files.createDirectories(home.resolve("elsewhere"));
    env.put("PULSE_CONF_DIR", confDir.toString());
    assertThatThrownBy(() -> sources().load(null, Map.of())).isInstanceOf(ConfigException.class)
        .hasMessage("PULSE_CONF_DIR: " + confDir.resolve("config.yaml") + " does not exist");

    Files.writeString(confDir.resolve("config.yaml"), "rest.port: 2\n");
    assertThat(sources().load(null, Map.of()).asMap()).containsOnly(Map.entry("rest.port", "2"));
  }

  @Test
  void unknownKey_inEachSource_isAnErrorNamingTheSource() throws IOException {
    Path file = installationConfig("heartbeat.timout: 20 s\n");
    assertThatThrownBy(() -> sources().load(null, Map.of())).hasMessage("heartbeat.timout: unknown configuration key"
        + " (in " + file + "); did you mean heartbeat.timeout?");
    Files.delete(file);

    assertThatThrownBy(() -> sources().load(null, Map.of("taskexecutor.numberOfTaskSlot", "2")))
        .hasMessage("taskexecutor.numberOfTaskSlot: unknown configuration key (in -D); did you mean"
            + " taskexecutor.numberOfTaskSlots?");

    env.put("PULSE_PROPERTIES", "heartbeat.intervall: 1 s");
    assertThatThrownBy(() -> sources().load(null, Map.of())).hasMessage("heartbeat.intervall: unknown configuration"
        + " key (in PULSE_PROPERTIES); did you mean heartbeat.interval?");
  }

  @Test
  void environmentVariable_wrongType_namesTheVariable() {
    env.put("PULSE_TASKEXECUTOR_NUMBEROFTASKSLOTS", "many");
    assertThatThrownBy(() -> sources().load(null, Map.of()))
        .hasMessage("taskexecutor.numberOfTaskSlots: 'many' is not a whole number");
  }

  @Test
  void environmentVariable_thatNamesNoKey_isAWarningWithTheClosest_andScriptVariablesAreLeftAlone() {
    env.put("PULSE_HEARTBEAT_INTERVALL", "1 s");
    env.put("PULSE_LOG_LEVEL", "DEBUG");
    env.put("PULSE_SCRIPT", "bin/task-executor");
    env.put("PATH", "/usr/bin");

    assertThat(sources().load(null, Map.of())).isEqualTo(Settings.empty());
    assertThat(warnings).containsExactly("ignoring environment variable PULSE_HEARTBEAT_INTERVALL: it names no"
        + " configuration key; did you mean PULSE_HEARTBEAT_INTERVAL (heartbeat.interval)?");
  }

  @Test
  void alternativeNames_areAcceptedInEverySource_andALaterSourceWinsWhateverNameItUses() throws IOException {
    installationConfig("taskexecutor.numberOfTaskSlots: 2\n");
    assertThat(sources().load(null, Map.of("taskmanager.numberOfTaskSlots", "6")).get(TestOptions.SLOTS))
        .isEqualTo(6);
    env.put("PULSE_PROPERTIES", "taskmanager.numberOfTaskSlots: 3");
    assertThat(sources().load(null, Map.of()).get(TestOptions.SLOTS)).isEqualTo(3);
  }

  @Test
  void variableName_isTheKeyInUpperCaseWithUnderscores() {
    assertThat(ConfigSources.variableName("heartbeat.rpc-failure-threshold"))
        .isEqualTo("PULSE_HEARTBEAT_RPC_FAILURE_THRESHOLD");
    assertThat(ConfigSources.variableName("taskexecutor.numberOfTaskSlots"))
        .isEqualTo("PULSE_TASKEXECUTOR_NUMBEROFTASKSLOTS");
  }
}
