package dev.pulse.rpc;

import io.netty.channel.Channel;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollEventLoopGroup;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.ssl.SslContext;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What every RPC endpoint of one process shares: one Netty event loop group (epoll where the native
 * transport is available, NIO otherwise), the TLS contexts and the shared-secret token, all built
 * once from an {@link RpcConfig}. {@link ChannelPool}s and {@link RpcServer}s are made from it.
 *
 * <p>Creating a transport reads the configured files; a bad one fails with a
 * {@link dev.pulse.config.ConfigException} naming its key, before anything is bound. Logs a warning
 * when calls are not authenticated, and when TLS files are configured but TLS is off.
 *
 * <p>Thread-safe. {@link #close()} stops the event loops: close the pools and servers made from the
 * transport first.
 */
public final class RpcTransport implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(RpcTransport.class);

  private final RpcConfig config;
  private final EventLoopGroup eventLoops;
  private final Class<? extends Channel> channelType;
  private final Class<? extends ServerChannel> serverChannelType;
  private final SslContext clientTls;
  private final SslContext serverTls;
  private final AuthToken token;

  private RpcTransport(RpcConfig config, String name, int threads) {
    this.config = config;
    RpcSecurityConfig security = config.security();
    // Read every file before starting a thread, so a bad file leaves nothing to clean up.
    this.token = security.tokenFile() == null ? null : AuthToken.read(security.tokenFile());
    this.clientTls = security.sslEnabled() ? TlsContexts.forClient(security) : null;
    this.serverTls = security.sslEnabled() ? TlsContexts.forServer(security) : null;
    DefaultThreadFactory threadFactory = new DefaultThreadFactory(name + "-rpc", true);
    if (Epoll.isAvailable()) {
      this.eventLoops = new EpollEventLoopGroup(threads, threadFactory);
      this.channelType = EpollSocketChannel.class;
      this.serverChannelType = EpollServerSocketChannel.class;
    } else {
      this.eventLoops = new NioEventLoopGroup(threads, threadFactory);
      this.channelType = NioSocketChannel.class;
      this.serverChannelType = NioServerSocketChannel.class;
    }
    warnAboutSecurity(security);
  }

  /**
   * A transport with one event loop thread per available processor.
   *
   * @param name prefix of the event loop threads' names, e.g. {@code rm} or {@code te}
   * @throws dev.pulse.config.ConfigException naming the key of a file that cannot be used
   */
  public static RpcTransport create(RpcConfig config, String name) {
    return create(config, name, Runtime.getRuntime().availableProcessors());
  }

  /** As {@link #create(RpcConfig, String)}, with {@code eventLoopThreads} event loop threads. */
  public static RpcTransport create(RpcConfig config, String name, int eventLoopThreads) {
    Objects.requireNonNull(config, "config");
    Objects.requireNonNull(name, "name");
    if (eventLoopThreads < 1) {
      throw new IllegalArgumentException("eventLoopThreads must be >= 1, was " + eventLoopThreads);
    }
    return new RpcTransport(config, name, eventLoopThreads);
  }

  public RpcConfig config() {
    return config;
  }

  /** Whether connections use TLS. */
  public boolean tlsEnabled() {
    return clientTls != null;
  }

  /** Whether calls carry, and servers require, the shared token. */
  public boolean authEnabled() {
    return token != null;
  }

  /** {@code "epoll"} or {@code "nio"}: the Netty transport in use. */
  public String nettyTransport() {
    return channelType == EpollSocketChannel.class ? "epoll" : "nio";
  }

  EventLoopGroup eventLoops() {
    return eventLoops;
  }

  Class<? extends Channel> channelType() {
    return channelType;
  }

  Class<? extends ServerChannel> serverChannelType() {
    return serverChannelType;
  }

  /** {@code null} when TLS is off. */
  SslContext clientTls() {
    return clientTls;
  }

  /** {@code null} when TLS is off. */
  SslContext serverTls() {
    return serverTls;
  }

  /** {@code null} when calls are not authenticated. */
  AuthToken token() {
    return token;
  }

  /** Stops the event loop threads and waits up to 5 s for them to end. Idempotent. */
  @Override
  public void close() {
    if (!eventLoops.shutdownGracefully(0, 5, TimeUnit.SECONDS).awaitUninterruptibly(10, TimeUnit.SECONDS)) {
      LOG.warn("RPC event loops did not stop within 10 s");
    }
  }

  private void warnAboutSecurity(RpcSecurityConfig security) {
    if (token == null) {
      LOG.warn("{} is not set: any process that can reach this process's RPC ports can call them",
          RpcSecurityConfig.TOKEN_FILE);
    } else if (!security.sslEnabled()) {
      LOG.warn("{} is set but {} is false: the token travels unencrypted", RpcSecurityConfig.TOKEN_FILE,
          RpcSecurityConfig.SSL_ENABLED);
    }
    if (!security.sslEnabled() && (security.sslCert() != null || security.sslKey() != null
        || security.sslTrustCert() != null)) {
      LOG.warn("TLS files are configured but {} is false: connections are NOT encrypted",
          RpcSecurityConfig.SSL_ENABLED);
    }
  }
}
