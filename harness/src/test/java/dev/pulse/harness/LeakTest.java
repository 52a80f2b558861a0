package dev.pulse.harness;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Nothing outlives a cluster: after 50 start/stop cycles the JVM has the threads and file descriptors
 * it had before (JVM-wide pools such as gRPC's shared executor may take a moment to wind down, so the
 * counts are awaited), every port is free again, and no child process is left behind.
 */
class LeakTest {

  private static final int CYCLES = 50;
  private static final Path FDS = Path.of("/proc/self/fd");

  @Test
  void fiftyStartStopCycles_leaveNoThreadsFdsOrPortsBehind() throws IOException {
    MiniCluster.Builder builder = MiniCluster.builder().taskExecutors(1).slotsPerTaskExecutor(1);
    builder.build().start().close(); // warm-up: class loading and JVM-wide singletons
    int threadsBefore = Thread.activeCount();
    Set<String> namesBefore = threadNames();
    long fdsBefore = openFds();

    List<Integer> ports = new ArrayList<>();
    long started = System.nanoTime();
    for (int i = 0; i < CYCLES; i++) {
      try (MiniCluster cluster = builder.build().start()) {
        ports.add(cluster.restUrl().getPort());
        ports.add(Integer.parseInt(cluster.resourceManager().rpcAddress().replaceAll(".*:", "")));
        ports.add(Integer.parseInt(cluster.taskExecutor(0).rpcAddress().replaceAll(".*:", "")));
      }
    }
    System.out.printf("%d start/stop cycles in %d ms%n", CYCLES, (System.nanoTime() - started) / 1_000_000);

    await().atMost(Duration.ofSeconds(30)).untilAsserted(() ->
        assertThat(Thread.activeCount()).as("live threads; new ones: %s", newThreads(namesBefore))
            .isLessThanOrEqualTo(threadsBefore));
    if (fdsBefore >= 0) {
      await().atMost(Duration.ofSeconds(30)).untilAsserted(() ->
          assertThat(openFds()).as("open file descriptors").isLessThanOrEqualTo(fdsBefore + 2));
    }
    for (int port : ports.subList(ports.size() - 3, ports.size())) {
      try (ServerSocket socket = new ServerSocket()) {
        socket.setReuseAddress(true);
        socket.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
      }
    }
    assertThat(ProcessHandle.current().children()).isEmpty();
  }

  @Test
  void networkFaults_closedWithFaultsInForce_leaveNoProxyThreadOrPortBehind() throws IOException {
    MiniCluster.Builder builder = MiniCluster.builder().networkFaults(true).taskExecutors(1).slotsPerTaskExecutor(1);
    List<Integer> proxyPorts = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      try (MiniCluster cluster = builder.build().start()) {
        ProxyLink link = (ProxyLink) cluster.taskExecutor(0).network();
        proxyPorts.add(link.taskExecutorPort());
        proxyPorts.add(link.resourceManagerPort());
        link.delay(Duration.ofSeconds(30), Duration.ZERO, Direction.TE_TO_RM);
        cluster.partitionResourceManager(); // bytes held in the proxy when it closes
      }
    }
    await().atMost(Duration.ofSeconds(30)).untilAsserted(() ->
        assertThat(threadNames()).noneMatch(n -> n.startsWith("pulse-harness-proxy")));
    for (int port : proxyPorts) {
      try (ServerSocket socket = new ServerSocket()) {
        socket.setReuseAddress(true);
        socket.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
      }
    }
  }

  @Test
  void processCluster_leavesNoChildProcessBehind() {
    long childrenBefore = ProcessHandle.current().children().count();
    List<ProcessHandle> started;
    try (MiniCluster cluster = MiniCluster.builder().mode(MiniCluster.Mode.PROCESSES).taskExecutors(1).build().start()) {
      started = ProcessHandle.current().children().collect(Collectors.toList());
      assertThat(started).hasSizeGreaterThanOrEqualTo(2);
      cluster.taskExecutor(0).pause(); // a stopped child must be stopped too
    }
    assertThat(started).noneMatch(ProcessHandle::isAlive);
    assertThat(ProcessHandle.current().children().count()).isEqualTo(childrenBefore);
  }

  private static Set<String> threadNames() {
    return Thread.getAllStackTraces().keySet().stream().map(Thread::getName).collect(Collectors.toCollection(TreeSet::new));
  }

  private static Set<String> newThreads(Set<String> before) {
    Set<String> now = threadNames();
    now.removeAll(before);
    return now;
  }

  private static long openFds() throws IOException {
    if (!Files.isDirectory(FDS)) {
      return -1;
    }
    try (Stream<Path> fds = Files.list(FDS)) {
      return fds.count();
    }
  }
}
