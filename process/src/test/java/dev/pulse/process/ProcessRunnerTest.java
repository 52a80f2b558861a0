package dev.pulse.process;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pulse.config.ConfigException;
import dev.pulse.config.Settings;
import dev.pulse.heartbeat.HeartbeatConfig;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Command line, config file layering and exit codes of the shared process runner. */
class ProcessRunnerTest {

  @TempDir
  Path dir;

  private final ByteArrayOutputStream out = new ByteArrayOutputStream();
  private final ByteArrayOutputStream err = new ByteArrayOutputStream();
  private final AtomicReference<Settings> seen = new AtomicReference<>();
  private final List<String> closed = new ArrayList<>();

  private int run(String... args) {
    return ProcessRunner.run("test-process", "a test", args, settings -> {
      HeartbeatConfig.from(settings);
      seen.set(settings);
      return new ProcessRunner.Started(() -> closed.add("closed"), "test-process started",
          CompletableFuture.completedFuture(3));
    }, new ConfigSources(TestOptions.REGISTRY, Map.of(), null, warning -> { }),
        new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
  }

  @Test
  void unknownKey_exitsOneNamingItAndTheClosestKey_beforeStarting() {
    int code = run("-Dheartbeat.intervall=2 s");

    assertThat(code).isEqualTo(1);
    assertThat(err.toString(StandardCharsets.UTF_8).strip()).isEqualTo("test-process: configuration error:"
        + " heartbeat.intervall: unknown configuration key (in -D); did you mean heartbeat.interval?");
    assertThat(seen.get()).isNull();
    assertThat(out.toString(StandardCharsets.UTF_8)).isEmpty();
  }

  @Test
  void wrongType_exitsOneNamingTheKey() throws IOException {
    Path file = Files.writeString(dir.resolve("config.yaml"), "taskexecutor.numberOfTaskSlots: four\n");
    assertThat(run("-c", file.toString())).isEqualTo(1);
    assertThat(err.toString(StandardCharsets.UTF_8).strip())
        .isEqualTo("test-process: configuration error: taskexecutor.numberOfTaskSlots: 'four' is not a whole number");
    assertThat(seen.get()).isNull();
  }

  @Test
  void version_printsTheProgramAndPulseVersion_andStartsNothing() {
    assertThat(run("--version")).isZero();
    assertThat(out.toString(StandardCharsets.UTF_8)).startsWith("test-process (Pulse) " + PulseVersion.get() + ", Java ");
    assertThat(PulseVersion.get()).matches("\\d+\\.\\d+\\.\\d+.*");
    out.reset();
    assertThat(run("-V")).isZero();
    assertThat(out.toString(StandardCharsets.UTF_8)).startsWith("test-process (Pulse) ");
    assertThat(seen.get()).isNull();
  }

  @Test
  void help_printsUsageOptionsAndConfigurationOrder_andStartsNothing() {
    assertThat(run("-h")).isZero();
    String help = out.toString(StandardCharsets.UTF_8);
    assertThat(help).contains("Usage: test-process", "a test", "-c, --config=FILE", "-Dkey=value", "--version",
        "the defaults; the file", "PULSE_PROPERTIES", "stops the process with exit code 1");
    assertThat(seen.get()).isNull();
    out.reset();
    assertThat(run("--help")).isZero();
    assertThat(out.toString(StandardCharsets.UTF_8)).isEqualTo(help);
  }

  @Test
  void missingOptionValue_exitsTwoWithAClearLine() {
    assertThat(run("-c")).isEqualTo(2);
    assertThat(err.toString(StandardCharsets.UTF_8)).contains("test-process: Missing required parameter for option"
        + " '--config' (FILE)").contains("usage: test-process [-c FILE] [-Dkey=value ...]");
  }

  @Test
  void commandLineOverridesWinOverTheFile() throws IOException {
    Path file = dir.resolve("config.yaml");
    Files.writeString(file, """
        heartbeat:
          interval: 2 s
          timeout: 20 s
        rest.port: 9090
        """);
    int code = run("-c", file.toString(), "-Dheartbeat.timeout=30 s", "-Dtaskexecutor.numberOfTaskSlots=4");

    assertThat(code).isEqualTo(3);
    assertThat(seen.get().asMap()).containsEntry("heartbeat.interval", "2 s").containsEntry("heartbeat.timeout", "30 s")
        .containsEntry("rest.port", "9090").containsEntry("taskexecutor.numberOfTaskSlots", "4");
    assertThat(HeartbeatConfig.from(seen.get()).timeout()).isEqualTo(Duration.ofSeconds(30));
    assertThat(out.toString(StandardCharsets.UTF_8)).isEqualTo("test-process started" + System.lineSeparator());
    assertThat(closed).containsExactly("closed");
  }

  @Test
  void badValue_exitsOneWithOneLineNamingTheKey_beforeStarting() {
    int code = run("-Dheartbeat.interval=10 s", "-Dheartbeat.timeout=1 s");
    assertThat(code).isEqualTo(1);
    assertThat(err.toString(StandardCharsets.UTF_8).strip()).isEqualTo(
        "test-process: configuration error: heartbeat.timeout: must be > heartbeat.interval (10 s), was 1 s;"
            + " otherwise any late answer loses a healthy target; use at least twice the interval, e.g. 20 s");
    assertThat(out.toString(StandardCharsets.UTF_8)).isEmpty();
    assertThat(seen.get()).isNull();
  }

  @Test
  void missingFile_andUnknownOption_areRefused() {
    assertThat(run("-c", dir.resolve("nope.yaml").toString())).isEqualTo(1);
    assertThat(err.toString(StandardCharsets.UTF_8)).contains("config file: ").contains("nope.yaml does not exist");
    err.reset();
    assertThat(run("--bogus")).isEqualTo(2);
    assertThat(err.toString(StandardCharsets.UTF_8)).contains("Unknown option: '--bogus'").contains("usage: test-process");
  }

  @Test
  void yaml_flatAndNestedKeysMix_andBadShapesNameTheKey() {
    Settings s = ConfigFiles.parse("t", "heartbeat.interval: 1 s\nheartbeat:\n  timeout: 5 s\nsecurity.ssl.enabled: false\n");
    assertThat(s.asMap()).containsEntry("heartbeat.interval", "1 s").containsEntry("heartbeat.timeout", "5 s")
        .containsEntry("security.ssl.enabled", "false");
    assertThat(ConfigFiles.parse("t", "")).isEqualTo(Settings.empty());
    assertThatThrownBy(() -> ConfigFiles.parse("t", "rest:\n  port:\n")).isInstanceOf(ConfigException.class)
        .hasMessage("rest.port: has no value; remove the key to use the default");
    assertThatThrownBy(() -> ConfigFiles.parse("t", "rest.port: [1, 2]")).hasMessage("rest.port: must be a single value, not a list");
    assertThatThrownBy(() -> ConfigFiles.parse("x.yaml", "a: [unclosed")).hasMessageStartingWith("config file: x.yaml is not valid YAML");
    assertThatThrownBy(() -> ConfigFiles.parse("x.yaml", "- a\n- b")).hasMessage("config file: x.yaml must hold a map of keys to values");
  }
}
