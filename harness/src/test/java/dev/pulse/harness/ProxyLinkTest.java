package dev.pulse.harness;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The proxy's faults on bytes, seen through plain sockets: a "resource manager" socket that dials the
 * link's port for the task executor, and the "task executor" socket a target server accepts. Bytes from
 * the first to the second go {@link Direction#RM_TO_TE}.
 */
class ProxyLinkTest {

  private static final Duration PATIENCE = Duration.ofSeconds(10);
  /** How long "nothing arrives" is watched for; a window in which nothing may happen, not a wait. */
  private static final int OBSERVE_MILLIS = 300;

  private ServerSocket target;
  private ProxyNetwork network;
  private ProxyLink link;
  private final AtomicInteger faults = new AtomicInteger();
  private Socket rm;
  private Socket te;

  @BeforeEach
  void connect() throws IOException {
    target = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    network = new ProxyNetwork(() -> 1); // nothing dials the resource manager's side here
    link = network.link("te-x", 42, target::getLocalPort, faults::incrementAndGet);
    rm = dial();
    te = target.accept();
    te.setSoTimeout(OBSERVE_MILLIS);
    rm.setSoTimeout(OBSERVE_MILLIS);
  }

  @AfterEach
  void close() throws IOException {
    try {
      closeQuietly(rm);
      closeQuietly(te);
      target.close();
    } finally {
      network.close();
    }
  }

  @Test
  void noFault_passesBytesBothWays() throws IOException {
    send(rm, "ping");
    assertThat(receive(te, 4)).isEqualTo("ping");
    send(te, "pong");
    assertThat(receive(rm, 4)).isEqualTo("pong");
    assertThat(link.connections()).isEqualTo(1);
  }

  @Test
  void blackhole_holdsBytesThatWayOnly_keepsTheConnection_andHealDeliversThemInOrder() throws IOException {
    link.blackhole(Direction.RM_TO_TE);
    send(rm, "one");
    send(rm, "two");
    assertThatThrownBy(() -> te.getInputStream().read()).isInstanceOf(SocketTimeoutException.class);
    send(te, "back");
    assertThat(receive(rm, 4)).as("the other way is open").isEqualTo("back");

    link.heal();

    assertThat(receive(te, 6)).isEqualTo("onetwo");
    assertThat(faults.get()).as("each fault and the heal mark a start for awaitEvent").isEqualTo(2);
  }

  @Test
  void blackhole_lasting_endsByItself() throws IOException {
    long start = System.nanoTime();
    link.blackhole().lasting(Duration.ofMillis(400));
    send(rm, "late");
    te.setSoTimeout((int) PATIENCE.toMillis());

    assertThat(receive(te, 4)).isEqualTo("late");
    long heldMillis = (System.nanoTime() - start) / 1_000_000;
    System.out.println("blackhole lasting 400 ms held the bytes " + heldMillis + " ms");
    assertThat(heldMillis).isGreaterThanOrEqualTo(400);
  }

  @Test
  void refuse_resetsTheConnectionsTheSenderHas_andNewOnes() throws IOException {
    link.refuse(Direction.RM_TO_TE);

    assertReset(rm);
    try (Socket again = dial()) {
      again.setSoTimeout((int) PATIENCE.toMillis());
      assertReset(again);
    }
    link.heal();
    try (Socket healed = dial(); Socket accepted = target.accept()) {
      send(healed, "hi");
      accepted.setSoTimeout((int) PATIENCE.toMillis());
      assertThat(receive(accepted, 2)).isEqualTo("hi");
    }
  }

  @Test
  void refuse_theOtherWay_leavesTheseConnectionsAlone() throws IOException {
    link.refuse(Direction.TE_TO_RM);
    send(rm, "ping");
    assertThat(receive(te, 4)).isEqualTo("ping");
  }

  @Test
  void reset_resetsTheConnectionsOnce_andNewOnesWork() throws IOException {
    assertThat(link.reset(Direction.RM_TO_TE)).isEqualTo(1);

    assertReset(rm);
    try (Socket again = dial(); Socket accepted = target.accept()) {
      send(again, "hi");
      accepted.setSoTimeout((int) PATIENCE.toMillis());
      assertThat(receive(accepted, 2)).isEqualTo("hi");
    }
  }

  @Test
  void delay_makesBytesLateByTheMean_andStackedDelaysAdd() throws IOException {
    link.delay(Duration.ofMillis(150), Duration.ZERO, Direction.RM_TO_TE);
    link.delay(Duration.ofMillis(100), Duration.ofMillis(20), Direction.RM_TO_TE);
    te.setSoTimeout((int) PATIENCE.toMillis());

    long start = System.nanoTime();
    send(rm, "x");
    receive(te, 1);
    long millis = (System.nanoTime() - start) / 1_000_000;
    System.out.println("delay 150 ms + 100 ms +- 20 ms: arrived after " + millis + " ms");
    assertThat(millis).isGreaterThanOrEqualTo(230);
  }

  @Test
  void bandwidth_pacesTheBytes() throws IOException {
    link.bandwidth(10_000, Direction.RM_TO_TE);
    te.setSoTimeout((int) PATIENCE.toMillis());

    long start = System.nanoTime();
    send(rm, "y".repeat(5_000));
    receive(te, 5_000);
    long millis = (System.nanoTime() - start) / 1_000_000;
    System.out.println("5,000 bytes at 10,000 bytes/s took " + millis + " ms");
    assertThat(millis).isGreaterThanOrEqualTo(450);
  }

  @Test
  void healOfOneFault_leavesTheOthers() throws IOException {
    NetworkFault delay = link.delay(Duration.ofSeconds(30), Duration.ZERO, Direction.RM_TO_TE);
    NetworkFault hole = link.blackhole(Direction.RM_TO_TE);
    hole.heal();
    assertThat(hole.isActive()).isFalse();
    assertThat(delay.isActive()).isTrue();
    delay.heal();
    send(rm, "z");
    te.setSoTimeout((int) PATIENCE.toMillis());
    assertThat(receive(te, 1)).isEqualTo("z");
  }

  @Test
  void targetGone_newConnectionsAreReset() throws IOException {
    target.close();
    try (Socket refused = dial()) {
      refused.setSoTimeout((int) PATIENCE.toMillis());
      assertReset(refused);
    }
  }

  private Socket dial() throws IOException {
    return new Socket(InetAddress.getLoopbackAddress(), link.taskExecutorPort());
  }

  /** The socket's connection ends (reset, or closed) within the patience, without data. */
  private static void assertReset(Socket s) {
    await().atMost(PATIENCE).until(() -> {
      try {
        s.getOutputStream().write('!');
        s.getOutputStream().flush();
        return s.getInputStream().read() == -1;
      } catch (SocketTimeoutException stillOpen) {
        return false;
      } catch (SocketException reset) {
        return true;
      }
    });
  }

  private static void send(Socket s, String text) throws IOException {
    s.getOutputStream().write(text.getBytes(StandardCharsets.US_ASCII));
    s.getOutputStream().flush();
  }

  private static String receive(Socket s, int bytes) throws IOException {
    InputStream in = s.getInputStream();
    byte[] buf = in.readNBytes(bytes);
    return new String(buf, StandardCharsets.US_ASCII);
  }

  private static void closeQuietly(Socket s) {
    if (s != null) {
      try {
        s.close();
      } catch (IOException ignored) {
        // closing
      }
    }
  }
}
