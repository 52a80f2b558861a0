package dev.pulse.rm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.pulse.config.ConfigException;
import dev.pulse.config.Settings;
import dev.pulse.rm.server.ResourceManagerServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * An embedder's JVM must be able to exit after a failed {@code build()}: building reads and checks
 * settings and starts nothing; only {@link ResourceManagerServer#start()} (and, used alone,
 * {@link ResourceManager#start()}) creates threads, and a failed start stops what it created.
 */
class ResourceManagerLifecycleTest {

  @ParameterizedTest
  @CsvSource({
      "rest.bind-address, no such host",
      "resourcemanager.rpc.address, no such host",
      "resourcemanager.rpc.address, 'rm-a:6123,rm-b:6123'",
      "rest.port, 70000",
      "heartbeat.interval, soon",
  })
  void build_withABadSetting_failsNamingTheKey_andLeavesNoThread(String key, String value) {
    Set<Thread> before = Thread.getAllStackTraces().keySet();

    assertThatThrownBy(() -> ResourceManagerServer.builder().settings(Settings.of(key, value, "rest.port", "0",
        "resourcemanager.rpc.port", "0").with(key, value)).build())
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining(key);

    assertThat(newThreads(before)).as("threads left behind by a failed build()").isEmpty();
  }

  @Test
  void build_startsNoThread_untilStart_andCloseStopsIt() {
    Set<Thread> before = Thread.getAllStackTraces().keySet();
    ResourceManagerServer server = ResourceManagerServer.builder()
        .settings(Settings.of("rest.port", "0", "resourcemanager.rpc.port", "0")).build();
    assertThat(newThreads(before)).as("threads started by build()").isEmpty();
    assertThatThrownBy(server::resourceManager).isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("not started");

    server.start();
    assertThat(newThreads(before)).extracting(Thread::getName).contains("pulse-rm-main");
    server.close();
    // Netty's GlobalEventExecutor thread (used when channels close) is not a daemon but ends by
    // itself about a second after its last task: wait for that, not for ever.
    await().pollInSameThread().atMost(Duration.ofSeconds(20))
        .untilAsserted(() -> assertThat(newThreads(before)).as("threads after close()").isEmpty());
  }

  @Test
  void start_onAPortInUse_failsNamingTheKey_andStopsWhatItStarted() throws IOException {
    Set<Thread> before = Thread.getAllStackTraces().keySet();
    try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      ResourceManagerServer server = ResourceManagerServer.builder().settings(Settings.of("resourcemanager.rpc.port",
          "0", "rest.port", Integer.toString(taken.getLocalPort()))).build();

      assertThatThrownBy(server::start).isInstanceOf(ConfigException.class).hasMessageStartingWith("rest.port: ");
    }
    await().pollInSameThread().atMost(Duration.ofSeconds(20))
        .untilAsserted(() -> assertThat(newThreads(before)).as("threads after a failed start()").isEmpty());
  }

  @Test
  void close_withoutStart_isFine() {
    Set<Thread> before = Thread.getAllStackTraces().keySet();
    ResourceManagerServer.builder().settings(Settings.of("rest.port", "0", "resourcemanager.rpc.port", "0")).build()
        .close();
    assertThat(newThreads(before)).isEmpty();
  }

  @Test
  void facade_startsItsMainThreadOnlyInStart_andAnswersNothingBefore() {
    Set<Thread> before = Thread.getAllStackTraces().keySet();
    ResourceManager rm = ResourceManager.builder().connector(new FakeTaskExecutors()).build();
    assertThat(newThreads(before)).as("threads started by build()").isEmpty();
    assertThatThrownBy(rm::overview).isInstanceOf(IllegalStateException.class).hasMessageContaining("not started");
    assertThat(rm.taskExecutors()).isCompletedExceptionally();

    rm.start();
    assertThat(newThreads(before)).extracting(Thread::getName).containsExactly("pulse-rm-main");
    rm.close();
    await().pollInSameThread().atMost(Duration.ofSeconds(20))
        .untilAsserted(() -> assertThat(newThreads(before)).as("threads after close()").isEmpty());
  }

  @Test
  void facade_withoutAConnector_isRefusedByBuild() {
    assertThatThrownBy(() -> ResourceManager.builder().build()).isInstanceOf(NullPointerException.class)
        .hasMessageStartingWith("connector: ");
  }

  /**
   * Live non-daemon threads (those that keep a JVM from exiting) that were not in {@code before}.
   * Daemon threads are left out: shared pools (gRPC's, the common fork-join pool) may start or end
   * at any moment for reasons of their own.
   */
  private static Set<Thread> newThreads(Set<Thread> before) {
    return Thread.getAllStackTraces().keySet().stream()
        .filter(t -> t.isAlive() && !t.isDaemon() && !before.contains(t))
        .collect(Collectors.toSet());
  }
}
