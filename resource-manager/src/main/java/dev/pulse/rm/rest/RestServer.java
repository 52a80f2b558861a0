package dev.pulse.rm.rest;

import dev.pulse.rm.ResourceManager;
import dev.pulse.rm.metrics.HeartbeatHistory;
import dev.pulse.rm.metrics.ResourceManagerMetrics;
import dev.pulse.rpc.AcceptFailures;
import dev.pulse.rpc.RpcSecurityConfig;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollEventLoopGroup;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.ScheduledFuture;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The resource manager's REST API (SPEC 7): JSON over HTTP/1.1 on Netty, plus {@code GET /metrics} in the
 * Prometheus text format and {@code GET /healthz}. The endpoints, JSON shapes and status codes are described
 * in the {@linkplain dev.pulse.rm.rest package documentation}. With a {@link RestSecurity} from the settings
 * ({@link Builder#security}), requests need the shared token and the API serves HTTPS, as the RPC endpoints do.
 *
 * <pre>{@code
 * try (RestServer rest = new RestServer(resourceManager, metrics)) {
 *   rest.start(new InetSocketAddress("127.0.0.1", 8081));   // port 0: any free port
 *   System.out.println("REST API on " + rest.address());
 *   ...
 * }
 * }</pre>
 *
 * <p>Requests are served on Netty event loops and never block them: each endpoint calls the
 * {@link ResourceManager}'s thread-safe facade and writes its answer when the facade's future completes.
 * Unless {@link Builder#eventLoopGroups shared groups} are given, the server owns one event-loop thread
 * ({@code pulse-rest-*}, epoll where available, NIO otherwise), created by {@link #start} and ended by
 * {@link #close}. Limits: request bodies up to {@value #MAX_REQUEST_BODY_BYTES} bytes (413 beyond), at most
 * {@value #MAX_EVENTS_PER_PAGE} events per page, an answer within the response timeout (503 otherwise).
 *
 * <p>Thread-safety: {@code start}, {@code address} and {@code close} may be called from any thread but an
 * event loop's.
 */
public final class RestServer implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(RestServer.class);

  /** Largest request body accepted; larger ones get 413. */
  public static final int MAX_REQUEST_BODY_BYTES = 64 * 1024;

  /** Most events one {@code GET /v1/events} returns. */
  public static final int MAX_EVENTS_PER_PAGE = ResourceManagerApi.MAX_EVENTS_PER_PAGE;

  /** How long a request waits for the resource manager by default before it gets 503. */
  public static final Duration DEFAULT_RESPONSE_TIMEOUT = Duration.ofSeconds(30);

  /** How often the heartbeat history behind {@code GET /v1/heartbeats/summary} takes a step. */
  public static final Duration HISTORY_STEP = Duration.ofSeconds(2);

  /** Steps of the heartbeat history kept: five minutes. */
  static final int HISTORY_STEPS = 150;

  /** How long a connection may stay open without a request by default. */
  public static final Duration DEFAULT_IDLE_TIMEOUT = Duration.ofSeconds(60);

  private final ResourceManager resourceManager;
  private final Router router;
  private final RestSecurity security;
  private final BearerAuth auth;
  private final Failures failures;
  private final EventLoopGroup sharedBoss;
  private final EventLoopGroup sharedWorkers;
  private final Duration responseTimeout;
  private final Duration idleTimeout;
  private final Set<Channel> connections = ConcurrentHashMap.newKeySet();
  private final HeartbeatHistory history;
  private final java.time.Clock wallClock;
  private ScheduledFuture<?> sampling;
  private EventLoopGroup ownedGroup;
  private Channel serverChannel;
  private boolean started;
  private boolean closed;

  /** A server on an event-loop thread of its own, with the default timeouts. */
  public RestServer(ResourceManager resourceManager, ResourceManagerMetrics metrics) {
    this(builder(resourceManager, metrics));
  }

  private RestServer(Builder b) {
    this.resourceManager = b.resourceManager;
    this.history = new HeartbeatHistory(b.metrics, HISTORY_STEPS);
    this.wallClock = b.wallClock;
    this.router = new ResourceManagerApi(b.resourceManager, b.metrics, history, b.backupDirectory, b.wallClock,
        b.leaderAddress).router();
    this.security = b.security;
    this.auth = b.security.auth();
    this.failures = new Failures(b.resourceManager);
    this.sharedBoss = b.boss;
    this.sharedWorkers = b.workers;
    this.responseTimeout = b.responseTimeout;
    this.idleTimeout = b.idleTimeout;
  }

  /**
   * @param resourceManager what the API serves; need not be started yet (until it is, the API answers 503)
   * @param metrics what {@code GET /metrics} serves
   */
  public static Builder builder(ResourceManager resourceManager, ResourceManagerMetrics metrics) {
    return new Builder(resourceManager, metrics);
  }

  /**
   * Binds {@code address} and starts serving. Returns once the socket listens.
   *
   * @param address where to listen; port 0 picks a free port (see {@link #address()})
   * @throws BindException if the address cannot be bound (the port is in use, say); the message names the
   *     address and port. The server is closed then.
   * @throws IllegalStateException if already started or closed
   */
  public synchronized RestServer start(InetSocketAddress address) throws BindException {
    Objects.requireNonNull(address, "address");
    if (started || closed) {
      throw new IllegalStateException(closed ? "the REST server is closed" : "the REST server is already started");
    }
    started = true;
    EventLoopGroup boss = sharedBoss;
    EventLoopGroup workers = sharedWorkers;
    if (boss == null) {
      ownedGroup = Epoll.isAvailable()
          ? new EpollEventLoopGroup(1, new DefaultThreadFactory("pulse-rest"))
          : new NioEventLoopGroup(1, new DefaultThreadFactory("pulse-rest"));
      boss = ownedGroup;
      workers = ownedGroup;
    }
    ServerBootstrap bootstrap = new ServerBootstrap()
        .group(boss, workers)
        .channel(serverChannelType(boss))
        // A restarted resource manager binds its port again at once, despite connections in TIME_WAIT.
        .option(ChannelOption.SO_REUSEADDR, true)
        // Out of file descriptors: one clear line, not a stack trace a second.
        .handler(new AcceptFailures("REST server on " + describe(address)))
        .childHandler(new ChannelInitializer<SocketChannel>() {
          @Override
          protected void initChannel(SocketChannel ch) {
            connections.add(ch);
            ch.closeFuture().addListener(f -> connections.remove(ch));
            if (security.tls() != null) {
              // Its handshake timeout (10 s) also bounds a client that connects and never says hello.
              ch.pipeline().addLast(security.tls().newHandler(ch.alloc()));
            }
            ch.pipeline().addLast(
                new IdleStateHandler(0, 0, idleTimeout.toMillis(), TimeUnit.MILLISECONDS),
                new HttpServerCodec(),
                new BodyLimit(MAX_REQUEST_BODY_BYTES),
                new RestHandler(router, auth, failures, responseTimeout));
          }
        });
    ChannelFuture bound = bootstrap.bind(address).awaitUninterruptibly();
    if (!bound.isSuccess()) {
      close();
      BindException e = new BindException("could not listen for REST requests on " + describe(address) + ": "
          + bound.cause().getMessage() + " (is port " + address.getPort() + " in use? set "
          + "rest.port to a free port, or 0 for any)");
      e.initCause(bound.cause());
      throw e;
    }
    serverChannel = bound.channel();
    // The dashboard's charts: a few microseconds every step on the event loop, none on the main thread.
    history.sample(wallClock.millis());
    sampling = serverChannel.eventLoop().scheduleAtFixedRate(this::sampleHistory,
        HISTORY_STEP.toMillis(), HISTORY_STEP.toMillis(), TimeUnit.MILLISECONDS);
    LOG.info("REST API of resource manager {} listening on {} ({}; {})", resourceManager.id(), url(),
        boss instanceof EpollEventLoopGroup ? "epoll" : "nio", security);
    if (security.authEnabled() && !security.tlsEnabled()) {
      LOG.warn("The REST API checks the token of {} but serves plain HTTP: the token travels unencrypted",
          RpcSecurityConfig.TOKEN_FILE);
    }
    return this;
  }

  /**
   * The address the server listens on, with the actual port when it was started on port 0.
   *
   * @throws IllegalStateException if not started, or closed
   */
  public synchronized InetSocketAddress address() {
    if (serverChannel == null || closed) {
      throw new IllegalStateException("the REST server is not listening");
    }
    return (InetSocketAddress) serverChannel.localAddress();
  }

  /**
   * The base URL of the API, such as {@code https://127.0.0.1:8081}: the scheme says whether it serves TLS.
   *
   * @throws IllegalStateException if not started, or closed
   */
  public URI url() {
    return URI.create(security.scheme() + "://" + describe(address()));
  }

  /**
   * Stops listening, closes every connection (answers not yet written are dropped) and, if it owns its
   * event-loop thread, ends it before returning. Shared event-loop groups are left running. Idempotent.
   * Waits for Netty, so it must not be called from an event-loop thread.
   */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    if (sampling != null) {
      sampling.cancel(false);
    }
    if (serverChannel != null) {
      serverChannel.close().awaitUninterruptibly();
    }
    for (Channel connection : List.copyOf(connections)) {
      connection.close().awaitUninterruptibly();
    }
    if (ownedGroup != null) {
      ownedGroup.shutdownGracefully(0, 5, TimeUnit.SECONDS).awaitUninterruptibly();
    }
    if (serverChannel != null) {
      LOG.info("REST API of resource manager {} stopped", resourceManager.id());
    }
  }

  /** A failed step is logged and skipped; one that threw must not end the schedule. */
  private void sampleHistory() {
    try {
      history.sample(wallClock.millis());
    } catch (RuntimeException e) {
      LOG.warn("Could not take a step of the heartbeat history", e);
    }
  }

  private static Class<? extends ServerChannel> serverChannelType(EventLoopGroup group) {
    if (group instanceof EpollEventLoopGroup) {
      return EpollServerSocketChannel.class;
    }
    if (group instanceof NioEventLoopGroup) {
      return NioServerSocketChannel.class;
    }
    throw new IllegalArgumentException("unsupported event loop group " + group.getClass().getName()
        + "; pass an EpollEventLoopGroup or a NioEventLoopGroup");
  }

  private static String describe(InetSocketAddress address) {
    String host = address.getAddress() != null ? address.getAddress().getHostAddress() : address.getHostString();
    return (host.contains(":") ? "[" + host + "]" : host) + ":" + address.getPort();
  }

  /** Options of a {@link RestServer}; every one has a default. */
  public static final class Builder {
    private final ResourceManager resourceManager;
    private final ResourceManagerMetrics metrics;
    private EventLoopGroup boss;
    private EventLoopGroup workers;
    private Duration responseTimeout = DEFAULT_RESPONSE_TIMEOUT;
    private Duration idleTimeout = DEFAULT_IDLE_TIMEOUT;
    private RestSecurity security = RestSecurity.NONE;
    private java.nio.file.Path backupDirectory;
    private java.time.Clock wallClock = java.time.Clock.systemUTC();
    private Object leaderAddress;

    private Builder(ResourceManager resourceManager, ResourceManagerMetrics metrics) {
      this.resourceManager = Objects.requireNonNull(resourceManager, "resourceManager");
      this.metrics = Objects.requireNonNull(metrics, "metrics");
    }

    /**
     * Serves on these groups (both {@link EpollEventLoopGroup}s or both {@link NioEventLoopGroup}s; they may
     * be the same group) instead of a thread of its own. {@link #close()} leaves them running.
     */
    public Builder eventLoopGroups(EventLoopGroup boss, EventLoopGroup workers) {
      serverChannelType(Objects.requireNonNull(boss, "boss"));
      if (serverChannelType(Objects.requireNonNull(workers, "workers")) != serverChannelType(boss)) {
        throw new IllegalArgumentException("boss and worker groups must be of the same transport");
      }
      this.boss = boss;
      this.workers = workers;
      return this;
    }

    /** How long a request waits for the resource manager before it gets 503; default 30 s. */
    public Builder responseTimeout(Duration timeout) {
      this.responseTimeout = positive(timeout, "responseTimeout");
      return this;
    }

    /** How long a connection may stay open without a request; default 60 s. */
    public Builder idleTimeout(Duration timeout) {
      this.idleTimeout = positive(timeout, "idleTimeout");
      return this;
    }

    /** Who may call, and whether over HTTPS; default {@link RestSecurity#NONE}. */
    public Builder security(RestSecurity security) {
      this.security = Objects.requireNonNull(security, "security");
      return this;
    }

    /**
     * Where {@code POST /v1/admin/backup} writes when the request names no path (the store directory's
     * {@code backups}); by default none, and such a request is refused with 409.
     */
    public Builder backupDirectory(java.nio.file.Path directory) {
      this.backupDirectory = Objects.requireNonNull(directory, "directory");
      return this;
    }

    /** Wall clock for the names of backup files; defaults to UTC system time. */
    public Builder wallClock(java.time.Clock wallClock) {
      this.wallClock = Objects.requireNonNull(wallClock, "wallClock");
      return this;
    }

    /**
     * High availability: this resource manager serves as the elected leader, and {@code address} is where it
     * published that it serves (written as JSON as it is). {@code GET /v1/overview} then adds {@code role:
     * LEADER} and {@code leader: address}, and {@code GET /healthz} adds {@code role: LEADER}, as a standby
     * adds {@code STANDBY}. Without it (the default) neither carries a role.
     */
    public Builder leaderAddress(Object address) {
      this.leaderAddress = Objects.requireNonNull(address, "address");
      return this;
    }

    public RestServer build() {
      return new RestServer(this);
    }

    private static Duration positive(Duration d, String name) {
      if (d == null || d.isZero() || d.isNegative()) {
        throw new IllegalArgumentException(name + " must be positive, was " + d);
      }
      return d;
    }
  }
}
