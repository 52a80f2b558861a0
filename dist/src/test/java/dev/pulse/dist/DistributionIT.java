package dev.pulse.dist;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The distribution as a user gets it: unpacks {@code pulse-VERSION.tar.gz} into a temporary directory
 * outside the source tree, checks what it holds, and runs a resource manager and a task executor from
 * it with the working directory elsewhere. Runs after {@code package} (failsafe), on the tarball just built.
 */
class DistributionIT {

  private static final Pattern RPC_PORT = Pattern.compile(" rpc \\S+:(\\d+),");
  private static final Pattern REST_URL = Pattern.compile("rest (http://\\S+?)/v1/overview");

  private final HttpClient http = HttpClient.newHttpClient();
  private final List<Process> processes = new ArrayList<>();
  private Path tmp;
  private Path home;

  @BeforeEach
  void unpack() throws Exception {
    Path tarball = Path.of(System.getProperty("pulse.dist.tarball"));
    assertThat(tarball).exists();
    tmp = Files.createTempDirectory("pulse-dist-it-");
    run(tmp, "tar", "xzf", tarball.toString());
    home = tmp.resolve(System.getProperty("pulse.dist.name"));
  }

  @AfterEach
  void cleanUp() throws IOException {
    for (Process p : processes) {
      p.destroyForcibly();
    }
    for (Process p : processes) {
      try {
        p.waitFor(10, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    if (tmp != null) {
      try (Stream<Path> files = Files.walk(tmp)) {
        for (Path f : files.sorted(Comparator.reverseOrder()).toList()) {
          Files.deleteIfExists(f);
        }
      }
    }
  }

  @Test
  void tarball_holdsScriptsConfigurationRuntimeJarsAndLicence() throws IOException {
    for (String script : List.of("bin/resource-manager", "bin/task-executor", "bin/pulse-java")) {
      assertThat(Files.getPosixFilePermissions(home.resolve(script))).contains(PosixFilePermission.OWNER_EXECUTE);
    }
    assertThat(home.resolve("conf/config.yaml")).isRegularFile();
    assertThat(home.resolve("conf/logback.xml")).isRegularFile();
    assertThat(Files.readString(home.resolve("LICENSE"))).contains("Apache License", "Version 2.0");
    assertThat(home.resolve("NOTICE")).isRegularFile();
    assertThat(home.resolve("Dockerfile")).isRegularFile();
    assertThat(home.resolve("grafana/pulse-dashboard.json")).isRegularFile();
    assertThat(Files.readString(home.resolve("systemd/pulse-resource-manager.service"))).contains("LimitNOFILE=");

    List<String> jars;
    try (Stream<Path> lib = Files.list(home.resolve("lib"))) {
      jars = lib.map(p -> p.getFileName().toString()).sorted().toList();
    }
    assertThat(jars).anyMatch(j -> j.startsWith("pulse-resource-manager-"))
        .anyMatch(j -> j.startsWith("pulse-task-executor-"))
        .anyMatch(j -> j.startsWith("pulse-ha-zookeeper-"))
        .anyMatch(j -> j.startsWith("curator-recipes-5.9.0"))
        .anyMatch(j -> j.startsWith("logback-classic-"))
        .anyMatch(j -> j.startsWith("jul-to-slf4j-"));
    // Runtime jars only: no test framework, no harness, no benchmark peer, no codec Pulse does not use.
    assertThat(jars).noneMatch(j -> j.startsWith("junit") || j.startsWith("opentest4j") || j.startsWith("assertj")
        || j.startsWith("pulse-harness") || j.startsWith("flink") || j.startsWith("jmh") || j.contains("-tests")
        || j.contains("-sources") || j.startsWith("netty-all") || j.startsWith("netty-codec-mqtt")
        || j.startsWith("netty-tcnative") || j.startsWith("curator-test"));
  }

  @Test
  void resourceManagerAndTaskExecutor_runFromTheUnpackedTree_fromAnyDirectory() throws Exception {
    Path elsewhere = Files.createDirectories(tmp.resolve("elsewhere"));
    Process rm = start(elsewhere, "rm", home.resolve("bin/resource-manager").toString(),
        "-c", home.resolve("conf/config.yaml").toString(),
        "-Dresourcemanager.rpc.port=0", "-Drest.port=0", "-Dheartbeat.interval=200 ms", "-Dheartbeat.timeout=2 s");
    String rmLine = startLine(tmp.resolve("rm.start-line"), rm);
    Matcher port = RPC_PORT.matcher(rmLine);
    Matcher rest = REST_URL.matcher(rmLine);
    assertThat(port.find()).as(rmLine).isTrue();
    assertThat(rest.find()).as(rmLine).isTrue();
    // Standalone, the store is SQLite in data/resource-manager of the working directory.
    assertThat(elsewhere.resolve("data/resource-manager/registry.db")).exists();

    Process te = start(elsewhere, "te", home.resolve("bin/task-executor").toString(),
        "-Dresourcemanager.rpc.port=" + port.group(1), "-Dtaskexecutor.resource-id=dist-te",
        "-Dtaskexecutor.numberOfTaskSlots=2", "-Dheartbeat.interval=200 ms", "-Dheartbeat.timeout=2 s");
    startLine(tmp.resolve("te.start-line"), te);
    URI overview = URI.create(rest.group(1) + "/v1/overview");
    await().atMost(Duration.ofSeconds(30)).untilAsserted(() ->
        assertThat(get(overview)).contains("\"taskExecutors\":1").contains("\"slotsFree\":2"));

    // The jars carry their version: the build-info metric says which Pulse runs.
    assertThat(get(URI.create(rest.group(1) + "/metrics"))).contains("pulse_build_info{component=\"resource-manager\",version=\""
        + System.getProperty("pulse.dist.name").substring("pulse-".length()) + "\"} 1").contains("jvm_memory_used_bytes");

    te.destroy(); // SIGTERM: it says goodbye and exits 0
    assertThat(te.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(te.exitValue()).isZero();
    await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(get(overview)).contains("\"taskExecutors\":0"));
    rm.destroy();
    assertThat(rm.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(rm.exitValue()).isZero();

    // One log format, from conf/logback.xml: a logging backend was found, and the lines are Pulse's pattern.
    String rmLog = Files.readString(tmp.resolve("rm.log"), StandardCharsets.UTF_8);
    assertThat(rmLog).doesNotContain("SLF4J(W)").doesNotContain("No SLF4J providers")
        .containsPattern("\\d\\d:\\d\\d:\\d\\d\\.\\d{3} INFO  \\[main\\] ResourceManagerServer - Resource manager");
  }

  /** Starts {@code command} in {@code dir}; stdout and stderr go to {@code tmp/name.log}. */
  private Process start(Path dir, String name, String... command) throws IOException {
    ProcessBuilder pb = new ProcessBuilder(command).directory(dir.toFile())
        .redirectErrorStream(true)
        .redirectOutput(tmp.resolve(name + ".log").toFile());
    // The start-up line's own channel (the harness reads it the same way).
    pb.environment().put("JAVA_OPTS", "-Xmx256m -Dpulse.process.start-line-file=" + tmp.resolve(name + ".start-line"));
    Process p = pb.start();
    processes.add(p);
    return p;
  }

  private String startLine(Path file, Process p) throws IOException {
    await().atMost(Duration.ofSeconds(60)).until(() -> Files.exists(file) || !p.isAlive());
    assertThat(p.isAlive()).as("process exited with %s; log:%n%s", p.isAlive() ? "" : p.exitValue(),
        Files.readString(file.resolveSibling(file.getFileName().toString().replace(".start-line", ".log")))).isTrue();
    return Files.readString(file).strip();
  }

  private String get(URI uri) throws IOException, InterruptedException {
    return http.send(HttpRequest.newBuilder(uri).build(), HttpResponse.BodyHandlers.ofString()).body();
  }

  private static void run(Path dir, String... command) throws IOException, InterruptedException {
    Process p = new ProcessBuilder(command).directory(dir.toFile()).inheritIO().start();
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as(String.join(" ", command)).isZero();
  }
}
