package dev.pulse.rm.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pulse.config.Settings;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import org.junit.jupiter.api.Test;

/**
 * {@code resourcemanager.bind-host}: the gRPC server listens there, while task executors keep calling
 * {@code resourcemanager.rpc.address}. 127.0.0.2 tells the two apart on Linux: it reaches a server bound to the
 * wildcard address, not one bound to 127.0.0.1.
 */
class BindHostTest {

  @Test
  void bindHost_isWhereTheRpcServerListens() {
    Settings settings = Settings.of("resourcemanager.rpc.address", "127.0.0.1", "resourcemanager.rpc.port", "0",
        "rest.port", "0");
    try (ResourceManagerServer wildcard = ResourceManagerServer.builder()
            .settings(settings.with("resourcemanager.bind-host", "0.0.0.0")).build().start();
        ResourceManagerServer loopback = ResourceManagerServer.builder().settings(settings).build().start()) {
      assertThat(wildcard.rpcAddress().getAddress().isAnyLocalAddress()).isTrue();
      assertThat(accepts("127.0.0.2", wildcard.rpcAddress().getPort())).isTrue();

      assertThat(loopback.rpcAddress().getAddress().isLoopbackAddress()).isTrue();
      assertThat(accepts("127.0.0.2", loopback.rpcAddress().getPort())).isFalse();
    }
  }

  private static boolean accepts(String host, int port) {
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress(host, port), 5_000);
      return true;
    } catch (IOException refused) {
      return false;
    }
  }
}
