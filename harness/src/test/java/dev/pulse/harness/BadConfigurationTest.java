package dev.pulse.harness;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** SPEC 5: a process with a bad setting exits 1 before it binds anything, with one line naming the key. */
class BadConfigurationTest {

  @TempDir
  Path logs;

  @Test
  void badConfiguration_exitsOneWithOneLineNamingTheKey() throws Exception {
    try (ChildProcess rm = ChildProcess.start("bad-rm", "dev.pulse.rm.server.ResourceManagerMain",
        List.of("-Dheartbeat.interval=10 s", "-Dheartbeat.timeout=1 s", "-Drest.port=0", "-Dresourcemanager.rpc.port=0"),
        logs.resolve("rm.log"))) {
      assertThat(rm.onExit().get(60, TimeUnit.SECONDS).exitValue()).isEqualTo(1);
      assertThat(Files.readAllLines(rm.log())).filteredOn(l -> l.startsWith("resource-manager:"))
          .containsExactly("resource-manager: configuration error: heartbeat.timeout: must be > heartbeat.interval"
              + " (10 s), was 1 s; otherwise any late answer loses a healthy target; use at least twice the interval,"
              + " e.g. 20 s");
    }
    try (ChildProcess te = ChildProcess.start("bad-te", "dev.pulse.te.server.TaskExecutorMain",
        List.of("-Dtaskexecutor.numberOfTaskSlots=0"), logs.resolve("te.log"))) {
      assertThat(te.onExit().get(60, TimeUnit.SECONDS).exitValue()).isEqualTo(1);
      assertThat(Files.readAllLines(te.log())).filteredOn(l -> l.startsWith("task-executor:"))
          .singleElement().asString().contains("taskexecutor.numberOfTaskSlots");
    }
  }

  @Test
  void badRestSecuritySetting_exitsOneWithOneLineNamingTheKey() throws Exception {
    try (ChildProcess rm = ChildProcess.start("bad-rest-rm", "dev.pulse.rm.server.ResourceManagerMain",
        List.of("-Dsecurity.ssl.rest.enabled=true", "-Drest.port=0", "-Dresourcemanager.rpc.port=0"),
        logs.resolve("rest-rm.log"))) {
      assertThat(rm.onExit().get(60, TimeUnit.SECONDS).exitValue()).isEqualTo(1);
      assertThat(Files.readAllLines(rm.log())).filteredOn(l -> l.startsWith("resource-manager:"))
          .containsExactly("resource-manager: configuration error: security.ssl.rest.cert: is required when"
              + " security.ssl.rest.enabled is true (or set security.ssl.cert, which RPC and REST share)");
    }
  }
}
