package dev.pulse.rm;

import dev.pulse.config.Settings;
import dev.pulse.heartbeat.ConfigException;
import dev.pulse.heartbeat.HeartbeatConfig;
import dev.pulse.heartbeat.HeartbeatMetrics;
import dev.pulse.heartbeat.RpcFailureKind;
import dev.pulse.rm.grpc.GrpcTaskExecutorConnector;
import dev.pulse.rm.grpc.ResourceManagerGatewayService;
import dev.pulse.rm.grpc.SlotPoolService;
import dev.pulse.rm.metrics.ResourceManagerMetrics;
import dev.pulse.rm.rest.RestSecurity;
import dev.pulse.rm.rest.RestServer;
import dev.pulse.rpc.ChannelPool;
import dev.pulse.rpc.OpenFiles;
import dev.pulse.rpc.RpcConfig;
import dev.pulse.rpc.RpcServer;
import dev.pulse.rpc.RpcTransport;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import dev.pulse.heartbeat.time.MainThreadExecutor;
import dev.pulse.heartbeat.time.ScheduledMainThreadExecutor;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The resource manager as a library: keeps the registry of task executors and their slots, watches
 * them with one heartbeat sender, hands out slots to jobs and tells jobs when they lose them.
 *
 * <p>Build one with {@link #builder()}, {@link #start()} it, {@link #close()} it. By default it serves
 * the gRPC services task executors and jobs call ({@code resourcemanager.rpc.address/port}) and the
 * REST API with Prometheus metrics ({@code rest.bind-address/port}), and reaches task executors over
 * gRPC. Every method is thread-safe: state lives on the resource manager's single main thread, and
 * calls hop onto it, answering with futures. Listeners are called on that main thread.
 *
 * <pre>{@code
 * try (ResourceManager rm = ResourceManager.builder()
 *     .settings(Settings.of("heartbeat.interval", "1 s", "heartbeat.timeout", "5 s"))
 *     .listener(myScheduler)
 *     .build()
 *     .start()) {
 *   List<Allocation> slots = rm.allocateSlots("job-1", 4).join();
 * }
 * }</pre>
 */
public final class ResourceManager implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(ResourceManager.class);
  /**
   * Task executors call the resource manager only now and then; their connections are closed after
   * this long without a call, so that each does not hold one of its descriptors for ever.
   */
  static final Duration IDLE_CONNECTION = Duration.ofSeconds(30);

  private final Settings settings;
  private final HeartbeatConfig heartbeatConfig;
  private final FencingToken fencing;
  /** The given main thread, or the one {@link #start()} creates; {@code null} until then. */
  private volatile MainThreadExecutor main;
  private ScheduledMainThreadExecutor ownedMain;
  private final Clock wallClock;
  private final TaskExecutorConnector givenConnector;
  private final List<ResourceManagerListener> listeners;
  private final HeartbeatMetrics heartbeatMetrics;
  private final ResourceManagerMetrics metrics;
  private final boolean serveRpc;
  private final boolean serveRest;
  private final InetSocketAddress rpcBindAddress;
  private final InetSocketAddress restBindAddress;
  private final RpcConfig rpcConfig;
  private final RestSecurity restSecurity;
  private RpcTransport transport;
  private ChannelPool channels;
  private RpcServer rpcServer;
  private RestServer restServer;
  private final OpenFiles givenOpenFiles;
  private OpenFiles openFiles;
  private boolean ownsOpenFiles;
  private volatile ResourceManagerCore core;
  private volatile boolean closed;
  private boolean metricsBound;

  private ResourceManager(Builder b) {
    this.settings = b.settings;
    this.heartbeatConfig = HeartbeatConfig.from(b.settings);
    // Reads the token and certificate files too; before the main thread exists, so a bad one leaves nothing running.
    this.restSecurity = b.serveRest ? RestSecurity.fromSettings(b.settings) : null;
    this.wallClock = b.wallClock;
    String id = b.resourceManagerId != null ? b.resourceManagerId
        : "rm-" + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt());
    this.fencing = new FencingToken(id, b.epoch != 0 ? b.epoch : wallClock.millis());
    // No thread is started here: a setting that fails below must leave nothing running behind.
    this.main = b.mainThread;
    this.givenConnector = b.connector;
    this.givenOpenFiles = b.openFiles;
    this.metrics = b.metrics != null ? b.metrics : new ResourceManagerMetrics();
    List<ResourceManagerListener> all = new ArrayList<>(b.listeners);
    if (!all.contains(metrics)) {
      all.add(metrics);
    }
    this.listeners = List.copyOf(all);
    this.heartbeatMetrics = b.heartbeatMetrics == HeartbeatMetrics.NONE || b.heartbeatMetrics == metrics
        ? metrics : both(b.heartbeatMetrics, metrics);
    this.serveRpc = b.serveRpc;
    this.serveRest = b.serveRest;
    // Every setting is read and checked here, before anything binds.
    this.rpcBindAddress = address(settings, ResourceManagerOptions.RPC_ADDRESS, ResourceManagerOptions.DEFAULT_RPC_ADDRESS,
        ResourceManagerOptions.RPC_PORT, ResourceManagerOptions.DEFAULT_RPC_PORT);
    this.restBindAddress = address(settings, ResourceManagerOptions.REST_BIND_ADDRESS,
        ResourceManagerOptions.DEFAULT_REST_BIND_ADDRESS, ResourceManagerOptions.REST_PORT,
        ResourceManagerOptions.DEFAULT_REST_PORT);
    this.rpcConfig = serveRpc || givenConnector == null ? RpcConfig.fromMap(settings.asMap()) : null;
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
   * Starts watching and accepting registrations. Returns once the resource manager is ready.
   *
   * @throws IllegalStateException if already started or closed
   */
  public ResourceManager start() {
    if (closed || core != null) {
      throw new IllegalStateException(closed ? "closed" : "already started");
    }
    try {
      if (main == null) {
        ownedMain = new ScheduledMainThreadExecutor("pulse-rm-main");
        main = ownedMain;
      }
      TaskExecutorConnector connector = givenConnector;
      if (rpcConfig != null) {
        transport = RpcTransport.create(rpcConfig, "rm");
      }
      if (connector == null) {
        channels = new ChannelPool(transport);
        connector = new GrpcTaskExecutorConnector(channels, heartbeatConfig, main);
      }
      if (givenOpenFiles != null) {
        openFiles = givenOpenFiles;
      } else if (serveRpc) {
        openFiles = OpenFiles.watch("Resource manager " + fencing.resourceManagerId(), Duration.ofSeconds(1));
        ownsOpenFiles = true;
      }
      TaskExecutorConnector chosen = connector;
      core = await(onMainThread(() -> new ResourceManagerCore(fencing, heartbeatConfig, main, wallClock, chosen,
          listeners, heartbeatMetrics)));
      if (!metricsBound) {
        metrics.bindTo(this);
        metricsBound = true;
      }
      if (serveRpc) {
        try {
          rpcServer = RpcServer.builder(transport, rpcBindAddress)
              .addService(new ResourceManagerGatewayService(this))
              .addService(new SlotPoolService(this))
              .executor(Runnable::run)
              .maxConnectionIdle(IDLE_CONNECTION)
              .openFiles(openFiles)
              .start();
        } catch (java.io.UncheckedIOException e) {
          throw cannotListen(ResourceManagerOptions.RPC_PORT, rpcBindAddress, e);
        }
      }
      if (serveRest) {
        try {
          restServer = RestServer.builder(this, metrics).security(restSecurity).build().start(restBindAddress);
        } catch (IOException e) {
          throw cannotListen(ResourceManagerOptions.REST_PORT, restBindAddress, e);
        }
      }
    } catch (RuntimeException e) {
      close();
      throw e;
    }
    LOG.info("Resource manager {} (epoch {}) started with {}; rpc {}, rest {}", fencing.resourceManagerId(),
        fencing.epoch(), heartbeatConfig, rpcServer == null ? "off" : hostPort(rpcServer.address()),
        restServer == null ? "off" : hostPort(restServer.address()));
    return this;
  }

  /** The address the gRPC services listen on, or {@code null} when not serving them. */
  public InetSocketAddress rpcAddress() {
    return rpcServer == null ? null : rpcServer.address();
  }

  /** The address of the REST API, or {@code null} when not serving it. */
  public InetSocketAddress restAddress() {
    return restServer == null ? null : restServer.address();
  }

  /** The base URL of the REST API, {@code https://...} when it serves TLS; {@code null} when not serving it. */
  public URI restUrl() {
    return restServer == null ? null : restServer.url();
  }

  /** The Prometheus metrics the REST API serves at {@code /metrics}. */
  public ResourceManagerMetrics metrics() {
    return metrics;
  }

  /** Its id and epoch, sent with every call to task executors. */
  public FencingToken fencing() {
    return fencing;
  }

  public String id() {
    return fencing.resourceManagerId();
  }

  /**
   * True between {@link #start()} and {@link #close()}: the resource manager takes calls. Never blocks;
   * for health checks and for telling "not running" apart from other failures.
   */
  public boolean isRunning() {
    return core != null && !closed;
  }

  public HeartbeatConfig heartbeatConfig() {
    return heartbeatConfig;
  }

  /** The settings it was built with. */
  public Settings settings() {
    return settings;
  }

  // ------------------------------------------------------------------ task executors' calls

  /**
   * Registers a task executor; fails with {@link RegistrationRejectedException} for bad input, and
   * with {@link OverloadedException} for a new one while the process is near its open-files limit
   * (a known one may always register again: it needs no new descriptor).
   */
  public CompletableFuture<RegistrationResult> registerTaskExecutor(TaskExecutorRegistration registration) {
    OpenFiles files = openFiles;
    return onCore(c -> {
      if (files != null && files.nearLimit() && !c.knows(registration.resourceId())) {
        throw new OverloadedException("the resource manager is near its open-files limit (" + files.open() + " of "
            + files.limit() + " in use) and takes no new task executor; retry later");
      }
      if (files != null && !c.knows(registration.resourceId())) {
        files.opened(); // its heartbeat channel, until the next sample counts it
      }
      return c.register(registration);
    });
  }

  /** A task executor's slot report outside heartbeats; {@link StaleRegistrationException} if not current. */
  public CompletableFuture<Void> reportSlots(String taskExecutorId, String registrationId, SlotReport report) {
    return onCore(c -> {
      c.slotReport(taskExecutorId, registrationId, report);
      return null;
    });
  }

  /** A task executor leaves: lost at once with reason {@code DISCONNECTED}. */
  public CompletableFuture<Void> disconnectTaskExecutor(String taskExecutorId, String registrationId, String cause) {
    return onCore(c -> {
      c.disconnect(taskExecutorId, registrationId, cause);
      return null;
    });
  }

  // ------------------------------------------------------------------ jobs' calls

  /**
   * Allocates {@code slots} slots for {@code jobId}, all or nothing: each task executor is asked
   * for its slot before the allocation is reported. Fails with {@link NotEnoughSlotsException} when
   * too few are free, {@link AllocationFailedException} when a task executor refuses.
   */
  public CompletableFuture<List<Allocation>> allocateSlots(String jobId, int slots) {
    return onMainThread(() -> core().allocate(jobId, slots)).thenCompose(f -> f);
  }

  /** Releases an allocation; {@link UnknownAllocationException} if there is none with that id. */
  public CompletableFuture<Void> releaseAllocation(String allocationId) {
    return onCore(c -> {
      c.release(allocationId);
      return null;
    });
  }

  /** Allocations of {@code jobId}, or of every job when it is {@code null}. */
  public CompletableFuture<List<Allocation>> allocations(String jobId) {
    return onCore(c -> c.allocations(jobId));
  }

  /**
   * Streams {@code jobId}'s allocation changes to {@code watcher}, on the main thread, until the
   * returned handle is run. The job's current allocations come first, as {@code ALLOCATION_CREATED}
   * updates with seq 0.
   */
  public CompletableFuture<Runnable> watchAllocations(String jobId, Consumer<AllocationUpdate> watcher) {
    return onCore(c -> {
      Runnable unsubscribe = c.watch(jobId, watcher);
      return () -> main.execute(unsubscribe);
    });
  }

  // ------------------------------------------------------------------ reads

  /** Totals, from a snapshot: never blocks. */
  public Overview overview() {
    return core().overviewSnapshot();
  }

  public CompletableFuture<List<TaskExecutorInfo>> taskExecutors() {
    return onCore(ResourceManagerCore::taskExecutors);
  }

  public CompletableFuture<Optional<TaskExecutorInfo>> taskExecutor(String id) {
    return onCore(c -> Optional.ofNullable(c.taskExecutor(id)));
  }

  /** Events with {@code seq > after}, oldest first, at most {@code limit}. Never blocks. */
  public List<ResourceManagerEvent> events(long after, int limit) {
    return core().events(after, limit);
  }

  /** The newest event, or {@code null}. */
  public ResourceManagerEvent lastEvent() {
    return core().lastEvent();
  }

  /** Counters of the heartbeat sender. */
  public CompletableFuture<dev.pulse.heartbeat.HeartbeatStats> heartbeatStats() {
    return onCore(c -> c.heartbeats().stats());
  }

  // ------------------------------------------------------------------ lifecycle

  /** Stops watching, closes every connection and the main thread it owns. Idempotent. */
  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    closeQuietly(restServer);
    closeQuietly(rpcServer);
    ResourceManagerCore c = core;
    if (c != null) {
      try {
        onMainThread(() -> {
          c.close();
          return null;
        }).get(10, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      } catch (ExecutionException | TimeoutException e) {
        LOG.warn("Resource manager did not shut down cleanly", e);
      }
    }
    closeQuietly(channels);
    closeQuietly(transport);
    if (ownsOpenFiles) {
      openFiles.close();
    }
    if (ownedMain != null) {
      ownedMain.close();
    }
    LOG.info("Resource manager {} stopped", fencing.resourceManagerId());
  }

  /** A port that cannot be bound is a configuration problem: name the key, the address and the cause. */
  private static ConfigException cannotListen(String portKey, InetSocketAddress address, Exception e) {
    Throwable root = e;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    String why = root.getMessage() == null ? root.toString() : root.getMessage().replaceFirst("^.*failed with error\\(-?\\d+\\): ", "");
    ConfigException failure = new ConfigException(portKey, "cannot listen on " + hostPort(address) + " (" + why
        + "); choose a free port, or 0 for any");
    failure.initCause(e);
    return failure;
  }

  private static String hostPort(InetSocketAddress address) {
    return address.getHostString() + ":" + address.getPort();
  }

  private static void closeQuietly(AutoCloseable closeable) {
    if (closeable == null) {
      return;
    }
    try {
      closeable.close();
    } catch (Exception e) {
      LOG.warn("Closing {} failed", closeable, e);
    }
  }

  /** Both hooks, for a caller that brings its own heartbeat metrics besides the REST ones. */
  private static HeartbeatMetrics both(HeartbeatMetrics a, HeartbeatMetrics b) {
    return new HeartbeatMetrics() {
      @Override
      public void onTick(long lagNanos) {
        a.onTick(lagNanos);
        b.onTick(lagNanos);
      }

      @Override
      public void onRequestSent() {
        a.onRequestSent();
        b.onRequestSent();
      }

      @Override
      public void onRpcSucceeded(long roundTripNanos) {
        a.onRpcSucceeded(roundTripNanos);
        b.onRpcSucceeded(roundTripNanos);
      }

      @Override
      public void onRpcFailed(RpcFailureKind kind) {
        a.onRpcFailed(kind);
        b.onRpcFailed(kind);
      }
    };
  }

  private ResourceManagerCore core() {
    ResourceManagerCore c = core;
    if (c == null) {
      throw new IllegalStateException("the resource manager is not started");
    }
    return c;
  }

  private <T> CompletableFuture<T> onCore(java.util.function.Function<ResourceManagerCore, T> call) {
    return onMainThread(() -> call.apply(core()));
  }

  private <T> CompletableFuture<T> onMainThread(Callable<T> call) {
    CompletableFuture<T> result = new CompletableFuture<>();
    MainThreadExecutor main = this.main;
    if (main == null) {
      result.completeExceptionally(new IllegalStateException("the resource manager is not started"));
      return result;
    }
    try {
      main.execute(() -> {
        try {
          result.complete(call.call());
        } catch (Throwable t) {
          result.completeExceptionally(t);
        }
      });
    } catch (RuntimeException rejected) {
      result.completeExceptionally(new IllegalStateException("the resource manager is shut down", rejected));
    }
    return result;
  }

  private static <T> T await(CompletableFuture<T> f) {
    try {
      return f.get(30, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    } catch (ExecutionException e) {
      throw new CompletionException(e.getCause());
    } catch (TimeoutException e) {
      throw new IllegalStateException("the main thread did not answer within 30 s", e);
    }
  }

  /** Builder; every setting has a default. */
  public static final class Builder {
    private Settings settings = Settings.empty();
    private String resourceManagerId;
    private long epoch;
    private MainThreadExecutor mainThread;
    private Clock wallClock = Clock.systemUTC();
    private TaskExecutorConnector connector;
    private final List<ResourceManagerListener> listeners = new ArrayList<>();
    private HeartbeatMetrics heartbeatMetrics = HeartbeatMetrics.NONE;
    private ResourceManagerMetrics metrics;
    private boolean serveRpc = true;
    private boolean serveRest = true;
    private OpenFiles openFiles;

    private Builder() {}

    /**
     * Where the resource manager learns that it is near its open-files limit (and then refuses new task
     * executors); by default it watches its own process while it serves gRPC.
     */
    public Builder openFiles(OpenFiles openFiles) {
      this.openFiles = Objects.requireNonNull(openFiles);
      return this;
    }

    /** Configuration (SPEC 5 keys); validated by {@link #build()}. */
    public Builder settings(Settings settings) {
      this.settings = Objects.requireNonNull(settings);
      return this;
    }

    /** Defaults to {@code rm-} and eight random hex digits. */
    public Builder resourceManagerId(String id) {
      this.resourceManagerId = id;
      return this;
    }

    /** Leader epoch; defaults to the wall-clock time of construction, so a restart has a larger one. */
    public Builder epoch(long epoch) {
      this.epoch = epoch;
      return this;
    }

    /** The single thread all state lives on; defaults to one the resource manager owns. */
    public Builder mainThread(MainThreadExecutor mainThread) {
      this.mainThread = mainThread;
      return this;
    }

    /** Wall clock for event times; defaults to UTC system time. */
    public Builder wallClock(Clock wallClock) {
      this.wallClock = Objects.requireNonNull(wallClock);
      return this;
    }

    /** How the resource manager reaches task executors; defaults to gRPC. */
    public Builder connector(TaskExecutorConnector connector) {
      this.connector = connector;
      return this;
    }

    public Builder listener(ResourceManagerListener listener) {
      listeners.add(Objects.requireNonNull(listener));
      return this;
    }

    /** An extra heartbeat metrics hook, besides the resource manager's own {@link #metrics}. */
    public Builder heartbeatMetrics(HeartbeatMetrics metrics) {
      this.heartbeatMetrics = Objects.requireNonNull(metrics);
      return this;
    }

    /** The Prometheus metrics to record into and serve; defaults to a fresh registry. */
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
     * Reads and checks every setting; binds nothing (that is {@link ResourceManager#start()}).
     *
     * @throws ConfigException naming the key of a bad setting
     */
    public ResourceManager build() {
      return new ResourceManager(this);
    }
  }
}
