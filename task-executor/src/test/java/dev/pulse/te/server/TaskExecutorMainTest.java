package dev.pulse.te.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pulse.config.ConfigException;
import dev.pulse.config.Settings;
import dev.pulse.process.ProcessRunner;
import dev.pulse.te.FakeResourceManager;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The process entry point without a process: what {@code bin/task-executor} prints, refuses and exits with. */
class TaskExecutorMainTest {

  @Test
  void start_printsOneLineWithIdInstanceAddressSlotsAndResourceManager() throws Exception {
    try (FakeResourceManager rm = new FakeResourceManager()) {
      ProcessRunner.Started started = TaskExecutorMain.start(Settings.of(
          "taskexecutor.resource-id", "te-1",
          "taskexecutor.numberOfTaskSlots", "4",
          "resourcemanager.rpc.port", Integer.toString(rm.port())));
      try {
        assertThat(started.startLine()).matches("task-executor te-1 \\(instance [0-9a-f-]{36}\\) listening on"
            + " 127\\.0\\.0\\.1:[1-9][0-9]*, 4 slot\\(s\\), resource manager 127\\.0\\.0\\.1:" + rm.port());
        assertThat(started.termination()).isNotDone();
      } finally {
        started.service().close();
      }
    }
  }

  @Test
  void start_badSlotCount_failsNamingTheKey() {
    assertThatThrownBy(() -> TaskExecutorMain.start(Settings.of("taskexecutor.numberOfTaskSlots", "0")))
        .isInstanceOf(ConfigException.class)
        .hasMessage("taskexecutor.numberOfTaskSlots: must be between 1 and 1024, was 0");
  }

  @Test
  void start_badDuration_failsNamingTheKey() {
    assertThatThrownBy(() -> TaskExecutorMain.start(Settings.of("taskexecutor.registration.timeout", "a while")))
        .isInstanceOf(ConfigException.class)
        .hasMessageStartingWith("taskexecutor.registration.timeout: 'a while' is not a duration");
  }

  @Test
  void start_portInUse_failsNamingThePortKey() throws Exception {
    try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      assertThatThrownBy(() -> TaskExecutorMain.start(Settings.of(
          "taskexecutor.rpc.port", Integer.toString(taken.getLocalPort()))))
          .isInstanceOf(ConfigException.class)
          .hasMessageStartingWith("taskexecutor.rpc.port: cannot listen on port " + taken.getLocalPort()
              + " of 127.0.0.1 (")
          .hasMessageEndingWith("(Address already in use); set taskexecutor.rpc.port to a free port, or to 0 for any"
              + " (e.g. -Dtaskexecutor.rpc.port=0)");
    }
  }

  @Test
  void start_missingTokenFile_failsNamingTheKeyBeforeBinding() {
    assertThatThrownBy(() -> TaskExecutorMain.start(Settings.of(
        "security.auth.token-file", "does-not-exist/token")))
        .isInstanceOf(ConfigException.class)
        .hasMessageStartingWith("security.auth.token-file: ");
  }

  @Test
  void failStop_endsTheProcessWithExitCode3() throws Exception {
    int nobodyListens;
    try (FakeResourceManager gone = new FakeResourceManager()) {
      nobodyListens = gone.port();
    }
    ProcessRunner.Started started = TaskExecutorMain.start(Settings.of(
        "resourcemanager.rpc.port", Integer.toString(nobodyListens),
        "taskexecutor.registration.timeout", "500 ms"));
    try {
      assertThat(started.termination().get(20, TimeUnit.SECONDS)).isEqualTo(TaskExecutorMain.EXIT_FAIL_STOP);
    } finally {
      started.service().close();
    }
  }
}
