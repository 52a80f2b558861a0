package dev.pulse.harness;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code bin/local-cluster}'s Ctrl-C, as a terminal sends it: SIGINT to the whole foreground process group.
 * The task executors leave first and the resource manager, which the signal does not reach, hears each
 * goodbye: every task executor is logged as having left (INFO), none as lost, and no task executor logs a
 * refused connection to a resource manager that was already gone.
 */
class LocalClusterStopTest {

  @TempDir
  Path dir;

  @Test
  void ctrlC_stopsTheTaskExecutorsBeforeTheResourceManager() throws Exception {
    Path logs = dir.resolve("logs");
    // The processes log at INFO with the scripts' conf/logback.xml (passed on to the children), not at the
    // WARN of this module's logback-test.xml. setsid: the launcher leads a process group of its own, which the test signals as a terminal would.
    // env --default-signal=INT: a build started in the background of a shell without job control ignores SIGINT,
    // and children inherit that; Ctrl-C must reach the launcher as from a terminal.
    Process cluster = new ProcessBuilder("env", "--default-signal=INT", "setsid",
        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Xmx128m", "-Dlogback.configurationFile=" + Path.of("../conf/logback.xml").toAbsolutePath(),
        "-cp", System.getProperty("java.class.path"), LocalCluster.class.getName(), "-n", "2",
        "--logs", logs.toString(), "-Dresourcemanager.rpc.port=0", "-Drest.port=0")
        .redirectErrorStream(true).start();
    try {
      CompletableFuture<Void> up = new CompletableFuture<>();
      Thread reader = new Thread(() -> readUntilUp(cluster, up), "local-cluster-stdout");
      reader.setDaemon(true);
      reader.start();
      up.get(120, TimeUnit.SECONDS);
      // Both registered (in either order: a task executor the resource manager refuses during its start-up
      // retries after the hint it was given).
      await().atMost(Duration.ofSeconds(60)).until(() -> log(logs, "resource-manager.log")
          .contains("Registered task executor te-1") && log(logs, "resource-manager.log")
          .contains("Registered task executor te-2"));

      int code = new ProcessBuilder("kill", "-INT", "--", "-" + cluster.pid()).inheritIO().start().waitFor();
      assertThat(code).isZero();
      assertThat(cluster.waitFor(60, TimeUnit.SECONDS)).isTrue();

      String rm = log(logs, "resource-manager.log");
      assertThat(rm).contains("Task executor te-1 left (DISCONNECTED)", "Task executor te-2 left (DISCONNECTED)")
          .doesNotContain(" lost (");
      // The resource manager began to stop only after both goodbyes.
      int stopping = rm.indexOf("resource-manager shutting down");
      assertThat(stopping).as("resource manager log:%n%s", rm)
          .isGreaterThan(rm.indexOf("Task executor te-1 left")).isGreaterThan(rm.indexOf("Task executor te-2 left"));
      for (String te : List.of("te-1.log", "te-2.log")) {
        assertThat(log(logs, te)).contains("Disconnecting from resource manager").doesNotContain("Connection refused")
            .doesNotContain("UNAVAILABLE");
      }
    } finally {
      // SIGTERM first: the launcher's shutdown hook stops its children, the resource manager too, which is in
      // a session of its own and would outlive a SIGKILL of the launcher's process group.
      cluster.destroy();
      if (!cluster.waitFor(60, TimeUnit.SECONDS)) {
        new ProcessBuilder("kill", "-KILL", "--", "-" + cluster.pid()).start().waitFor();
        cluster.waitFor(10, TimeUnit.SECONDS);
      }
    }
  }

  private static void readUntilUp(Process cluster, CompletableFuture<Void> up) {
    try (BufferedReader r = new BufferedReader(new InputStreamReader(cluster.getInputStream(), StandardCharsets.UTF_8))) {
      String line;
      while ((line = r.readLine()) != null) {
        if (line.startsWith("Logs: ")) {
          up.complete(null);
        }
      }
      up.completeExceptionally(new IllegalStateException("local-cluster ended before it was up"));
    } catch (IOException e) {
      up.completeExceptionally(e);
    }
  }

  private static String log(Path logs, String name) throws IOException {
    Path file = logs.resolve(name);
    return Files.exists(file) ? Files.readString(file, StandardCharsets.UTF_8) : "";
  }
}
