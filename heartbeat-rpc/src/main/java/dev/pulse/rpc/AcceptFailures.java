package dev.pulse.rpc;

import dev.pulse.heartbeat.time.MonotonicClock;
import io.netty.channel.Channel;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ServerChannel;
import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A handler for a server's listening channel that turns "cannot accept: too many open files" into
 * one clear log line a minute instead of a Netty stack trace a second, and keeps Netty's remedy:
 * accepting pauses for a second, so the loop does not spin while no descriptor is free.
 *
 * <p>Given {@link OpenFiles}, it also keeps the process from getting there: every accepted connection
 * is counted, and while the process is {@linkplain OpenFiles#nearLimit() near its limit} a new
 * connection is closed at once (the client sees it as unavailable and retries later), so the
 * descriptors held back stay free for what the process already does (heartbeat channels, REST).
 *
 * <p>Install it on the listening (parent) channel, ahead of the bootstrap's acceptor: as
 * {@code ServerBootstrap.handler(...)}, or in the channel factory of a gRPC server (see
 * {@link RpcServer}). Other failures pass through unchanged. Confined to the channel's event loop.
 */
@ChannelHandler.Sharable
public final class AcceptFailures extends ChannelDuplexHandler {

  private static final Logger LOG = LoggerFactory.getLogger(AcceptFailures.class);
  static final Duration LOG_EVERY = Duration.ofMinutes(1);
  static final Duration PAUSE = Duration.ofSeconds(1);

  private final String server;
  private final OpenFiles openFiles;
  private final LogThrottle failures;
  private final LogThrottle refusals;

  /** @param server what listens, for the log line (e.g. "RPC server on 127.0.0.1:6123") */
  public AcceptFailures(String server) {
    this(server, null, MonotonicClock.system());
  }

  /** Also refuses connections while {@code openFiles} is near its limit ({@code null}: never). */
  public AcceptFailures(String server, OpenFiles openFiles) {
    this(server, openFiles, MonotonicClock.system());
  }

  AcceptFailures(String server, OpenFiles openFiles, MonotonicClock clock) {
    this.server = server;
    this.openFiles = openFiles;
    this.failures = new LogThrottle(LOG_EVERY, clock);
    this.refusals = new LogThrottle(LOG_EVERY, clock);
  }

  /** An accepted connection (a child channel) on its way to the bootstrap's acceptor. */
  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (openFiles == null || !(msg instanceof Channel child)) {
      ctx.fireChannelRead(msg);
      return;
    }
    if (openFiles.nearLimit()) {
      long count = refusals.record();
      if (count > 0) {
        LOG.warn("{} refuses new connections: the process is near its open-files limit ({} of {} in use){}",
            server, openFiles.open(), openFiles.limit(), sinceLastLine(count, "refused"));
      }
      child.unsafe().closeForcibly();
      return;
    }
    openFiles.opened();
    child.closeFuture().addListener(f -> openFiles.closed());
    ctx.fireChannelRead(msg);
  }

  /** Whether {@code cause} says the process (or the system) has no file descriptor left. */
  static boolean isOutOfDescriptors(Throwable cause) {
    for (Throwable t = cause; t != null; t = t.getCause() == t ? null : t.getCause()) {
      String message = t.getMessage();
      if (t instanceof IOException && message != null
          && (message.contains("Too many open files") || message.contains("Too many open files in system"))) {
        return true;
      }
    }
    return false;
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    if (!(ctx.channel() instanceof ServerChannel) || !isOutOfDescriptors(cause)) {
      ctx.fireExceptionCaught(cause);
      return;
    }
    long count = failures.record();
    if (count > 0) {
      LOG.error("{} cannot accept connections: the process has run out of file descriptors ({}){}. Raise the"
              + " open-files limit (ulimit -n, systemd LimitNOFILE) to one per task executor plus headroom.",
          server, cause.getMessage(), sinceLastLine(count, "such failure(s)"));
    }
    // As Netty's acceptor does, but without the stack trace: wait a second before accepting again.
    if (ctx.channel().config().isAutoRead()) {
      ctx.channel().config().setAutoRead(false);
      ctx.channel().eventLoop().schedule(() -> ctx.channel().config().setAutoRead(true), PAUSE.toNanos(),
          TimeUnit.NANOSECONDS);
    }
  }

  /** "; N more ... since the last line" for a throttled line that stands for {@code count} events. */
  private static String sinceLastLine(long count, String what) {
    return count <= 1 ? "" : "; " + (count - 1) + " more " + what + " since the last line";
  }
}
