package dev.pulse.harness;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code bin/local-cluster --ha}: a ZooKeeper, two resource managers and the task executors come up, the status
 * line names the leader (its id, epoch and REST address) with every task executor registered, and Ctrl-C (SIGINT
 * to the foreground process group) leaves no process behind, the ZooKeeper and the resource manager in a session
 * of its own included.
 */
class LocalClusterHaTest {

  private static final Pattern PID = Pattern.compile("\\[pid (\\d+)]$");
  private static final Pattern LEADER_STATUS = Pattern.compile(
      "leader rm-\\S+ \\(epoch \\d+\\) at http://127\\.0\\.0\\.1:\\d+, task executors 2/2, ");

  @TempDir
  Path dir;

  @Test
  void ha_statusLineNamesTheLeader_andCtrlCStopsEveryProcess() throws Exception {
    List<String> lines = new CopyOnWriteArrayList<>();
    // setsid: the launcher leads a process group of its own, which the test signals as a terminal would.
    // env --default-signal=INT: a build started in the background of a shell without job control ignores SIGINT,
    // and children inherit that; Ctrl-C must reach the launcher as from a terminal.
    Process cluster = new ProcessBuilder("env", "--default-signal=INT", "setsid",
        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Xmx128m", "-Dlogback.configurationFile=" + Path.of("../conf/logback.xml").toAbsolutePath(),
        "-cp", System.getProperty("java.class.path"), LocalCluster.class.getName(), "--ha", "-n", "2",
        "--logs", dir.resolve("logs").toString())
        .redirectErrorStream(true).start();
    try {
      Thread reader = new Thread(() -> read(cluster, lines), "local-cluster-stdout");
      reader.setDaemon(true);
      reader.start();
      await().atMost(Duration.ofSeconds(180)).until(() -> lines.stream().anyMatch(l -> LEADER_STATUS.matcher(l).find())
          || !cluster.isAlive());
      assertThat(lines).as("local-cluster's output").anyMatch(l -> LEADER_STATUS.matcher(l).find());
      List<Long> pids = lines.stream().map(PID::matcher).filter(Matcher::find).map(m -> Long.parseLong(m.group(1)))
          .toList();
      assertThat(pids).as("ZooKeeper, two resource managers, two task executors: %s", lines).hasSize(5);

      int code = new ProcessBuilder("kill", "-INT", "--", "-" + cluster.pid()).inheritIO().start().waitFor();
      assertThat(code).isZero();
      assertThat(cluster.waitFor(60, TimeUnit.SECONDS)).isTrue();
      assertThat(cluster.exitValue()).as("exit code after SIGINT").isIn(0, 130);
      await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(pids)
          .as("processes still alive after local-cluster stopped")
          .noneMatch(pid -> ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)));
    } finally {
      cluster.destroy();
      if (!cluster.waitFor(60, TimeUnit.SECONDS)) {
        new ProcessBuilder("kill", "-KILL", "--", "-" + cluster.pid()).start().waitFor();
        cluster.waitFor(10, TimeUnit.SECONDS);
      }
      // Whatever a failed stop left behind (the resource managers run in sessions of their own).
      lines.stream().map(PID::matcher).filter(Matcher::find).map(m -> Long.parseLong(m.group(1)))
          .forEach(pid -> ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly));
    }
  }

  private static void read(Process cluster, List<String> lines) {
    try (BufferedReader r = new BufferedReader(new InputStreamReader(cluster.getInputStream(), StandardCharsets.UTF_8))) {
      String line;
      while ((line = r.readLine()) != null) {
        lines.add(line);
      }
    } catch (IOException e) {
      lines.add("(reading local-cluster's output failed: " + e + ")");
    }
  }
}
