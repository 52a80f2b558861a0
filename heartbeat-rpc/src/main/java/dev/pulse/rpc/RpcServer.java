package dev.pulse.rpc;

import dev.pulse.heartbeat.time.MonotonicClock;
import io.grpc.BindableService;
import io.grpc.Server;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.ServerServiceDefinition;
import io.grpc.netty.NettyServerBuilder;
import io.grpc.protobuf.services.ProtoReflectionServiceV1;
import io.netty.channel.ChannelFactory;
import io.netty.channel.ChannelOption;
import io.netty.channel.ReflectiveChannelFactory;
import io.netty.channel.ServerChannel;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A started gRPC server on the {@link RpcTransport}'s event loops, with its TLS, message size limit
 * and keepalive policy, and with the token check in front of every method of every service added.
 * Under mutual TLS each call's client certificate is available to the services through
 * {@link PeerIdentity}. Every method is behind a {@link RequestGuard}: a request that is not the
 * method's message is refused with {@code INVALID_ARGUMENT} and a one-line description, never
 * {@code UNKNOWN}, and refusals are logged at most once a minute ({@link RefusalLog}); so are
 * messages too large to read, which gRPC would log one stack trace each for ({@link DeframeFailureLog}).
 *
 * <pre>{@code
 * RpcServer server = RpcServer.builder(transport, new InetSocketAddress("127.0.0.1", 0))
 *     .addService(taskExecutorGatewayService)
 *     .start();
 * int port = server.port();
 * }</pre>
 *
 * <p>Thread-safe. {@link #close()} stops it at once; {@link #shutdown(long, TimeUnit)} lets calls in
 * flight finish first.
 */
public final class RpcServer implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(RpcServer.class);

  private final Server server;
  private final RefusalLog refusals;

  private RpcServer(Server server, RefusalLog refusals) {
    this.server = server;
    this.refusals = refusals;
  }

  /** A builder for a server bound to {@code bindAddress}; port 0 picks a free port. */
  public static Builder builder(RpcTransport transport, InetSocketAddress bindAddress) {
    return new Builder(transport, bindAddress);
  }

  /** The port the server listens on. */
  public int port() {
    return ((InetSocketAddress) server.getListenSockets().get(0)).getPort();
  }

  /** Calls refused with {@code INVALID_ARGUMENT} since the server started: malformed or invalid requests. */
  public long refusedCalls() {
    return refusals.total();
  }

  /** The address the server listens on. */
  public InetSocketAddress address() {
    return (InetSocketAddress) server.getListenSockets().get(0);
  }

  /**
   * Stops accepting calls, waits up to {@code timeout} for calls in flight, then cancels what is left.
   */
  public void shutdown(long timeout, TimeUnit unit) {
    server.shutdown();
    try {
      if (!server.awaitTermination(timeout, unit)) {
        server.shutdownNow();
        server.awaitTermination(5, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      server.shutdownNow();
      Thread.currentThread().interrupt();
    }
  }

  /** Stops at once: calls in flight are cancelled. Waits up to 5 s for the server to terminate. Idempotent. */
  @Override
  public void close() {
    server.shutdownNow();
    try {
      if (!server.awaitTermination(5, TimeUnit.SECONDS)) {
        LOG.warn("RPC server on port {} did not terminate within 5 s", server.getPort());
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public String toString() {
    return "RpcServer{" + server.getListenSockets() + "}";
  }

  /** Collects services, then binds. Not thread-safe. */
  public static final class Builder {
    private final RpcTransport transport;
    private final InetSocketAddress bindAddress;
    private final List<ServerServiceDefinition> services = new ArrayList<>();
    private final List<ServerInterceptor> interceptors = new ArrayList<>();
    private Executor executor;
    private Duration maxConnectionIdle;
    private OpenFiles openFiles;
    private RpcHealth health;

    private Builder(RpcTransport transport, InetSocketAddress bindAddress) {
      this.transport = Objects.requireNonNull(transport, "transport");
      this.bindAddress = Objects.requireNonNull(bindAddress, "bindAddress");
    }

    public Builder addService(BindableService service) {
      return addService(service.bindService());
    }

    public Builder addService(ServerServiceDefinition service) {
      services.add(Objects.requireNonNull(service, "service"));
      return this;
    }

    /**
     * Adds an interceptor in front of every method of every service, outside the token check: it sees
     * each call before authentication, as a network filter would (e.g. to refuse or delay calls in
     * tests). Interceptors added later run first. Interceptors run on the transport thread and must
     * not block.
     */
    public Builder intercept(ServerInterceptor interceptor) {
      interceptors.add(Objects.requireNonNull(interceptor, "interceptor"));
      return this;
    }

    /**
     * The executor that runs service methods. By default gRPC's shared cached pool. Services whose
     * methods only hand the call to their owner's main thread (as Pulse's do) may pass
     * {@code Runnable::run} to run on the event loop and save a thread hop; a service method that
     * blocks must then never be added.
     */
    public Builder executor(Executor executor) {
      this.executor = Objects.requireNonNull(executor, "executor");
      return this;
    }

    /**
     * Serves the standard probes too: {@code grpc.health.v1.Health} with {@code health}'s status (open to
     * every caller, like {@code /healthz}) and server reflection ({@code grpc.reflection.v1}, behind the
     * token check when there is one), so that {@code grpcurl}, {@code grpc_health_probe} and Kubernetes gRPC
     * probes work against Pulse's servers.
     */
    public Builder health(RpcHealth health) {
      this.health = Objects.requireNonNull(health, "health");
      return this;
    }

    /**
     * Refuses new connections (closes them at once) while {@code openFiles} is near its limit, so the
     * descriptors held back stay free for the connections the process already has.
     */
    public Builder openFiles(OpenFiles openFiles) {
      this.openFiles = Objects.requireNonNull(openFiles, "openFiles");
      return this;
    }

    /**
     * Closes client connections that carried no call for {@code idle} (gracefully, with a GOAWAY; the
     * client reconnects on its next call). A resource manager uses it so that task executors, which
     * call it only now and then, do not each hold a descriptor of its open-files limit for ever.
     */
    public Builder maxConnectionIdle(Duration idle) {
      this.maxConnectionIdle = Objects.requireNonNull(idle, "idle");
      return this;
    }

    /**
     * Binds and starts the server.
     *
     * @throws UncheckedIOException if the address cannot be bound, e.g. the port is taken
     */
    public RpcServer start() {
      RpcConfig config = transport.config();
      KeepAlivePolicy keepAlive = config.keepAlive();
      NettyServerBuilder builder = NettyServerBuilder.forAddress(bindAddress)
          .bossEventLoopGroup(transport.eventLoops())
          .workerEventLoopGroup(transport.eventLoops())
          .channelFactory(withAcceptFailures(transport.serverChannelType(),
              new AcceptFailures("RPC server on " + bindAddress, openFiles)))
          // A process that restarts binds its port again at once, despite connections in TIME_WAIT.
          .withOption(ChannelOption.SO_REUSEADDR, true)
          .maxInboundMessageSize(config.maxInboundMessageBytes())
          .keepAliveTime(keepAlive.time().toNanos(), TimeUnit.NANOSECONDS)
          .keepAliveTimeout(keepAlive.timeout().toNanos(), TimeUnit.NANOSECONDS)
          .permitKeepAliveTime(keepAlive.serverPermitTime().toNanos(), TimeUnit.NANOSECONDS)
          .permitKeepAliveWithoutCalls(true);
      if (executor != null) {
        builder.executor(executor);
      }
      if (maxConnectionIdle != null) {
        builder.maxConnectionIdle(maxConnectionIdle.toNanos(), TimeUnit.NANOSECONDS);
      }
      if (transport.tlsEnabled()) {
        builder.sslContext(transport.serverTls());
      }
      AuthInterceptor auth = transport.authEnabled() ? new AuthInterceptor(transport.token()) : null;
      boolean mutualTls = transport.tlsEnabled() && config.security().mutualTls();
      RefusalLog refusals = new RefusalLog(RefusalLog.DEFAULT_PERIOD, MonotonicClock.system());
      DeframeFailureLog.install();
      List<ServerServiceDefinition> all = new ArrayList<>(services);
      if (health != null) {
        all.add(ProtoReflectionServiceV1.newInstance().bindService());
      }
      for (ServerServiceDefinition service : all) {
        ServerServiceDefinition checked = mutualTls ? ServerInterceptors.intercept(service, PeerIdentity.interceptor())
            : service;
        checked = auth == null ? checked : ServerInterceptors.intercept(checked, auth);
        // The guard goes outermost: it parses each request, so no interceptor or service sees bytes.
        builder.addService(RequestGuard.guard(ServerInterceptors.intercept(checked, interceptors), refusals));
      }
      if (health != null) {
        // No token check: probes carry no secret. Still behind the guard and the caller's interceptors.
        builder.addService(RequestGuard.guard(
            ServerInterceptors.intercept(health.service().bindService(), interceptors), refusals));
      }
      Server server = builder.build();
      try {
        server.start();
      } catch (IOException e) {
        throw new UncheckedIOException("cannot bind RPC server to " + bindAddress + ": " + e.getMessage(), e);
      }
      return new RpcServer(server, refusals);
    }
  }

  /** Listening channels of {@code type} with {@link AcceptFailures} ahead of the acceptor. */
  private static ChannelFactory<ServerChannel> withAcceptFailures(Class<? extends ServerChannel> type,
      AcceptFailures handler) {
    ReflectiveChannelFactory<? extends ServerChannel> plain = new ReflectiveChannelFactory<>(type);
    return () -> {
      ServerChannel channel = plain.newChannel();
      channel.pipeline().addLast(handler);
      return channel;
    };
  }
}
