package dev.pulse.rm.rest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.pulse.rm.LiveResourceManager;
import dev.pulse.rm.ResourceManager;
import dev.pulse.rm.metrics.ResourceManagerMetrics;
import io.netty.channel.DefaultEventLoopGroup;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.net.BindException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Binding, closing and the threads and connections a {@link RestServer} holds. */
class RestServerLifecycleTest {

  private LiveResourceManager live;
  private ResourceManager rm;
  private final ResourceManagerMetrics metrics = new ResourceManagerMetrics();

  @BeforeEach
  void setUp() {
    live = new LiveResourceManager(b -> b.resourceManagerId("rm-life"));
    rm = live.start();
  }

  @AfterEach
  void tearDown() {
    live.close();
    awaitNoRestThreads();
  }

  @Test
  void start_onPortZero_listensOnAFreePort_andAddressTellsWhich() throws Exception {
    try (RestServer server = new RestServer(rm, metrics)) {
      server.start(loopback(0));

      assertThat(server.address().getPort()).isPositive();
      assertThat(server.address().getAddress().isLoopbackAddress()).isTrue();
      assertThat(new Http(server.address()).get("/healthz").status()).isEqualTo(200);
    }
  }

  @Test
  void start_onAPortInUse_failsAtOnceNamingThePort_andHoldsNothing() throws Exception {
    try (ServerSocket taken = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
      int port = taken.getLocalPort();
      RestServer server = new RestServer(rm, metrics);

      assertThatThrownBy(() -> server.start(loopback(port)))
          .isInstanceOf(BindException.class)
          .hasMessageStartingWith("could not listen for REST requests on 127.0.0.1:" + port + ": ")
          .hasMessageContaining("is port " + port + " in use?");
      assertThatThrownBy(server::address).isInstanceOf(IllegalStateException.class);
      awaitNoRestThreads();
      server.close();
    }
  }

  @Test
  void close_closesOpenConnections_endsItsThread_andFreesThePort() throws Exception {
    RestServer server = new RestServer(rm, metrics).start(loopback(0));
    InetSocketAddress address = server.address();
    try (RawHttp raw = new RawHttp(address)) {
      assertThat(raw.write("GET /healthz HTTP/1.1\r\nHost: a\r\n\r\n").read().status()).isEqualTo(200);
      assertThat(restThreads()).hasSize(1);

      server.close();

      assertThat(raw.closedByServer()).isTrue();
      awaitNoRestThreads();
    }
    try (RestServer again = new RestServer(rm, metrics).start(address)) {
      assertThat(again.address()).isEqualTo(address);
    }
  }

  @Test
  void sharedEventLoopGroups_areUsed_andLeftRunningOnClose() throws Exception {
    NioEventLoopGroup group = new NioEventLoopGroup(1, new DefaultThreadFactory("test-shared-loop"));
    try {
      try (RestServer server = RestServer.builder(rm, metrics).eventLoopGroups(group, group).build()
          .start(loopback(0))) {
        assertThat(new Http(server.address()).get("/healthz").status()).isEqualTo(200);
        assertThat(restThreads()).isEmpty();
      }
      assertThat(group.isShuttingDown()).isFalse();
    } finally {
      group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }
  }

  @Test
  void eventLoopGroupsOfAnotherTransport_areRefused() {
    DefaultEventLoopGroup local = new DefaultEventLoopGroup(1);
    try {
      assertThatThrownBy(() -> RestServer.builder(rm, metrics).eventLoopGroups(local, local))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageStartingWith("unsupported event loop group io.netty.channel.DefaultEventLoopGroup");
    } finally {
      local.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }
  }

  @Test
  void start_twice_orAfterClose_isRefused() throws Exception {
    RestServer server = new RestServer(rm, metrics).start(loopback(0));
    assertThatThrownBy(() -> server.start(loopback(0)))
        .isInstanceOf(IllegalStateException.class).hasMessage("the REST server is already started");
    server.close();
    server.close();
    assertThatThrownBy(() -> server.start(loopback(0)))
        .isInstanceOf(IllegalStateException.class).hasMessage("the REST server is closed");
  }

  @Test
  void idleConnections_areClosed() throws Exception {
    try (RestServer server = RestServer.builder(rm, metrics).idleTimeout(Duration.ofMillis(200)).build()
        .start(loopback(0));
        RawHttp raw = new RawHttp(server.address())) {
      assertThat(raw.write("GET /healthz HTTP/1.1\r\nHost: a\r\n\r\n").read().status()).isEqualTo(200);

      assertThat(raw.closedByServer()).isTrue();
    }
  }

  @Test
  void builder_refusesNonPositiveTimeouts() {
    assertThatThrownBy(() -> RestServer.builder(rm, metrics).responseTimeout(Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("responseTimeout must be positive, was PT0S");
    assertThatThrownBy(() -> RestServer.builder(rm, metrics).idleTimeout(Duration.ofSeconds(-1)))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("idleTimeout must be positive, was PT-1S");
  }

  private static InetSocketAddress loopback(int port) {
    return new InetSocketAddress(InetAddress.getLoopbackAddress(), port);
  }

  private static List<Thread> restThreads() {
    return Thread.getAllStackTraces().keySet().stream()
        .filter(t -> t.getName().startsWith("pulse-rest") && t.isAlive())
        .toList();
  }

  private static void awaitNoRestThreads() {
    await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(restThreads()).isEmpty());
  }
}
