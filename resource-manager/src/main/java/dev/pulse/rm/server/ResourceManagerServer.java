package dev.pulse.rm.server;

import dev.pulse.config.ConfigException;
import dev.pulse.config.HostPort;
import dev.pulse.config.Settings;
import dev.pulse.heartbeat.HeartbeatConfig;
import dev.pulse.heartbeat.HeartbeatMetrics;
import dev.pulse.heartbeat.time.MainThreadExecutor;
import dev.pulse.heartbeat.time.ScheduledMainThreadExecutor;
import dev.pulse.process.ProcessMeters;
import dev.pulse.rm.LossGuardConfig;
import dev.pulse.rm.QuarantineConfig;
import dev.pulse.rm.RegistrationConfig;
import dev.pulse.rm.ResourceManager;
import dev.pulse.rm.ResourceManagerConfigOptions;
import dev.pulse.rm.ResourceManagerListener;
import dev.pulse.rm.ResourceManagerOptions;
import dev.pulse.rm.TaskExecutorConnector;
import dev.pulse.rm.grpc.GrpcTaskExecutorConnector;
import dev.pulse.rm.grpc.ResourceManagerGatewayService;
import dev.pulse.rm.grpc.SlotPoolService;
import dev.pulse.rm.metrics.ResourceManagerMetrics;
import dev.pulse.rm.rest.RestSecurity;
import dev.pulse.rm.rest.RestServer;
import dev.pulse.rm.store.RegistryStore;
import dev.pulse.rm.store.StoreConfig;
import dev.pulse.rpc.ChannelPool;
import dev.pulse.rpc.EventLoopLag;
import dev.pulse.rpc.OpenFiles;
import dev.pulse.rpc.RpcConfig;
import dev.pulse.rpc.RpcHealth;
import dev.pulse.rpc.RpcServer;
import dev.pulse.rpc.RpcTransport;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The resource manager process's composition root: reads the {@link Settings} once, then builds and
 * starts, in order, the {@link RegistryStore} ({@code resourcemanager.store.*}; opened by the facade before
 * anything serves: it gives the id and the epoch), the main thread, the RPC transport, the gRPC {@link TaskExecutorConnector}, the
 * {@link ResourceManager} facade, the open-files watch, the gRPC services ({@code resourcemanager.rpc.*}),
 * the gRPC health status ({@code grpc.health.v1.Health}, kept by a {@link HealthWatch}), the REST API
 * ({@code rest.*}) and binds the Prometheus metrics it serves; {@link #close()} stops them in
 * the reverse order. The services, the REST API and the metrics call the facade; the facade knows none
 * of them.
 *
 * <pre>{@code
 * try (ResourceManagerServer server = ResourceManagerServer.builder()
 *     .settings(Settings.of("heartbeat.interval", "1 s", "heartbeat.timeout", "5 s", "resourcemanager.rpc.port", "0"))
 *     .listener(myScheduler)
 *     .build()          // reads and checks every setting; starts nothing
 *     .start()) {       // binds; task executors may register from here on
 *   ResourceManager rm = server.resourceManager();
 *   System.out.println("task executors register at " + server.rpcAddress() + ", REST at " + server.restUrl());
 *   List<Allocation> slots = rm.allocateSlots("job-1", 4).join();
 * }
 * }</pre>
 *
 * <p>Lifecycle: {@link Builder#build()} reads every setting (heartbeat, addresses, RPC and TLS, REST
 * security with its token and certificate files) and throws a {@link ConfigException} naming the key of a
 * bad one, leaving no thread or socket behind; {@link #start()} may be called once; a failure in it
 * (a port in use: a {@link ConfigException} naming the port key) closes what was started and rethrows.
 *
 * <p>Thread-safety: {@link #start()} and {@link #close()} are for one thread (the one that owns the
 * process); the accessors may be called from any thread once {@link #start()} has returned.
 */
public final class ResourceManagerServer implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(ResourceManagerServer.class);
  /**
   * Task executors call the resource manager only now and then; their connections are closed after
   * this long without a call, so that each does not hold one of its descriptors for ever.
   */
  static final Duration IDLE_CONNECTION = Duration.ofSeconds(30);
  /** How often each RPC event loop is probed for lag (one tiny task per loop and period). */
  static final Duration EVENT_LOOP_LAG_PERIOD = Duration.ofMillis(100);

  private final HeartbeatConfig heartbeatConfig;
  private final Duration recoveryTimeout;
  private final LossGuardConfig lossGuard;
  private final RegistrationConfig registration;
  private final QuarantineConfig quarantine;
  /** Where the store lives, read from the settings; {@code null} when a store was given. */
  private final StoreConfig storeConfig;
  private final RegistryStore givenStore;
  /** The id proposed to a new store. */
  private final String resourceManagerId;
  private final Clock wallClock;
  private final MainThreadExecutor givenMain;
  private final TaskExecutorConnector givenConnector;
  private final List<ResourceManagerListener> listeners;
  private final HeartbeatMetrics extraHeartbeatMetrics;
  private final ResourceManagerMetrics metrics;
  /** Whether {@link #metrics} is this server's own: then it also carries the JVM, process and build meters. */
  private final boolean ownsMetrics;
  private final OpenFiles givenOpenFiles;
  /** {@code null} when not serving gRPC. */
  private final InetSocketAddress rpcBindAddress;
  /** {@code null} when not serving REST. */
  private final InetSocketAddress restBindAddress;
  /** {@code null} when neither serving gRPC nor reaching task executors over it. */
  private final RpcConfig rpcConfig;
  /** {@code null} when not serving REST. */
  private final RestSecurity restSecurity;

  /** What {@link #start()} started, closed last-in first-out by {@link #close()}. */
  private final Deque<AutoCloseable> started = new ArrayDeque<>();
  private volatile ResourceManager resourceManager;
  private volatile RpcServer rpcServer;
  private volatile RestServer restServer;
  private final Duration healthPeriod;
  private boolean startCalled;
  private boolean closed;

  private ResourceManagerServer(Builder b) {
    Settings settings = b.settings;
    // Every setting is read and checked here, before anything starts: a bad one leaves nothing behind.
    this.heartbeatConfig = HeartbeatConfig.from(settings);
    this.recoveryTimeout = ResourceManager.recoveryTimeout(settings, heartbeatConfig);
    this.lossGuard = LossGuardConfig.from(settings, heartbeatConfig);
    this.registration = RegistrationConfig.from(settings, b.standalone);
    this.quarantine = QuarantineConfig.from(settings);
    // Task executors call resourcemanager.rpc.address; the server listens there unless a bind host is set.
    String rpcHostKey = settings.contains(ResourceManagerConfigOptions.BIND_HOST.key())
        ? ResourceManagerConfigOptions.BIND_HOST.key() : ResourceManagerOptions.RPC_ADDRESS;
    this.rpcBindAddress = b.serveRpc ? address(settings, rpcHostKey,
        ResourceManagerOptions.DEFAULT_RPC_ADDRESS, ResourceManagerOptions.RPC_PORT,
        ResourceManagerOptions.DEFAULT_RPC_PORT) : null;
    this.restBindAddress = b.serveRest ? address(settings, ResourceManagerOptions.REST_BIND_ADDRESS,
        ResourceManagerOptions.DEFAULT_REST_BIND_ADDRESS, ResourceManagerOptions.REST_PORT,
        ResourceManagerOptions.DEFAULT_REST_PORT) : null;
    this.rpcConfig = b.serveRpc || b.connector == null ? RpcConfig.fromMap(settings.asMap()) : null;
    // Reads the token and certificate files too.
    this.restSecurity = b.serveRest ? RestSecurity.fromSettings(settings) : null;
    this.givenStore = b.store;
    this.storeConfig = b.store != null ? null : StoreConfig.from(settings, b.standalone);
    this.wallClock = b.wallClock;
    this.resourceManagerId = b.resourceManagerId != null ? b.resourceManagerId : ResourceManager.randomId();
    this.givenMain = b.mainThread;
    this.givenConnector = b.connector;
    this.listeners = List.copyOf(b.listeners);
    this.extraHeartbeatMetrics = b.heartbeatMetrics;
    this.ownsMetrics = b.metrics == null;
    this.metrics = b.metrics != null ? b.metrics : new ResourceManagerMetrics();
    this.givenOpenFiles = b.openFiles;
    this.healthPeriod = b.healthPeriod;
  }

  private static InetSocketAddress address(Settings settings, String hostKey, String defaultHost, String portKey,
      int defaultPort) {
    String host = settings.string(hostKey, defaultHost);
    int port = settings.port(portKey, defaultPort);
    InetSocketAddress address = new InetSocketAddress(host, port);
    if (address.isUnresolved()) {
      throw new ConfigException(hostKey, "cannot resolve '" + host + "'");
    }
    return address;
  }

  public static Builder builder() {
    return new Builder();
  }

  /**
   * Starts every part in order and returns once the resource manager takes calls.
   *
   * @throws ConfigException naming the port key when a port cannot be bound
   * @throws IllegalStateException if called twice or after {@link #close()}
   */
  public synchronized ResourceManagerServer start() {
    if (closed || startCalled) {
      throw new IllegalStateException(closed ? "closed" : "already started");
    }
    startCalled = true;
    try {
      // Closed last: everything that writes to it stops first.
      RegistryStore store = givenStore != null ? givenStore : started(storeConfig.open());
      MainThreadExecutor main = givenMain;
      if (main == null) {
        ScheduledMainThreadExecutor owned = new ScheduledMainThreadExecutor("pulse-rm-main");
        started.push(owned);
        main = owned;
      }
      RpcTransport transport = null;
      if (rpcConfig != null) {
        transport = started(RpcTransport.create(rpcConfig, "rm"));
      }
      TaskExecutorConnector connector = givenConnector;
      if (connector == null) {
        ChannelPool channels = started(new ChannelPool(transport));
        connector = new GrpcTaskExecutorConnector(channels, heartbeatConfig, main);
      }
      OpenFiles openFiles = givenOpenFiles;
      if (openFiles == null && rpcBindAddress != null) {
        openFiles = started(OpenFiles.watch("Resource manager", Duration.ofSeconds(1)));
      }
      ResourceManager.Builder facade = ResourceManager.builder()
          .heartbeatConfig(heartbeatConfig)
          .resourceManagerId(resourceManagerId)
          .store(store)
          .recoveryTimeout(recoveryTimeout)
          .lossGuard(lossGuard)
          .registration(registration)
          .quarantine(quarantine)
          .wallClock(wallClock)
          .mainThread(main)
          .connector(connector)
          .heartbeatMetrics(extraHeartbeatMetrics)
          .heartbeatMetrics(metrics);
      listeners.forEach(facade::listener);
      if (!listeners.contains(metrics)) {
        facade.listener(metrics);
      }
      if (openFiles != null) {
        facade.admission(new OpenFilesAdmission(openFiles));
      }
      ResourceManager rm = facade.build();
      started.push(rm);
      rm.start();
      resourceManager = rm;
      if (transport != null) {
        // How late the event loops that carry the task executors' calls and answers run: registration
        // admission and the loss guard hear it.
        started(EventLoopLag.watch(transport, EVENT_LOOP_LAG_PERIOD, rm::eventLoopLag));
      }
      metrics.bindTo(rm);
      if (ownsMetrics) {
        started(ProcessMeters.bindTo(metrics.registry(), "resource-manager"));
      }
      if (rpcBindAddress != null) {
        RpcHealth health = new RpcHealth();
        rpcServer = started(startRpc(transport, openFiles, rm, health));
        // Closed first: probes see NOT_SERVING before anything else stops.
        started(new HealthWatch(rm, health, healthPeriod)).start();
      }
      if (restBindAddress != null) {
        restServer = started(startRest(rm));
      }
      if (rpcServer != null) {
        rm.serving(); // restored task executors can register again now: ask them at once
      }
    } catch (RuntimeException e) {
      close();
      throw e;
    }
    LOG.info("Resource manager {} (epoch {}, store {}) started with {}; rpc {}, rest {}",
        resourceManager.fencing().resourceManagerId(), resourceManager.fencing().epoch(),
        storeConfig == null ? "given" : storeConfig.type() == StoreConfig.Type.MEMORY ? "memory" : storeConfig.dir(),
        heartbeatConfig, rpcServer == null ? "off" : HostPort.format(rpcServer.address()),
        restServer == null ? "off" : HostPort.format(restServer.address()));
    return this;
  }

  private RpcServer startRpc(RpcTransport transport, OpenFiles openFiles, ResourceManager rm, RpcHealth health) {
    try {
      return RpcServer.builder(transport, rpcBindAddress)
          .addService(new ResourceManagerGatewayService(rm))
          .addService(new SlotPoolService(rm))
          .health(health)
          .executor(Runnable::run)
          .maxConnectionIdle(IDLE_CONNECTION)
          .openFiles(openFiles)
          .start();
    } catch (UncheckedIOException e) {
      throw cannotListen(ResourceManagerOptions.RPC_PORT, rpcBindAddress, e);
    }
  }

  private RestServer startRest(ResourceManager rm) {
    try {
      RestServer.Builder rest = RestServer.builder(rm, metrics).security(restSecurity).wallClock(wallClock);
      if (givenStore == null && storeConfig.dir() != null) {
        rest.backupDirectory(storeConfig.dir().resolve("backups"));
      }
      return rest.build().start(restBindAddress);
    } catch (IOException e) {
      throw cannotListen(ResourceManagerOptions.REST_PORT, restBindAddress, e);
    }
  }

  private <T extends AutoCloseable> T started(T part) {
    started.push(part);
    return part;
  }

  /**
   * The resource manager facade, for in-process calls.
   *
   * @throws IllegalStateException before {@link #start()}
   */
  public ResourceManager resourceManager() {
    ResourceManager rm = resourceManager;
    if (rm == null) {
      throw new IllegalStateException("the resource manager server is not started");
    }
    return rm;
  }

  /** The address the gRPC services listen on, or {@code null} when not serving them (or not started). */
  public InetSocketAddress rpcAddress() {
    RpcServer server = rpcServer;
    return server == null ? null : server.address();
  }

  /** The address of the REST API, or {@code null} when not serving it (or not started). */
  public InetSocketAddress restAddress() {
    RestServer server = restServer;
    return server == null ? null : server.address();
  }

  /** The base URL of the REST API, {@code https://...} when it serves TLS; {@code null} when not serving it. */
  public URI restUrl() {
    RestServer server = restServer;
    return server == null ? null : server.url();
  }

  /** The Prometheus metrics the REST API serves at {@code /metrics}. */
  public ResourceManagerMetrics metrics() {
    return metrics;
  }

  /** Stops what {@link #start()} started, in the reverse order. Idempotent; fine without {@code start()}. */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    while (!started.isEmpty()) {
      AutoCloseable part = started.pop();
      try {
        part.close();
      } catch (Exception e) {
        LOG.warn("Closing {} failed", part, e);
      }
    }
  }

  /** A port that cannot be bound is a configuration problem: name the key, the address and the cause. */
  private static ConfigException cannotListen(String portKey, InetSocketAddress address, Exception e) {
    Throwable root = e;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    String why = root.getMessage() == null ? root.toString()
        : root.getMessage().replaceFirst("^.*failed with error\\(-?\\d+\\): ", "");
    ConfigException failure = new ConfigException(portKey, "cannot listen on " + HostPort.format(address) + " (" + why
        + "); set " + portKey + " to a free port, or to 0 for any (e.g. -D" + portKey + "=0)");
    failure.initCause(e);
    return failure;
  }


  /** Builder; every setting has a default. */
  public static final class Builder {
    private Settings settings = Settings.empty();
    private String resourceManagerId;
    private RegistryStore store;
    private boolean standalone;
    private MainThreadExecutor mainThread;
    private Clock wallClock = Clock.systemUTC();
    private TaskExecutorConnector connector;
    private final List<ResourceManagerListener> listeners = new ArrayList<>();
    private HeartbeatMetrics heartbeatMetrics = HeartbeatMetrics.NONE;
    private ResourceManagerMetrics metrics;
    private boolean serveRpc = true;
    private boolean serveRest = true;
    private OpenFiles openFiles;
    private Duration healthPeriod = HealthWatch.DEFAULT_PERIOD;

    private Builder() {}

    /** Configuration (SPEC 5 keys); read and checked by {@link #build()}, nowhere else. */
    public Builder settings(Settings settings) {
      this.settings = Objects.requireNonNull(settings);
      return this;
    }

    /** The id a new store takes; defaults to {@link ResourceManager#randomId()}. A used store keeps its own. */
    public Builder resourceManagerId(String id) {
      this.resourceManagerId = id;
      return this;
    }

    /**
     * A store to use instead of the one {@code resourcemanager.store.*} describes; the caller closes it
     * (after this server). For tests that restart a resource manager on the same store in one process.
     */
    public Builder store(RegistryStore store) {
      this.store = Objects.requireNonNull(store);
      return this;
    }

    /**
     * Whether this is the resource manager process ({@code ResourceManagerMain}): its store is SQLite by
     * default; embedded (the default, false) it is in memory unless {@code resourcemanager.store.dir} is set.
     */
    public Builder standalone(boolean standalone) {
      this.standalone = standalone;
      return this;
    }

    /** The single thread all state lives on; defaults to {@code pulse-rm-main}, started and owned by the server. */
    public Builder mainThread(MainThreadExecutor mainThread) {
      this.mainThread = mainThread;
      return this;
    }

    /** Wall clock for event times; defaults to UTC system time. */
    public Builder wallClock(Clock wallClock) {
      this.wallClock = Objects.requireNonNull(wallClock);
      return this;
    }

    /** How the resource manager reaches task executors; defaults to gRPC ({@link GrpcTaskExecutorConnector}). */
    public Builder connector(TaskExecutorConnector connector) {
      this.connector = connector;
      return this;
    }

    /** Adds a listener, called on the resource manager's main thread. */
    public Builder listener(ResourceManagerListener listener) {
      listeners.add(Objects.requireNonNull(listener));
      return this;
    }

    /** An extra heartbeat metrics hook, besides the server's own {@link #metrics}. */
    public Builder heartbeatMetrics(HeartbeatMetrics metrics) {
      this.heartbeatMetrics = Objects.requireNonNull(metrics);
      return this;
    }

    /**
     * The Prometheus metrics to record into and serve; defaults to a fresh registry, which also carries the
     * JVM, process and build-info meters ({@link ProcessMeters}).
     */
    public Builder metrics(ResourceManagerMetrics metrics) {
      this.metrics = Objects.requireNonNull(metrics);
      return this;
    }

    /** Whether to serve the gRPC services (default true). Without them no task executor can register. */
    public Builder serveRpc(boolean serveRpc) {
      this.serveRpc = serveRpc;
      return this;
    }

    /** Whether to serve the REST API and {@code /metrics} (default true). */
    public Builder serveRest(boolean serveRest) {
      this.serveRest = serveRest;
      return this;
    }

    /**
     * Where the resource manager learns that it is near its open-files limit (and then refuses new task
     * executors); by default it watches its own process while it serves gRPC.
     */
    public Builder openFiles(OpenFiles openFiles) {
      this.openFiles = Objects.requireNonNull(openFiles);
      return this;
    }

    /**
     * How often the gRPC health status ({@code grpc.health.v1.Health}) is checked, and how long the main
     * thread has to answer before it is {@code NOT_SERVING}; default 1 s.
     */
    public Builder healthPeriod(Duration period) {
      if (period.isNegative() || period.isZero()) {
        throw new IllegalArgumentException("health period must be > 0, was " + period);
      }
      this.healthPeriod = period;
      return this;
    }

    /**
     * Reads and checks every setting; starts and binds nothing (that is {@link ResourceManagerServer#start()}).
     *
     * @throws ConfigException naming the key of a bad setting
     */
    public ResourceManagerServer build() {
      return new ResourceManagerServer(this);
    }
  }
}
