package dev.pulse.harness;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pulse.process.PulseVersion;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The scripts in {@code bin/}, run as a user runs them, on what {@code mvn package} built: {@code --version} and
 * {@code -h} everywhere, a clear line for a missing argument, a misspelled key, the default configuration file
 * and the environment. None of these runs starts a server: each ends on its own, and is killed if it does not.
 */
class ScriptsIT {

  private static final Path BIN = Path.of("..", "bin").toAbsolutePath().normalize();

  @TempDir
  Path dir;

  /** Exit code and everything the script printed (stdout and stderr). */
  record Run(int code, String output) {}

  @AfterEach
  void unlinkBuiltJars() throws IOException {
    // The link into harness/target, not what it points to; JUnit would warn about it when cleaning up.
    Files.deleteIfExists(dir.resolve("pulse").resolve("harness").resolve("target"));
  }

  private Run run(Map<String, String> env, Path bin, String... command) throws Exception {
    List<String> cmd = new ArrayList<>();
    cmd.add(bin.resolve(command[0]).toString());
    cmd.addAll(List.of(command).subList(1, command.length));
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).directory(dir.toFile());
    pb.redirectOutput(dir.resolve("output.txt").toFile());
    pb.environment().keySet().removeIf(k -> k.startsWith("PULSE_"));
    pb.environment().putAll(env);
    Process p = pb.start();
    try {
      assertThat(p.waitFor(120, TimeUnit.SECONDS)).as("%s ended", cmd).isTrue();
      return new Run(p.exitValue(), Files.readString(dir.resolve("output.txt"), StandardCharsets.UTF_8));
    } finally {
      p.descendants().forEach(ProcessHandle::destroyForcibly);
      p.destroyForcibly();
    }
  }

  private Run run(String... command) throws Exception {
    return run(Map.of(), BIN, command);
  }

  @Test
  void version_onEveryScript() throws Exception {
    for (String script : List.of("resource-manager", "task-executor", "local-cluster", "demo", "zookeeper")) {
      Run r = run(script, "--version");
      assertThat(r.code()).as(script).isZero();
      assertThat(r.output()).as(script).startsWith(script + " (Pulse) " + PulseVersion.get() + ", Java ");
    }
    assertThat(run("task-executor", "-V").output()).startsWith("task-executor (Pulse) ");
  }

  @Test
  void help_onEveryScript_printsUsageAndRunsNothing() throws Exception {
    for (String script : List.of("resource-manager", "task-executor", "local-cluster", "demo", "zookeeper")) {
      Run r = run(script, "-h");
      assertThat(r.code()).as(script).isZero();
      assertThat(r.output()).as(script).startsWith("Usage: " + script).contains("--version");
    }
    Run demo = run("demo", "--help");
    assertThat(demo.output()).doesNotContain("monitoring te-1"); // the demo did not run
    assertThat(run("resource-manager", "backup", "-h").output()).startsWith("usage: resource-manager backup");
  }

  @Test
  void missingArguments_getOneClearLine_notABashError() throws Exception {
    Run javaRunner = run("pulse-java");
    assertThat(javaRunner.code()).isEqualTo(2);
    assertThat(javaRunner.output()).startsWith("pulse-java: which main class? usage: bin/pulse-java MAIN-CLASS")
        .doesNotContain("unbound variable");

    Run config = run("task-executor", "-c");
    assertThat(config.code()).isEqualTo(2);
    assertThat(config.output()).isEqualTo("task-executor: Missing required parameter for option '--config' (FILE)\n"
        + "usage: task-executor [-c FILE] [-Dkey=value ...]   (task-executor --help for more)\n");

    Run n = run("local-cluster", "-n");
    assertThat(n.code()).isEqualTo(2);
    assertThat(n.output()).startsWith("Missing required parameter for option '-n' (N)");
  }

  @Test
  void misspelledKey_exitsOneWithDidYouMean() throws Exception {
    Run te = run("task-executor", "-Dtaskmanager.numberOfTaskSlot=4");
    assertThat(te.code()).isEqualTo(1);
    assertThat(te.output()).endsWith("task-executor: configuration error: taskmanager.numberOfTaskSlot: unknown"
        + " configuration key (in -D); did you mean taskexecutor.numberOfTaskSlots?\n");

    Run cluster = run("local-cluster", "-Dheartbeat.intervall=1 s");
    assertThat(cluster.code()).isEqualTo(1);
    assertThat(cluster.output()).isEqualTo("local-cluster: configuration error: heartbeat.intervall: unknown"
        + " configuration key (in -D); did you mean heartbeat.interval?\n");
  }

  @Test
  void installationsConfigYaml_isReadByDefault() throws Exception {
    Path bin = installationWithConfig("heartbeat:\n  intervall: 1 s\n");
    Path config = bin.getParent().resolve("conf").resolve("config.yaml");

    Run te = run(Map.of(), bin, "task-executor");

    assertThat(te.code()).isEqualTo(1);
    assertThat(te.output()).endsWith("task-executor: configuration error: heartbeat.intervall: unknown configuration"
        + " key (in " + config + "); did you mean heartbeat.interval?\n");
  }

  @Test
  void environment_overridesTheFile_andCommandLineOverridesTheEnvironment() throws Exception {
    Path bin = installationWithConfig("taskexecutor.numberOfTaskSlots: 2\ntaskexecutor.registration.timeout: 0 s\n");

    // The file alone: slots are fine, the registration timeout is not.
    assertThat(run(Map.of(), bin, "task-executor").output())
        .contains("configuration error: taskexecutor.registration.timeout: must be > 0");
    // The environment wins over the file: slots are checked first and are now wrong.
    Map<String, String> env = Map.of("PULSE_TASKEXECUTOR_NUMBEROFTASKSLOTS", "0");
    assertThat(run(env, bin, "task-executor").output())
        .contains("configuration error: taskexecutor.numberOfTaskSlots: must be between 1 and 1024, was 0");
    // -D wins over the environment: Flink's name for the key, too.
    assertThat(run(env, bin, "task-executor", "-Dtaskmanager.numberOfTaskSlots=3").output())
        .contains("configuration error: taskexecutor.registration.timeout: must be > 0");
    // FLINK_PROPERTIES-style YAML in PULSE_PROPERTIES.
    assertThat(run(Map.of("PULSE_PROPERTIES", "taskmanager.numberOfTaskSlots: 2000"), bin, "task-executor").output())
        .contains("configuration error: taskexecutor.numberOfTaskSlots: must be between 1 and 1024, was 2000");
  }

  /**
   * A copy of {@code bin/} in a directory of its own, with {@code conf/config.yaml} holding {@code yaml} and the
   * built jars linked in, as an unpacked installation looks to the scripts.
   */
  private Path installationWithConfig(String yaml) throws IOException {
    Path home = Files.createDirectories(dir.resolve("pulse"));
    Path bin = Files.createDirectories(home.resolve("bin"));
    try (var scripts = Files.list(BIN)) {
      for (Path script : scripts.toList()) {
        Files.copy(script, bin.resolve(script.getFileName()), java.nio.file.StandardCopyOption.COPY_ATTRIBUTES);
      }
    }
    // lib/ next to bin/, as in the distribution: the harness's runtime classpath holds every process's jars.
    Files.createSymbolicLink(home.resolve("lib"), BIN.getParent().resolve("harness/target/lib"));
    Files.writeString(Files.createDirectories(home.resolve("conf")).resolve("config.yaml"), yaml);
    return bin;
  }
}
