package dev.pulse.rpc;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pulse.heartbeat.HeartbeatConfig;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** A lease's channel connects on its first call, or at once when asked to. */
class ChannelLeaseTest {

  private final Closer closer = new Closer();

  @AfterEach
  void closeAll() {
    closer.close();
  }

  @Test
  void connectNow_opensTheConnectionBeforeAnyCall_withoutItNoneIsOpened() throws Exception {
    HeartbeatConfig config = HeartbeatConfig.of(Duration.ofSeconds(5), Duration.ofSeconds(60));
    RmSide rm = closer.register(new RmSide(config, RpcConfig.DEFAULTS));
    try (ServerSocket peer = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
      String address = "127.0.0.1:" + peer.getLocalPort();
      peer.setSoTimeout(500);

      ChannelLease idle = rm.channels.acquire(address);
      boolean connectedWhileIdle = accepted(peer);
      idle.close();

      ChannelLease eager = rm.channels.acquire(address);
      eager.connectNow();
      peer.setSoTimeout(30_000);
      boolean connectedWhenAsked = accepted(peer);
      eager.close();

      assertThat(connectedWhileIdle).as("a channel nobody called connected").isFalse();
      assertThat(connectedWhenAsked).as("connectNow() connected").isTrue();
    }
  }

  /** Whether a connection arrives within the socket's timeout (the window in which nothing may happen). */
  private static boolean accepted(ServerSocket peer) throws Exception {
    try (Socket ignored = peer.accept()) {
      return true;
    } catch (SocketTimeoutException none) {
      return false;
    }
  }
}
