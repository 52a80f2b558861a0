package dev.pulse.te.server;

import dev.pulse.config.ConfigException;
import dev.pulse.config.HostPort;
import dev.pulse.config.Settings;
import dev.pulse.heartbeat.ResourceId;
import dev.pulse.heartbeat.time.MainThreadExecutor;
import dev.pulse.heartbeat.time.ScheduledMainThreadExecutor;
import dev.pulse.rpc.ChannelPool;
import dev.pulse.rpc.ResourceManagerAddresses;
import dev.pulse.rpc.RpcConfig;
import dev.pulse.rpc.RpcHealth;
import dev.pulse.rpc.RpcServer;
import dev.pulse.rpc.RpcTransport;
import dev.pulse.te.ResourceManagerClient;
import dev.pulse.te.TaskExecutor;
import dev.pulse.te.TaskExecutorConfig;
import dev.pulse.te.TaskExecutorConfigOptions;
import dev.pulse.te.TaskExecutorListener;
import dev.pulse.te.TaskExecutorOptions;
import dev.pulse.te.TaskSlot;
import dev.pulse.te.grpc.HeartbeatAnswering;
import dev.pulse.te.grpc.GrpcResourceManagerClient;
import dev.pulse.te.grpc.LeaderFollowingResourceManagerClient;
import dev.pulse.te.grpc.ResourceManagerListClient;
import dev.pulse.te.ha.ResourceManagerLocator;
import dev.pulse.te.ha.ResourceManagerLocatorFactory;
import dev.pulse.te.grpc.TaskExecutorGatewayService;
import io.grpc.ClientInterceptor;
import io.grpc.ServerInterceptor;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The composition root of one task executor process, and the way to embed one: reads the
 * configuration once, then {@link #start()} builds and starts, in this order, the RPC transport, the
 * main thread, the client to the resource manager, the {@link TaskExecutor}, its gRPC gateway service
 * on a bound server (with the standard health service, {@code SERVING} while registered, and server
 * reflection), and finally the registration; {@link #close()} undoes them in reverse.
 *
 * <pre>{@code
 * try (TaskExecutorServer te = TaskExecutorServer.builder()
 *     .settings(Settings.of("taskexecutor.numberOfTaskSlots", "4", "resourcemanager.rpc.port", "6123"))
 *     .listener(mySlotRunner)
 *     .build()) {
 *   te.start();
 *   String reason = te.failStop().join(); // only if it gives up on its resource manager
 * }
 * }</pre>
 *
 * <p>Lifecycle: {@link Builder#build()} validates the configuration and opens nothing; {@link #start()}
 * binds the gRPC server and starts registering; {@link #close()} says goodbye to the resource manager
 * and releases everything. A fail-stop is reported through {@link #failStop()} and
 * {@link TaskExecutorListener#failStopped}; it never exits the JVM ({@link TaskExecutorMain} does).
 * The accessors are the {@link #taskExecutor()}'s, for convenience.
 *
 * <p>Thread-safety: every public method may be called from any thread; {@link #close()} not from the
 * task executor's main thread (a listener).
 */
public final class TaskExecutorServer implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(TaskExecutorServer.class);

  private final TaskExecutorConfig config;
  private final RpcConfig rpcConfig;
  private final int advertisedPort;
  private final String instanceId;
  private final MainThreadExecutor suppliedMainThread;
  private final List<TaskExecutorListener> listeners;
  private final List<ServerInterceptor> serverInterceptors;
  private final List<ClientInterceptor> clientInterceptors;
  private final CompletableFuture<String> failStopFuture = new CompletableFuture<>();
  /** Where the optional HTTP endpoint binds; {@code null} when {@code taskexecutor.http.enabled} is false. */
  private final InetSocketAddress httpBindAddress;

  // Written by start() under the lock, read by close() under it; the volatile ones are read anywhere.
  private final Object lifecycleLock = new Object();
  private boolean started;
  private boolean closed;
  private ScheduledMainThreadExecutor ownedMainThread;
  /** What start() opened, to close in reverse order. */
  private final Deque<AutoCloseable> opened = new ArrayDeque<>();
  private volatile TaskExecutor taskExecutor;
  private volatile String rpcAddress;
  private volatile String listenAddress;
  /** {@code taskexecutor.bind-host}, or {@code null} to listen on {@code taskexecutor.rpc.address}. */
  private final String bindHost;
  /** {@code high-availability.*}, checked: how to find the leader; {@code null} without high availability. */
  private final ResourceManagerLocatorFactory.Prepared locator;
  /**
   * The resource managers {@code resourcemanager.rpc.address} lists ({@code host:port[,host:port...]}), in order;
   * {@code null} when it names one host (whose port is {@code resourcemanager.rpc.port}).
   */
  private final List<String> listedResourceManagers;
  private volatile TaskExecutorHttpServer httpServer;
  /** The leader's locator once connected (high availability); {@code null} otherwise. */
  private volatile ResourceManagerLocator connectedLocator;

  private TaskExecutorServer(Builder b) {
    this.config = b.config != null ? b.config : TaskExecutorConfig.from(b.settings);
    this.rpcConfig = RpcConfig.fromMap(b.settings.asMap());
    this.advertisedPort = b.settings.port(TaskExecutorOptions.RPC_ADVERTISED_PORT,
        TaskExecutorOptions.DEFAULT_RPC_ADVERTISED_PORT);
    this.bindHost = b.settings.get(TaskExecutorConfigOptions.BIND_HOST);
    this.instanceId = b.instanceId != null ? b.instanceId : UUID.randomUUID().toString();
    this.suppliedMainThread = b.mainThread;
    this.listeners = List.copyOf(b.listeners);
    this.serverInterceptors = List.copyOf(b.serverInterceptors);
    this.clientInterceptors = List.copyOf(b.clientInterceptors);
    this.httpBindAddress = httpBindAddress(b.settings);
    this.locator = ResourceManagerLocatorFactory.forSettings(b.settings).orElse(null);
    String listed = b.settings.string(TaskExecutorOptions.RESOURCE_MANAGER_RPC_ADDRESS, "");
    this.listedResourceManagers = b.config == null && ResourceManagerAddresses.isList(listed)
        ? ResourceManagerAddresses.parse(TaskExecutorOptions.RESOURCE_MANAGER_RPC_ADDRESS, listed) : null;
  }

  private static InetSocketAddress httpBindAddress(Settings settings) {
    if (!settings.bool(TaskExecutorOptions.HTTP_ENABLED, TaskExecutorOptions.DEFAULT_HTTP_ENABLED)) {
      return null;
    }
    String host = settings.string(TaskExecutorOptions.HTTP_BIND_ADDRESS, TaskExecutorOptions.DEFAULT_HTTP_BIND_ADDRESS);
    int port = settings.port(TaskExecutorOptions.HTTP_PORT, TaskExecutorOptions.DEFAULT_HTTP_PORT);
    InetSocketAddress address = new InetSocketAddress(host, port);
    if (address.isUnresolved()) {
      throw new ConfigException(TaskExecutorOptions.HTTP_BIND_ADDRESS, "cannot resolve '" + host + "'");
    }
    return address;
  }

  public static Builder builder() {
    return new Builder();
  }

  /**
   * Binds the gRPC server and starts registering with the resource manager. Returns once the server
   * listens; the registration goes on in the background (see {@link #isRegistered()}).
   *
   * @return this
   * @throws ConfigException naming the key if a security file cannot be used, or if the server cannot
   *     listen at {@code taskexecutor.rpc.address}/{@code taskexecutor.rpc.port} (e.g. the port is taken);
   *     nothing is left running then
   * @throws IllegalStateException if already started or closed
   */
  public TaskExecutorServer start() {
    synchronized (lifecycleLock) {
      if (started || closed) {
        throw new IllegalStateException(closed ? "the task executor is closed" : "the task executor is already started");
      }
      started = true;
      try {
        InetSocketAddress bindAddress = new InetSocketAddress(resolveBindHost(), config.rpcPort());
        RpcTransport transport = opened(RpcTransport.create(rpcConfig, "te"));
        MainThreadExecutor mainThread = suppliedMainThread;
        if (mainThread == null) {
          ownedMainThread = opened(new ScheduledMainThreadExecutor("pulse-te-main"));
          mainThread = ownedMainThread;
        }
        ChannelPool channels = opened(new ChannelPool(transport, clientInterceptors));
        // A resource manager may ask for heartbeats on a stream this task executor opens: the gateway below
        // answers them, as it answers the ones the resource manager sends it (made after the client).
        AtomicReference<TaskExecutorGatewayService> gatewayRef = new AtomicReference<>();
        HeartbeatAnswering answering = new HeartbeatAnswering(mainThread, responses -> {
          TaskExecutorGatewayService g = gatewayRef.get();
          if (g == null) {
            throw new IllegalStateException("the task executor's gateway is not up yet");
          }
          return g.heartbeatStream(responses);
        });
        ResourceManagerClient client;
        if (locator != null) {
          // High availability: follow the leader instead of calling resourcemanager.rpc.address.
          ResourceManagerLocator connected = opened(locator.connect());
          connectedLocator = connected;
          client = opened(new LeaderFollowingResourceManagerClient(channels, connected, answering));
        } else if (listedResourceManagers != null) {
          // Resource managers that stand by for one another, and no ZooKeeper: a standby's answer names the leader.
          client = opened(new ResourceManagerListClient(channels, listedResourceManagers, answering));
        } else {
          client = opened(new GrpcResourceManagerClient(channels, config.resourceManagerAddress(), answering));
        }
        RpcHealth health = new RpcHealth();
        List<TaskExecutorListener> all = new ArrayList<>(listeners);
        all.add(new RegistrationHealth(health));
        TaskExecutor te = TaskExecutor.create(config, instanceId, mainThread, client, all);
        TaskExecutorGatewayService gateway = TaskExecutorGatewayService.builder().taskExecutor(te, mainThread).build();
        gatewayRef.set(gateway);
        RpcServer server = opened(bind(transport, gateway, health, bindAddress));
        // Closed before the server: the goodbye to the resource manager comes first, as it always has.
        opened(te::close);
        if (httpBindAddress != null) {
          TaskExecutorHttpServer httpServer = opened(new TaskExecutorHttpServer(te));
          startHttp(httpServer);
          this.httpServer = httpServer;
        }
        // Closed first of all: probes see NOT_SERVING before the task executor leaves.
        opened(health::shutdown);
        String host = advertisedHost();
        listenAddress = HostPort.format(host, server.port());
        rpcAddress = HostPort.format(host, advertisedPort == 0 ? server.port() : advertisedPort);
        taskExecutor = te;
        te.failStop().thenAccept(failStopFuture::complete);
        LOG.info("Task executor {} (instance {}) listening on {} with {} slot(s); resource manager at {}",
            resourceId(), instanceId, rpcAddress, config.numberOfSlots(), resourceManagerAddress());
        te.start(rpcAddress);
      } catch (RuntimeException e) {
        closeOpened();
        closed = true;
        throw e;
      }
    }
    return this;
  }

  // ------------------------------------------------------------------ accessors (any thread)

  /**
   * The task executor this process runs.
   *
   * @throws IllegalStateException before {@link #start()}
   */
  public TaskExecutor taskExecutor() {
    TaskExecutor te = taskExecutor;
    if (te == null) {
      throw new IllegalStateException("the task executor is not started");
    }
    return te;
  }

  /**
   * {@code host:port} at which the gRPC server listens, as advertised to the resource manager: the port
   * is {@code taskexecutor.rpc.advertised-port} when that is set (see {@link #listenAddress()}).
   *
   * @throws IllegalStateException before {@link #start()}
   */
  public String rpcAddress() {
    String a = rpcAddress;
    if (a == null) {
      throw new IllegalStateException("the task executor is not started");
    }
    return a;
  }

  /**
   * {@code host:port} at which the gRPC server listens; the same as {@link #rpcAddress()} unless
   * {@code taskexecutor.rpc.advertised-port} advertises another port.
   *
   * @throws IllegalStateException before {@link #start()}
   */
  public String listenAddress() {
    String a = listenAddress;
    if (a == null) {
      throw new IllegalStateException("the task executor is not started");
    }
    return a;
  }

  /**
   * The address of the HTTP {@code /healthz} and {@code /metrics} endpoint; empty when
   * {@code taskexecutor.http.enabled} is false or before {@link #start()}.
   */
  public Optional<InetSocketAddress> httpAddress() {
    TaskExecutorHttpServer server = httpServer;
    return server == null ? Optional.empty() : Optional.of(server.address());
  }

  /** This task executor's resource id, stable across restarts if configured. */
  public String resourceId() {
    return config.resourceId().value();
  }

  /** This start's instance id: a fresh UUID unless the builder set one. */
  public String instanceId() {
    return instanceId;
  }

  /**
   * Where it finds its resource manager: {@code host:port}; with several, {@code host:port,host:port...}; with
   * high availability, the coordination service (e.g. {@code zookeeper 127.0.0.1:2181 /pulse/default}) once
   * {@link #start()} connected to it.
   */
  public String resourceManagerAddress() {
    ResourceManagerLocator connected = connectedLocator;
    if (connected != null) {
      return connected.describe();
    }
    return listedResourceManagers == null ? config.resourceManagerAddress() : String.join(",", listedResourceManagers);
  }

  public int numberOfSlots() {
    return config.numberOfSlots();
  }

  /** The validated configuration it runs with. */
  public TaskExecutorConfig config() {
    return config;
  }

  /** See {@link TaskExecutor#isRegistered()}; {@code false} before {@link #start()}. */
  public boolean isRegistered() {
    TaskExecutor te = taskExecutor;
    return te != null && te.isRegistered();
  }

  /** See {@link TaskExecutor#resourceManagerId()}. */
  public Optional<String> resourceManagerId() {
    TaskExecutor te = taskExecutor;
    return te == null ? Optional.empty() : te.resourceManagerId();
  }

  /** See {@link TaskExecutor#registrationId()}. */
  public Optional<String> registrationId() {
    TaskExecutor te = taskExecutor;
    return te == null ? Optional.empty() : te.registrationId();
  }

  /** Every slot, by index, as of its last change; all free before {@link #start()}. */
  public List<TaskSlot> slots() {
    TaskExecutor te = taskExecutor;
    if (te == null) {
      List<TaskSlot> free = new ArrayList<>(config.numberOfSlots());
      for (int i = 0; i < config.numberOfSlots(); i++) {
        free.add(TaskSlot.free(i));
      }
      return List.copyOf(free);
    }
    return te.slots();
  }

  /**
   * Completes with the reason if the task executor fail-stops: it had no resource manager for
   * {@code taskexecutor.registration.timeout} and freed its slots. Stays incomplete otherwise, also
   * after {@link #close()}. The owner should close it when it completes.
   */
  public CompletableFuture<String> failStop() {
    return failStopFuture;
  }

  // ------------------------------------------------------------------ lifecycle

  /**
   * Stops: tells the resource manager that this task executor leaves ({@code DisconnectTaskExecutor},
   * reason {@code DISCONNECTED}, with a short deadline) if registered, frees the slots, then stops the
   * server, the client, the main thread it owns and the transport. Idempotent; returns within a few
   * seconds even if the resource manager does not answer.
   *
   * @throws IllegalStateException if called on the task executor's own main thread (from a listener)
   */
  @Override
  public void close() {
    synchronized (lifecycleLock) {
      if (ownedMainThread != null && ownedMainThread.isInMainThread()) {
        throw new IllegalStateException("close() was called on the task executor's main thread (from a listener?);"
            + " call it from another thread");
      }
      if (closed) {
        return;
      }
      closed = true;
      closeOpened();
    }
    LOG.info("Task executor {} (instance {}) stopped", resourceId(), instanceId);
  }

  @Override
  public String toString() {
    return "TaskExecutor{" + resourceId() + ", instance " + instanceId + (rpcAddress == null ? "" : ", " + rpcAddress)
        + "}";
  }

  private <T extends AutoCloseable> T opened(T part) {
    opened.push(part);
    return part;
  }

  /**
   * Closes what {@link #start()} opened, newest first: the task executor says goodbye, then the
   * server, the client, the channels, the main thread it owns and the transport go. Under the lock.
   */
  private void closeOpened() {
    while (!opened.isEmpty()) {
      AutoCloseable part = opened.pop();
      try {
        part.close();
      } catch (Exception e) {
        LOG.warn("Closing {} failed", part, e);
      }
    }
  }

  private void startHttp(TaskExecutorHttpServer server) {
    try {
      server.start(httpBindAddress);
    } catch (IOException e) {
      throw new ConfigException(TaskExecutorOptions.HTTP_PORT, "cannot listen on " + HostPort.format(httpBindAddress)
          + " (" + e.getMessage() + "); choose a free port, or 0 for any");
    }
  }

  private RpcServer bind(RpcTransport transport, TaskExecutorGatewayService gateway, RpcHealth health,
      InetSocketAddress bindAddress) {
    try {
      RpcServer.Builder builder = RpcServer.builder(transport, bindAddress);
      serverInterceptors.forEach(builder::intercept);
      return builder
          .addService(gateway)
          .health(health)
          // The gateway only validates and hands each call to the main thread: no need for another hop.
          .executor(Runnable::run)
          .start();
    } catch (UncheckedIOException e) {
      // The innermost cause says why ("Address already in use"); the outer ones only repeat the address.
      Throwable root = e;
      while (root.getCause() != null && root.getCause() != root) {
        root = root.getCause();
      }
      String reason = root.getMessage() != null ? root.getMessage().replaceFirst("^.*failed with error\\(-?\\d+\\): ", "")
          : root.getClass().getSimpleName();
      String host = bindHost != null ? bindHost : config.rpcAddress();
      if (config.rpcPort() != 0) {
        throw new ConfigException(TaskExecutorOptions.RPC_PORT, "cannot listen on port " + config.rpcPort() + " of "
            + host + " (" + reason + "); set " + TaskExecutorOptions.RPC_PORT + " to a free port, or to 0 for any (e.g. -D"
            + TaskExecutorOptions.RPC_PORT + "=0)");
      }
      throw new ConfigException(bindHost != null ? TaskExecutorConfigOptions.BIND_HOST.key()
          : TaskExecutorOptions.RPC_ADDRESS, "cannot listen on " + host + ": " + reason);
    }
  }

  /** {@code taskexecutor.bind-host} if set, else {@code taskexecutor.rpc.address}. */
  private InetAddress resolveBindHost() {
    if (bindHost == null) {
      return config.resolveRpcAddress();
    }
    try {
      return InetAddress.getByName(bindHost);
    } catch (UnknownHostException e) {
      throw new ConfigException(TaskExecutorConfigOptions.BIND_HOST.key(), "cannot resolve host '" + bindHost + "'");
    }
  }

  /**
   * The host the resource manager should call: the configured one (which keeps TLS host name checks
   * working), or this host's name if the server listens on a wildcard address.
   */
  private String advertisedHost() {
    if (!config.resolveRpcAddress().isAnyLocalAddress()) {
      return config.rpcAddress();
    }
    try {
      String host = InetAddress.getLocalHost().getHostName();
      LOG.info("{} is a wildcard address; advertising this host's name, {}, to the resource manager",
          config.rpcAddress(), host);
      return host;
    } catch (UnknownHostException e) {
      throw new ConfigException(TaskExecutorOptions.RPC_ADDRESS, config.rpcAddress() + " is a wildcard address and"
          + " this host's name cannot be resolved; set " + TaskExecutorOptions.RPC_ADDRESS
          + " to the address the resource manager should call");
    }
  }

  /** Builder; everything has a default, so {@code TaskExecutorServer.builder().build()} uses SPEC 5's. */
  public static final class Builder {
    private Settings settings = Settings.empty();
    private TaskExecutorConfig config;
    private MainThreadExecutor mainThread;
    private String instanceId;
    private final List<TaskExecutorListener> listeners = new ArrayList<>();
    private final List<ServerInterceptor> serverInterceptors = new ArrayList<>();
    private final List<ClientInterceptor> clientInterceptors = new ArrayList<>();

    private Builder() {}

    /** Configuration (SPEC 5 keys, see {@link TaskExecutorOptions}); parsed and validated by {@link #build()}. */
    public Builder settings(Settings settings) {
      this.settings = Objects.requireNonNull(settings, "settings");
      this.config = null;
      return this;
    }

    /**
     * An already validated configuration, instead of {@link #settings} for the task executor's own keys;
     * the {@code security.*} and {@code rpc.*} keys are still read from {@link #settings}.
     */
    public Builder config(TaskExecutorConfig config) {
      this.config = Objects.requireNonNull(config, "config");
      return this;
    }

    /**
     * The single thread all state lives on; by default the server starts and stops its own.
     * A supplied one is not closed by the server. Tests may pass a manual one.
     */
    public Builder mainThread(MainThreadExecutor mainThread) {
      this.mainThread = Objects.requireNonNull(mainThread, "mainThread");
      return this;
    }

    /** This start's instance id; by default a fresh random UUID. Must be a valid id. */
    public Builder instanceId(String instanceId) {
      String problem = ResourceId.validate(instanceId);
      if (problem != null) {
        throw new IllegalArgumentException("invalid instance id: " + problem);
      }
      this.instanceId = instanceId;
      return this;
    }

    public Builder listener(TaskExecutorListener listener) {
      listeners.add(Objects.requireNonNull(listener, "listener"));
      return this;
    }

    /**
     * Runs every call the resource manager makes to this task executor through {@code interceptor},
     * before the token check (see {@link RpcServer.Builder#intercept}); e.g. to refuse or delay
     * calls when testing failure detection. Runs on a transport thread; must not block.
     */
    public Builder serverInterceptor(ServerInterceptor interceptor) {
      serverInterceptors.add(Objects.requireNonNull(interceptor, "interceptor"));
      return this;
    }

    /**
     * Runs every call this task executor makes to the resource manager (registration, goodbye)
     * through {@code interceptor}; e.g. to fail them when testing a network partition.
     */
    public Builder clientInterceptor(ClientInterceptor interceptor) {
      clientInterceptors.add(Objects.requireNonNull(interceptor, "interceptor"));
      return this;
    }

    /**
     * @throws ConfigException naming the key of the first bad setting
     */
    public TaskExecutorServer build() {
      return new TaskExecutorServer(this);
    }
  }
}
