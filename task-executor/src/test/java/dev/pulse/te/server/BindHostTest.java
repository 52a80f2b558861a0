package dev.pulse.te.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pulse.config.ConfigException;
import dev.pulse.config.Settings;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import org.junit.jupiter.api.Test;

/**
 * {@code taskexecutor.bind-host}: the gRPC server listens there while the resource manager is told
 * {@code taskexecutor.rpc.address}. 127.0.0.2 tells the two apart on Linux: it reaches a server bound to the
 * wildcard address, not one bound to 127.0.0.1.
 */
class BindHostTest {

  @Test
  void bindHost_listensThere_andAdvertisesTheRpcAddress() throws Exception {
    try (TaskExecutorServer te = TaskExecutorServer.builder()
        .settings(Settings.of("taskexecutor.rpc.address", "127.0.0.1", "taskexecutor.bind-host", "0.0.0.0"))
        .build().start()) {
      int port = Integer.parseInt(te.rpcAddress().substring(te.rpcAddress().lastIndexOf(':') + 1));

      assertThat(te.rpcAddress()).isEqualTo("127.0.0.1:" + port);
      assertThat(accepts("127.0.0.2", port)).isTrue();
    }
  }

  @Test
  void withoutBindHost_listensOnTheRpcAddressOnly() throws Exception {
    try (TaskExecutorServer te = TaskExecutorServer.builder()
        .settings(Settings.of("taskexecutor.rpc.address", "127.0.0.1")).build().start()) {
      int port = Integer.parseInt(te.rpcAddress().substring(te.rpcAddress().lastIndexOf(':') + 1));

      assertThat(accepts("127.0.0.1", port)).isTrue();
      assertThat(accepts("127.0.0.2", port)).isFalse();
    }
  }

  @Test
  void flinkName_isAcceptedToo() throws Exception {
    try (TaskExecutorServer te = TaskExecutorServer.builder()
        .settings(Settings.of("taskexecutor.rpc.address", "127.0.0.1", "taskmanager.bind-host", "0.0.0.0"))
        .build().start()) {
      int port = Integer.parseInt(te.rpcAddress().substring(te.rpcAddress().lastIndexOf(':') + 1));
      assertThat(accepts("127.0.0.2", port)).isTrue();
    }
  }

  @Test
  void unresolvableBindHost_failsNamingTheKey() {
    assertThatThrownBy(() -> TaskExecutorServer.builder()
        .settings(Settings.of("taskexecutor.bind-host", "no-such-host.invalid")).build().start())
        .isInstanceOf(ConfigException.class)
        .hasMessage("taskexecutor.bind-host: cannot resolve host 'no-such-host.invalid'");
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
