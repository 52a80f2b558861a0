package dev.pulse.harness;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A port another process holds (a local Flink has 6123 and 8081 too) stops the process with exit code 1 and one
 * line on the console (stderr, whatever the logging does) naming the key to change and how.
 */
class PortInUseTest {

  @TempDir
  Path logs;

  @Test
  void takenPorts_nameTheKeyToChange_onTheConsole() throws Exception {
    try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      int port = taken.getLocalPort();
      assertThat(consoleLine("rm-rpc", "dev.pulse.rm.server.ResourceManagerMain", "resource-manager",
          "-Dresourcemanager.rpc.port=" + port, "-Drest.port=0", "-Dresourcemanager.store.type=memory"))
          .isEqualTo("resource-manager: configuration error: resourcemanager.rpc.port: cannot listen on 127.0.0.1:"
              + port + " (Address already in use); set resourcemanager.rpc.port to a free port, or to 0 for any"
              + " (e.g. -Dresourcemanager.rpc.port=0)");
      assertThat(consoleLine("rm-rest", "dev.pulse.rm.server.ResourceManagerMain", "resource-manager",
          "-Dresourcemanager.rpc.port=0", "-Drest.port=" + port, "-Dresourcemanager.store.type=memory"))
          .isEqualTo("resource-manager: configuration error: rest.port: cannot listen on 127.0.0.1:" + port
              + " (Address already in use); set rest.port to a free port, or to 0 for any (e.g. -Drest.port=0)");
      assertThat(consoleLine("te", "dev.pulse.te.server.TaskExecutorMain", "task-executor",
          "-Dtaskexecutor.rpc.port=" + port))
          .isEqualTo("task-executor: configuration error: taskexecutor.rpc.port: cannot listen on port " + port
              + " of 127.0.0.1 (Address already in use); set taskexecutor.rpc.port to a free port, or to 0 for any"
              + " (e.g. -Dtaskexecutor.rpc.port=0)");
    }
  }

  /** Runs {@code mainClass} to its end (exit code 1) and returns its one line that starts with {@code prefix:}. */
  private String consoleLine(String name, String mainClass, String prefix, String... args) throws Exception {
    try (ChildProcess p = ChildProcess.start(name, mainClass, List.of(args), logs.resolve(name + ".log"))) {
      assertThat(p.onExit().get(60, TimeUnit.SECONDS).exitValue()).isEqualTo(1);
      List<String> lines = Files.readAllLines(p.log()).stream().filter(l -> l.startsWith(prefix + ":")).toList();
      assertThat(lines).hasSize(1);
      return lines.get(0);
    }
  }
}
