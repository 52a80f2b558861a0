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
import dev.pulse.rm.ha.HighAvailability;
import dev.pulse.rm.ha.HighAvailabilityServices;
import dev.pulse.rm.ha.HighAvailabilityServicesFactory;
import dev.pulse.rm.ha.LeaderAddress;
import dev.pulse.rm.ha.LeaderContender;
import dev.pulse.rm.grpc.ResourceManagerGatewayService;
import dev.pulse.rm.grpc.SlotPoolService;
import dev.pulse.rm.grpc.StandbyServices;
import dev.pulse.rm.metrics.ResourceManagerMetrics;
import dev.pulse.rm.rest.RestSecurity;
import dev.pulse.rm.rest.RestServer;
import dev.pulse.rm.store.RegistryStore;
import dev.pulse.rm.store.StoreConfig;
import dev.pulse.rpc.ChannelPool;
import dev.pulse.rpc.HeartbeatTransport;
import dev.pulse.rpc.EventLoopLag;
import dev.pulse.rpc.InboundHeartbeatStreams;
import dev.pulse.rpc.OpenFiles;
import dev.pulse.rpc.RpcConfig;
import dev.pulse.rpc.RpcConfigOptions;
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
 * <p>High availability ({@code high-availability.type} other than {@code none}, SPEC 12): {@link #start()}
 * connects to the coordination service (a {@link HighAvailabilityServices} found through
 * {@link java.util.ServiceLoader}; unreachable: a {@link ConfigException} naming its key, nothing bound),
 * answers on the REST port as a standby ({@link StandbyRestServer}) and joins the election. Each term as
 * leader starts the parts above on a store fenced by the term ({@link HighAvailabilityServices#leaderStore()},
 * instead of {@code resourcemanager.store.*}), publishes the addresses and then asks the restored task
 * executors; when the term ends they are all closed at once and the process stands by again. A process keeps
 * its REST port across terms; {@link #resourceManager()} fails while it stands by ({@link #isLeading()}).
 *
 * <p>Thread-safety: {@link #start()} and {@link #close()} are for one thread (the one that owns the
 * process); the accessors may be called from any thread once {@link #start()} has returned. Terms start
 * and end on the election's thread, under this object's lock.
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
  private final HeartbeatTransport heartbeatTransport;
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

  /** {@code high-availability.*}, checked; {@code null} for {@code none}. */
  private final HighAvailabilityServicesFactory.Prepared highAvailability;

  /** What {@link #start()} started, closed last-in first-out by {@link #close()}. */
  private final Deque<AutoCloseable> started = new ArrayDeque<>();
  /**
   * In high-availability mode, what the current term as leader started, closed last-in first-out when it
   * ends (or by {@link #close()}); guarded by {@code this}. Without high availability everything is in
   * {@link #started}.
   */
  private final Deque<AutoCloseable> term = new ArrayDeque<>();
  private volatile HighAvailabilityServices haServices;
  /**
   * Where REST binds now: {@link #restBindAddress} until a port was bound, then that port, so that the REST
   * URL of a process stays the same whether it stands by or leads (with {@code rest.port: 0} too).
   */
  private volatile InetSocketAddress restBinding;
  /** The REST port's answer while standing by; {@code null} while leading. Guarded by {@code this}. */
  private volatile StandbyRestServer standbyRest;
  /** As {@link #restBinding}, for the gRPC port: the port a standby and a leader of this process share. */
  private volatile InetSocketAddress rpcBinding;
  /**
   * The gRPC port's answer while standing by ({@link StandbyServices}: "not the leader, it is at ..."); {@code null}
   * while leading. Guarded by {@code this}.
   */
  private volatile RpcServer standbyRpc;
  private volatile ResourceManagerMetrics termMetrics;
  /**
   * In high-availability mode: the RPC transport every term shares, and the next term's metrics, built while
   * standing by so that a new leader does not spend its first second on them. Guarded by {@code this}.
   */
  private RpcTransport sharedTransport;
  private ResourceManagerMetrics nextTermMetrics;
  private AutoCloseable nextTermMeters;
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
    this.heartbeatTransport = settings.get(RpcConfigOptions.HEARTBEAT_TRANSPORT);
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
    this.restBinding = restBindAddress;
    this.rpcBinding = rpcBindAddress;
    this.rpcConfig = b.serveRpc || b.connector == null ? RpcConfig.fromMap(settings.asMap()) : null;
    // Reads the token and certificate files too.
    this.restSecurity = b.serveRest ? RestSecurity.fromSettings(settings) : null;
    this.givenStore = b.store;
    this.highAvailability = b.store != null ? null : HighAvailability.prepare(settings).orElse(null);
    this.storeConfig = b.store != null || highAvailability != null ? null : StoreConfig.from(settings, b.standalone);
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
    if (host.indexOf(',') >= 0) {
      throw new ConfigException(hostKey, "lists several resource managers, which only a task executor may be given;"
          + " a resource manager listens on one host (set " + ResourceManagerConfigOptions.BIND_HOST.key() + ")");
    }
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
    if (highAvailability != null) {
      return startStandingBy();
    }
    try {
      // Closed last: everything that writes to it stops first.
      RegistryStore store = givenStore != null ? givenStore : started(storeConfig.open());
      startServing(store, started, metrics, ownsMetrics);
      askRestoredTaskExecutors();
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

  /**
   * High availability: connects to the coordination service (nothing is bound before it answers) and joins
   * the election; the resource manager itself starts when this process is elected ({@link #lead()}).
   */
  private ResourceManagerServer startStandingBy() {
    try {
      HighAvailabilityServices services = started(highAvailability.connect());
      haServices = services;
      if (rpcConfig != null) {
        sharedTransport = started(RpcTransport.create(rpcConfig, "rm"));
      }
      standBy();
      services.startElection(new LeaderContender() {
        @Override
        public void grantLeadership() {
          lead();
        }

        @Override
        public void revokeLeadership(String why) {
          stepDown(why);
        }
      });
    } catch (RuntimeException e) {
      close();
      throw e;
    }
    LOG.info("Resource manager standing by ({}); it serves once elected", haServices.describe());
    return this;
  }

  /** Elected: starts a term on a store fenced by it, then tells everybody where it serves. Election thread. */
  private synchronized void lead() {
    if (closed) {
      return;
    }
    try {
      stopStandingBy(); // frees the REST port for the leader's API
      ResourceManagerMetrics metricsOfTerm = !ownsMetrics ? metrics
          : nextTermMetrics != null ? nextTermMetrics : new ResourceManagerMetrics();
      if (nextTermMeters != null) {
        term.push(nextTermMeters); // bound while standing by
      }
      nextTermMetrics = null;
      nextTermMeters = null;
      termMetrics = metricsOfTerm;
      RegistryStore store = haServices.leaderStore();
      term.push(store);
      startServing(store, term, metricsOfTerm, ownsMetrics);
      LeaderAddress published = new LeaderAddress(resourceManager.id(), resourceManager.fencing().epoch(),
          rpcServer == null ? null : HostPort.format(rpcServer.address()), restUrlOfTerm());
      haServices.publishLeader(published);
      // Published first: the task executors it asks now look the leader up to register again.
      askRestoredTaskExecutors();
      if (restBindAddress != null) {
        // Last: task executors need gRPC only, so they re-sync while the REST API starts.
        restServer = push(term, startRest(resourceManager, metricsOfTerm, published));
      }
      LOG.info("Resource manager {} leads (epoch {}); rpc {}, rest {}", resourceManager.id(),
          resourceManager.fencing().epoch(), rpcServer == null ? "off" : HostPort.format(rpcServer.address()),
          restServer == null ? "off" : HostPort.format(restServer.address()));
    } catch (RuntimeException e) {
      // Another one may have been elected meanwhile (its epoch refused ours); wait for the next grant.
      LOG.error("Could not start leading; standing by again", e);
      endTerm();
      standByAgain();
    }
  }

  /** No longer the leader: stops at once (no heartbeat, no call to a task executor, no write). */
  private synchronized void stepDown(String why) {
    if (!term.isEmpty()) {
      LOG.warn("Resource manager {} steps down ({}); standing by", resourceManager == null ? "?" : resourceManager.id(),
          why);
    }
    endTerm();
    standByAgain();
  }

  private void standByAgain() {
    try {
      if (!closed) {
        standBy();
      }
    } catch (RuntimeException e) {
      LOG.error("Cannot answer on the REST port while standing by", e);
    }
  }

  /** Answers on the REST port that this process stands by, and where the leader is. */
  private synchronized void standBy() {
    if (ownsMetrics && nextTermMetrics == null) {
      nextTermMetrics = new ResourceManagerMetrics();
      nextTermMeters = ProcessMeters.bindTo(nextTermMetrics.registry(), "resource-manager");
    }
    if (rpcBindAddress != null && standbyRpc == null) {
      standbyRpc = startStandbyRpc();
      rpcBinding = new InetSocketAddress(rpcBindAddress.getAddress(), standbyRpc.port());
    }
    if (restBindAddress == null || standbyRest != null) {
      return;
    }
    try {
      standbyRest = StandbyRestServer.start(haServices, restBinding, restSecurity.jdkTls());
      restBinding = new InetSocketAddress(restBindAddress.getAddress(), standbyRest.address().getPort());
    } catch (IOException e) {
      throw cannotListen(ResourceManagerOptions.REST_PORT, restBinding, e);
    }
  }

  /**
   * Binds the gRPC port while standing by: every call is answered {@code UNAVAILABLE} with the leader's address
   * (never this process's own, which a leader that just stepped down may still have published), and the
   * health service says {@code NOT_SERVING}. With TLS and the token, as the leader's.
   */
  private RpcServer startStandbyRpc() {
    RpcServer.Builder server = RpcServer.builder(sharedTransport, rpcBinding).health(new RpcHealth())
        .executor(Runnable::run).maxConnectionIdle(IDLE_CONNECTION);
    StandbyServices.of(() -> haServices.leader().map(LeaderAddress::rpcAddress)
            .filter(address -> !address.equals(HostPort.format(rpcBinding))))
        .forEach(server::addService);
    try {
      return server.start();
    } catch (UncheckedIOException e) {
      throw cannotListen(ResourceManagerOptions.RPC_PORT, rpcBinding, e);
    }
  }

  private synchronized void stopStandingBy() {
    if (standbyRest != null) {
      standbyRest.close();
      standbyRest = null;
    }
    if (standbyRpc != null) {
      standbyRpc.close(); // frees the port for the leader's services
      standbyRpc = null;
    }
  }

  private void endTerm() {
    resourceManager = null;
    rpcServer = null;
    restServer = null;
    closeAll(term);
  }

  /**
   * Whether this process serves as the resource manager now: always once started without high availability;
   * with it, while it leads.
   */
  public boolean isLeading() {
    return resourceManager != null;
  }

  /** The high-availability services, or {@code null} without high availability (or before {@link #start()}). */
  public HighAvailabilityServices highAvailability() {
    return haServices;
  }

  /**
   * Starts the main thread, transport, facade, services and REST API on {@code store}, pushing each part on
   * {@code parts} to be closed in the reverse order.
   */
  private void startServing(RegistryStore store, Deque<AutoCloseable> parts, ResourceManagerMetrics metrics,
      boolean ownsMetrics) {
    MainThreadExecutor main = givenMain;
    if (main == null) {
      ScheduledMainThreadExecutor owned = new ScheduledMainThreadExecutor("pulse-rm-main");
      parts.push(owned);
      main = owned;
    }
    RpcTransport transport = sharedTransport;
    if (transport == null && rpcConfig != null) {
      transport = push(parts, RpcTransport.create(rpcConfig, "rm"));
    }
    TaskExecutorConnector connector = givenConnector;
    InboundHeartbeatStreams inboundStreams = null;
    if (connector == null) {
      ChannelPool channels = push(parts, new ChannelPool(transport));
      if (heartbeatTransport == HeartbeatTransport.INBOUND_STREAM) {
        inboundStreams = new InboundHeartbeatStreams();
      }
      connector = new GrpcTaskExecutorConnector(channels, heartbeatConfig, main, heartbeatTransport, inboundStreams);
    }
    OpenFiles openFiles = givenOpenFiles;
    if (openFiles == null && rpcBindAddress != null) {
      openFiles = push(parts, OpenFiles.watch("Resource manager", Duration.ofSeconds(1)));
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
    parts.push(rm);
    rm.start();
    resourceManager = rm;
    if (transport != null) {
      // How late the event loops that carry the task executors' calls and answers run: registration
      // admission and the loss guard hear it.
      push(parts, EventLoopLag.watch(transport, EVENT_LOOP_LAG_PERIOD, rm::eventLoopLag));
    }
    metrics.bindTo(rm);
    if (ownsMetrics && parts == started) {
      push(parts, ProcessMeters.bindTo(metrics.registry(), "resource-manager"));
    }
    if (rpcBindAddress != null) {
      RpcHealth health = new RpcHealth();
      rpcServer = push(parts, startRpc(transport, openFiles, rm, health, inboundStreams));
      rpcBinding = new InetSocketAddress(rpcBindAddress.getAddress(), rpcServer.port());
      // Closed first: probes see NOT_SERVING before anything else stops.
      push(parts, new HealthWatch(rm, health, healthPeriod)).start();
    }
    if (restBindAddress != null && parts == started) {
      restServer = push(parts, startRest(rm, metrics, null));
    }
  }

  /** The URL the leader's REST API will have: the port is kept from standing by ({@link #restBinding}). */
  private String restUrlOfTerm() {
    if (restBindAddress == null) {
      return null;
    }
    return restSecurity.scheme() + "://" + HostPort.format(restBinding);
  }

  private void askRestoredTaskExecutors() {
    if (rpcServer != null) {
      resourceManager.serving(); // restored task executors can register again now: ask them at once
    }
  }

  private RpcServer startRpc(RpcTransport transport, OpenFiles openFiles, ResourceManager rm, RpcHealth health,
      InboundHeartbeatStreams inboundStreams) {
    try {
      return RpcServer.builder(transport, rpcBinding)
          .addService(new ResourceManagerGatewayService(rm, inboundStreams))
          .addService(new SlotPoolService(rm))
          .health(health)
          .executor(Runnable::run)
          .maxConnectionIdle(IDLE_CONNECTION)
          .openFiles(openFiles)
          .start();
    } catch (UncheckedIOException e) {
      throw cannotListen(ResourceManagerOptions.RPC_PORT, rpcBinding, e);
    }
  }

  /** @param leader in high-availability mode, the term's published address (the API reports the role); else null */
  private RestServer startRest(ResourceManager rm, ResourceManagerMetrics metrics, LeaderAddress leader) {
    try {
      RestServer.Builder rest = RestServer.builder(rm, metrics).security(restSecurity).wallClock(wallClock);
      if (leader != null) {
        rest.leaderAddress(leader);
      }
      if (storeConfig != null && storeConfig.dir() != null) {
        rest.backupDirectory(storeConfig.dir().resolve("backups"));
      }
      RestServer server = rest.build().start(restBinding);
      restBinding = new InetSocketAddress(restBindAddress.getAddress(), server.address().getPort());
      return server;
    } catch (IOException e) {
      throw cannotListen(ResourceManagerOptions.REST_PORT, restBinding, e);
    }
  }

  private <T extends AutoCloseable> T started(T part) {
    return push(started, part);
  }

  private static <T extends AutoCloseable> T push(Deque<AutoCloseable> parts, T part) {
    parts.push(part);
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

  /**
   * The address the gRPC services listen on (while standing by, the standby's answer there: "not the leader"),
   * or {@code null} when not serving them (or not started).
   */
  public InetSocketAddress rpcAddress() {
    RpcServer server = rpcServer;
    if (server != null) {
      return server.address();
    }
    RpcServer standby = standbyRpc;
    return standby == null ? null : standby.address();
  }

  /** The address of the REST API, or {@code null} when not serving it (or not started). */
  public InetSocketAddress restAddress() {
    RestServer server = restServer;
    if (server != null) {
      return server.address();
    }
    StandbyRestServer standby = standbyRest;
    return standby == null ? null : standby.address();
  }

  /** The base URL of the REST API, {@code https://...} when it serves TLS; {@code null} when not serving it. */
  public URI restUrl() {
    RestServer server = restServer;
    return server == null ? null : server.url();
  }

  /** The Prometheus metrics the REST API serves at {@code /metrics}. */
  public ResourceManagerMetrics metrics() {
    ResourceManagerMetrics ofTerm = termMetrics;
    return ofTerm != null ? ofTerm : metrics;
  }

  /** Stops what {@link #start()} started, in the reverse order. Idempotent; fine without {@code start()}. */
  @Override
  public void close() {
    synchronized (this) {
      if (closed) {
        return;
      }
      closed = true;
      endTerm();
      stopStandingBy();
      if (nextTermMeters != null) {
        term.push(nextTermMeters);
        nextTermMeters = null;
        closeAll(term);
      }
    }
    // Outside the lock: leaving the election waits for the election thread, which may be waiting for it.
    closeAll(started);
  }

  private static void closeAll(Deque<AutoCloseable> parts) {
    while (!parts.isEmpty()) {
      AutoCloseable part = parts.pop();
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
