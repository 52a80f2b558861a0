package dev.pulse.te.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.pulse.config.ConfigException;
import dev.pulse.config.Settings;
import dev.pulse.te.FakeResourceManager;
import dev.pulse.te.TaskSlot;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** The composition root's lifecycle: what build(), a failed start() and close() leave running. */
class TaskExecutorServerTest {

  private static final Duration PATIENCE = Duration.ofSeconds(20);

  @Test
  void build_opensNothing_evenWithAPortThatCannotBeBound() throws Exception {
    try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      Set<String> before = serverThreads();

      TaskExecutorServer te = TaskExecutorServer.builder()
          .settings(Settings.of("taskexecutor.rpc.port", Integer.toString(taken.getLocalPort()),
              "taskexecutor.numberOfTaskSlots", "2"))
          .build();

      assertThat(serverThreads()).isEqualTo(before);
      assertThat(te.isRegistered()).isFalse();
      assertThat(te.slots()).containsExactly(TaskSlot.free(0), TaskSlot.free(1));
      assertThatThrownBy(te::rpcAddress).isInstanceOf(IllegalStateException.class);
      assertThatThrownBy(te::taskExecutor).isInstanceOf(IllegalStateException.class);
      te.close();
    }
  }

  @Test
  void build_badSecuritySetting_failsNamingTheKey() {
    assertThatThrownBy(() -> TaskExecutorServer.builder().settings(Settings.of("security.ssl.enabled", "maybe")).build())
        .isInstanceOf(ConfigException.class).hasMessageStartingWith("security.ssl.enabled: ");
  }

  @Test
  void start_portTaken_failsNamingTheKeyAndLeavesNoThreadRunning() throws Exception {
    try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      TaskExecutorServer te = TaskExecutorServer.builder()
          .settings(Settings.of("taskexecutor.rpc.port", Integer.toString(taken.getLocalPort())))
          .build();

      assertThatThrownBy(te::start).isInstanceOf(ConfigException.class)
          .hasMessageStartingWith("taskexecutor.rpc.port: cannot listen on port " + taken.getLocalPort());

      // The event loops are stopped when start() throws; their threads may take a moment to exit.
      await().atMost(PATIENCE).until(() -> serverThreads().isEmpty());
      assertThatThrownBy(te::start).isInstanceOf(IllegalStateException.class).hasMessageContaining("closed");
    }
  }

  @Test
  void close_afterStart_saysGoodbyeThenStopsEverything() {
    try (FakeResourceManager rm = new FakeResourceManager()) {
      TaskExecutorServer te = TaskExecutorServer.builder()
          .settings(Settings.of("resourcemanager.rpc.port", Integer.toString(rm.port())))
          .build()
          .start();
      await().atMost(PATIENCE).until(te::isRegistered);
      assertThat(serverThreads()).isNotEmpty();

      te.close();

      assertThat(rm.disconnects()).hasSize(1);
      assertThat(te.taskExecutor().isRegistered()).isFalse();
      await().atMost(PATIENCE).until(() -> serverThreads().isEmpty());
    }
  }

  @Test
  void start_advertisedPort_isWhatTheResourceManagerIsToldWhileTheServerListensOnItsOwn() {
    try (TaskExecutorServer te = TaskExecutorServer.builder()
        .settings(Settings.of("taskexecutor.rpc.advertised-port", "7")).build().start()) {
      assertThat(te.rpcAddress()).isEqualTo("127.0.0.1:7");
      assertThat(te.listenAddress()).startsWith("127.0.0.1:").isNotEqualTo(te.rpcAddress());
      assertThat(TaskExecutorMain.startLine(te)).contains("listening on " + te.listenAddress()
          + " (advertised as 127.0.0.1:7), ");
    }
  }

  @Test
  void build_badAdvertisedPort_failsNamingTheKey() {
    assertThatThrownBy(() -> TaskExecutorServer.builder()
        .settings(Settings.of("taskexecutor.rpc.advertised-port", "70000")).build())
        .isInstanceOf(ConfigException.class).hasMessageStartingWith("taskexecutor.rpc.advertised-port: ");
  }

  /** The live threads a task executor server starts: its main thread and its transport's event loops. */
  private static Set<String> serverThreads() {
    return Thread.getAllStackTraces().keySet().stream()
        .filter(t -> t.isAlive() && (t.getName().equals("pulse-te-main") || t.getName().startsWith("te-rpc")))
        .map(Thread::getName)
        .collect(Collectors.toSet());
  }
}
