package dev.pulse.harness;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import java.net.InetSocketAddress;
import java.util.ArrayDeque;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.IntSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A TCP proxy on loopback that passes every connection on to a target port and runs the bytes through
 * the faults of its {@link LinkFaults}, one way per {@link Direction}.
 *
 * <p>Each accepted connection gets its own connection to the target, opened on the same event loop, so
 * everything about one connection happens on one thread, without locks. Bytes read from one side wait in
 * a queue until the faults let them through ({@link Pipe}); they are never dropped, and reads are not
 * throttled (the harness carries heartbeats, not bulk data). A connection that the target refuses is
 * reset, so the caller sees what a refused connection looks like.
 *
 * <p>Thread-safe: {@link #faultsChanged()}, {@link #resetAll()} and {@link #close()} may be called from
 * any thread; they hand the work to the connections' event loops.
 */
final class FaultProxy implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(FaultProxy.class);

  private final String name;
  private final Direction forward;
  private final LinkFaults faults;
  private final IntSupplier targetPort;
  private final Set<Connection> connections = ConcurrentHashMap.newKeySet();
  private final Channel server;

  /**
   * Listens on a free loopback port.
   *
   * @param forward which way the bytes from the accepted side to the target go
   * @param targetPort read for every new connection, so the target may move (a restarted process)
   */
  FaultProxy(String name, Direction forward, LinkFaults faults, IntSupplier targetPort, EventLoopGroup group) {
    this.name = name;
    this.forward = forward;
    this.faults = faults;
    this.targetPort = targetPort;
    this.server = new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
        .childOption(ChannelOption.AUTO_READ, false)
        .childOption(ChannelOption.TCP_NODELAY, true)
        .childHandler(new ChannelInitializer<SocketChannel>() {
          @Override
          protected void initChannel(SocketChannel ch) {
            new Connection(ch).open();
          }
        })
        .bind(new InetSocketAddress("127.0.0.1", 0)).syncUninterruptibly().channel();
  }

  /** The port it listens on. */
  int port() {
    return ((InetSocketAddress) server.localAddress()).getPort();
  }

  /** How many connections it passes on now. */
  int connections() {
    return connections.size();
  }

  /** Lets held bytes move on under the new faults, and resets every connection if they now refuse. */
  void faultsChanged() {
    if (faults.refuses(forward)) {
      resetAll();
    }
    for (Connection c : connections) {
      c.kick();
    }
  }

  /** Resets every connection it passes on now, both sides; returns how many. */
  int resetAll() {
    List<Connection> now = List.copyOf(connections);
    for (Connection c : now) {
      c.reset();
    }
    return now.size();
  }

  /** Stops listening and closes every connection. */
  @Override
  public void close() {
    server.close().syncUninterruptibly();
    for (Connection c : List.copyOf(connections)) {
      c.close();
    }
  }

  private static void resetSocket(Channel ch) {
    if (ch != null && ch.isOpen()) {
      try {
        ch.config().setOption(ChannelOption.SO_LINGER, 0); // close() now sends an RST, not a FIN
      } catch (RuntimeException alreadyClosing) {
        // the socket went away meanwhile; closing it is all that is left
      }
      ch.close();
    }
  }

  private static Direction reverse(Direction d) {
    return d == Direction.RM_TO_TE ? Direction.TE_TO_RM : Direction.RM_TO_TE;
  }

  /** One accepted connection and its connection to the target; confined to the accepted one's event loop. */
  private final class Connection {
    private final Channel accepted;
    private Channel target;
    private Pipe out;
    private Pipe back;

    Connection(Channel accepted) {
      this.accepted = accepted;
    }

    void open() {
      connections.add(this);
      accepted.closeFuture().addListener(f -> connections.remove(this));
      if (faults.refuses(forward)) {
        resetSocket(accepted);
        return;
      }
      new Bootstrap().group(accepted.eventLoop()).channel(NioSocketChannel.class)
          .option(ChannelOption.AUTO_READ, false)
          .option(ChannelOption.TCP_NODELAY, true)
          .handler(new ChannelInboundHandlerAdapter())
          .connect(new InetSocketAddress("127.0.0.1", targetPort.getAsInt()))
          .addListener((ChannelFutureListener) f -> {
            if (!f.isSuccess()) {
              LOG.debug("{}: the target refused a connection: {}", name, f.cause().toString());
              resetSocket(accepted);
              return;
            }
            target = f.channel();
            out = new Pipe(forward, target);
            back = new Pipe(reverse(forward), accepted);
            accepted.pipeline().addLast(new Reader(out));
            target.pipeline().addLast(new Reader(back));
            accepted.config().setAutoRead(true);
            target.config().setAutoRead(true);
            if (!accepted.isActive()) {
              out.end(false); // the caller left while the target was being dialled
            }
          });
    }

    void kick() {
      accepted.eventLoop().execute(() -> {
        if (out != null) {
          out.drain();
          back.drain();
        }
      });
    }

    void reset() {
      accepted.eventLoop().execute(() -> {
        resetSocket(accepted);
        resetSocket(target);
        if (out != null) {
          out.discard();
          back.discard();
        }
      });
    }

    void close() {
      accepted.eventLoop().execute(() -> {
        accepted.close();
        if (target != null) {
          target.close();
          out.discard();
          back.discard();
        }
      });
    }
  }

  /** Hands what one side reads to its {@link Pipe}; the end of that side is queued like bytes. */
  private static final class Reader extends ChannelInboundHandlerAdapter {
    private final Pipe pipe;

    Reader(Pipe pipe) {
      this.pipe = pipe;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      pipe.add((ByteBuf) msg);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
      pipe.end(false);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      pipe.end(true); // e.g. "connection reset by peer": the other side gets a reset too
      ctx.close();
    }
  }

  /**
   * The bytes going one way on one connection: each chunk read gets the time it may arrive (now plus its
   * lateness, after the chunk before it, paced by the bandwidth) and waits in order; a blackhole holds the
   * whole queue. Confined to the connection's event loop.
   */
  private final class Pipe {
    private final Direction direction;
    private final Channel to;
    private final ArrayDeque<Chunk> queue = new ArrayDeque<>();
    // System.nanoTime() may be negative: these start below any reading.
    private long lastDueNanos = Long.MIN_VALUE;
    private long bandwidthFreeNanos = Long.MIN_VALUE;
    private ScheduledFuture<?> wakeUp;
    private long wakeUpNanos;
    private boolean ended;

    Pipe(Direction direction, Channel to) {
      this.direction = direction;
      this.to = to;
    }

    void add(ByteBuf bytes) {
      long now = System.nanoTime();
      long due = now + faults.lateness(direction);
      long bytesPerSecond = faults.bytesPerSecond(direction);
      if (bytesPerSecond > 0) {
        due = Math.max(due, bandwidthFreeNanos) + bytes.readableBytes() * 1_000_000_000L / bytesPerSecond;
        bandwidthFreeNanos = due;
      }
      enqueue(new Chunk(bytes, false, due));
    }

    /** The other side ended (closed, or reset when {@code reset}); the end follows the queued bytes. */
    void end(boolean reset) {
      if (!ended) {
        ended = true;
        enqueue(new Chunk(null, reset, System.nanoTime()));
      }
    }

    private void enqueue(Chunk c) {
      lastDueNanos = Math.max(lastDueNanos, c.dueNanos);
      queue.add(new Chunk(c.bytes, c.reset, lastDueNanos));
      drain();
    }

    void drain() {
      if (faults.holds(direction)) {
        return; // a change of faults drains again
      }
      long now = System.nanoTime();
      boolean wrote = false;
      Chunk head;
      while ((head = queue.peek()) != null && head.dueNanos - now <= 0) {
        queue.poll();
        if (head.bytes != null) {
          to.write(head.bytes, to.voidPromise());
          wrote = true;
        } else if (head.reset) {
          to.flush();
          resetSocket(to);
        } else {
          to.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
        }
      }
      if (wrote) {
        to.flush();
      }
      if (head != null && (wakeUp == null || wakeUp.isDone() || wakeUpNanos - head.dueNanos > 0)) {
        wakeUpNanos = head.dueNanos;
        wakeUp = to.eventLoop().schedule(this::wakeUp, head.dueNanos - now, TimeUnit.NANOSECONDS);
      }
    }

    private void wakeUp() {
      wakeUp = null; // this one has fired: the next due chunk needs a new one
      drain();
    }

    /** Drops what is queued, for a connection that is reset. */
    void discard() {
      Chunk c;
      while ((c = queue.poll()) != null) {
        ReferenceCountUtil.release(c.bytes);
      }
    }
  }

  private record Chunk(ByteBuf bytes, boolean reset, long dueNanos) {}
}
