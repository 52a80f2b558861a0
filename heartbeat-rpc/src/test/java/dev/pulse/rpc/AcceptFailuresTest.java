package dev.pulse.rpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.pulse.heartbeat.LogCapture;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** On a real listening channel: what an accept failure for lack of descriptors does. */
class AcceptFailuresTest {

  private static final IOException EMFILE = new IOException("accept(..) failed: Too many open files");

  private final NioEventLoopGroup group = new NioEventLoopGroup(1);
  private final AtomicLong now = new AtomicLong();
  private final List<Throwable> passedOn = new CopyOnWriteArrayList<>();
  private final AtomicInteger accepted = new AtomicInteger();
  private long open = 100;
  private final OpenFiles files = OpenFiles.of("test", OpenFiles.Source.of(() -> open, () -> 256));
  private Channel server;

  @AfterEach
  void close() throws InterruptedException {
    if (server != null) {
      server.close().sync();
    }
    group.shutdownGracefully(0, 1, java.util.concurrent.TimeUnit.SECONDS).sync();
  }

  private void listen() throws InterruptedException {
    server = new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
        .handler(new AcceptFailures("test server", files, now::get))
        .childHandler(new ChannelInitializer<>() {
          @Override
          protected void initChannel(Channel ch) {
            accepted.incrementAndGet();
          }
        })
        .bind(new InetSocketAddress("127.0.0.1", 0)).sync().channel();
    // Behind AcceptFailures (and Netty's acceptor): records what reaches the end of the pipeline.
    server.pipeline().addLast(new ChannelInboundHandlerAdapter() {
      @Override
      public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        passedOn.add(cause);
      }
    });
  }

  private void fail(Throwable cause) {
    server.eventLoop().submit(() -> server.pipeline().fireExceptionCaught(cause)).syncUninterruptibly();
  }

  @Test
  void outOfDescriptors_logsOneLineAMinute_pausesAcceptingForASecond_andStopsThere() throws Exception {
    listen();
    try (LogCapture log = LogCapture.of(AcceptFailures.class)) {
      fail(EMFILE);
      assertThat(server.config().isAutoRead()).isFalse();
      fail(EMFILE);
      now.addAndGet(Duration.ofSeconds(59).toNanos());
      fail(EMFILE);
      assertThat(log.messages()).singleElement().asString()
          .contains("test server cannot accept connections", "file descriptors", "LimitNOFILE");

      now.addAndGet(Duration.ofSeconds(1).toNanos());
      fail(EMFILE);
      assertThat(log.messages()).hasSize(2);
      assertThat(log.messages().get(1)).contains("2 more such failure(s)");
    }
    assertThat(passedOn).as("no stack trace reaches the pipeline's end").isEmpty();
    await().atMost(Duration.ofSeconds(10)).until(() -> server.config().isAutoRead());
  }

  @Test
  void nearTheOpenFilesLimit_newConnectionsAreClosedAtOnce_countingThoseAccepted() throws Exception {
    open = 222; // 34 left, 32 held back
    files.sample();
    listen();
    try (LogCapture log = LogCapture.of(AcceptFailures.class);
         Socket first = connect(); Socket second = connect()) {
      await().atMost(Duration.ofSeconds(10)).until(() -> accepted.get() == 2);
      // 224 open now, counting the two accepted since the sample: the third is refused.
      try (Socket third = connect()) {
        third.setSoTimeout(10_000);
        assertThat(third.getInputStream().read()).as("closed by the server").isEqualTo(-1);
      }
      assertThat(accepted.get()).isEqualTo(2);
      assertThat(log.messages()).singleElement().asString().contains("refuses new connections", "open-files limit");
    }
    // Those two closed again: room for one more.
    await().atMost(Duration.ofSeconds(10)).until(() -> !files.nearLimit());
    try (Socket fourth = connect()) {
      await().atMost(Duration.ofSeconds(10)).until(() -> accepted.get() == 3);
    }
  }

  private Socket connect() throws IOException {
    InetSocketAddress address = (InetSocketAddress) server.localAddress();
    return new Socket(address.getAddress(), address.getPort());
  }

  @Test
  void otherFailures_passThroughUnchanged() throws Exception {
    listen();
    IOException other = new IOException("Connection reset by peer");
    fail(other);
    assertThat(passedOn).containsExactly(other);
    assertThat(AcceptFailures.isOutOfDescriptors(new RuntimeException(EMFILE))).isTrue();
    assertThat(AcceptFailures.isOutOfDescriptors(other)).isFalse();
  }
}
