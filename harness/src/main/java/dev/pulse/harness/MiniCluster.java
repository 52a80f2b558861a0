package dev.pulse.harness;

import dev.pulse.config.Settings;
import dev.pulse.rm.EventType;
import dev.pulse.rm.ResourceManagerEvent;
import dev.pulse.rpc.ChannelPool;
import dev.pulse.rpc.RpcConfig;
import dev.pulse.rpc.RpcTransport;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Predicate;

/**
 * A real resource manager and task executors talking gRPC over loopback, for integration tests, with
 * faults to inject into each of them. Ports are chosen by the operating system.
 *
 * <pre>{@code
 * try (MiniCluster cluster = MiniCluster.builder().taskExecutors(2).build().start()) {
 *   cluster.taskExecutor(0).kill();
 *   ResourceManagerEvent lost = cluster.awaitEvent(EventType.TASK_EXECUTOR_LOST, "te-0", Duration.ofSeconds(10));
 * }
 * }</pre>
 *
 * <p>Task executors are named {@code te-0}, {@code te-1}, ... By default everything runs in the test's
 * JVM ({@link Mode#IN_PROCESS}), which supports every fault; {@link Mode#PROCESSES} runs each as a
 * child JVM and injects faults as signals. With {@link Builder#networkFaults(boolean)}, in both modes, each
 * task executor reaches the resource manager, and is reached by it, through a TCP proxy in the harness, its
 * {@link TaskExecutorNode#network()}, which injects network faults; {@link #partitionResourceManager()} cuts
 * them all at once.
 *
 * <p><b>Events.</b> {@link #awaitEvent} returns the first matching event that the resource manager
 * recorded after the latest fault injected through this cluster and that {@code awaitEvent} has not
 * returned yet, so a test reads as a sequence: fault, expected events (in any order), next fault. Its
 * failure lists the events it saw.
 *
 * <p>Thread-safe. {@link #start()} either returns a running cluster or stops what it started and
 * throws; {@link #close()} stops everything (resuming what is paused) and deletes its temporary files.
 */
public final class MiniCluster implements AutoCloseable {

  /** Where the resource manager and task executors run. */
  public enum Mode {
    /** In the test's JVM: fast, every fault supported. */
    IN_PROCESS,
    /**
     * Each in a child JVM, as {@code bin/} runs them: faults are real signals, network faults those of
     * {@link TaskExecutorNode#network()} (with {@link Builder#networkFaults(boolean)}).
     */
    PROCESSES
  }

  private final Builder config;
  private Settings settings;
  private Path workDir;
  private Path logDir;
  private RestClient rest;
  private final EventCursor cursor;
  private ResourceManagerNode resourceManager;
  private final List<TaskExecutorNode> taskExecutors = new ArrayList<>();
  private ProxyNetwork network;
  private RpcTransport clientTransport;
  private ChannelPool clientChannels;
  private SlotPoolClient slotPool;
  private boolean closed;

  private MiniCluster(Builder b) {
    this.config = b.copy();
    this.cursor = new EventCursor(() -> resourceManager,
        Duration.ofMillis(b.mode == Mode.IN_PROCESS ? 5 : 50));
  }

  public static Builder builder() {
    return new Builder();
  }

  /**
   * Starts the resource manager, then the task executors, and waits until every task executor is
   * registered.
   *
   * @throws IllegalStateException if the cluster does not come up within the start timeout; whatever
   *     was started is stopped then
   */
  public synchronized MiniCluster start() {
    if (workDir != null) {
      throw new IllegalStateException("a mini cluster starts once; build() another one");
    }
    try {
      workDir = Files.createTempDirectory("pulse-minicluster-");
      settings = config.settings(workDir);
      logDir = config.logDirectory == null ? workDir
          : Files.createTempDirectory(Files.createDirectories(config.logDirectory), "cluster-");
    } catch (IOException e) {
      close();
      throw new UncheckedIOException("cannot create the cluster's directories", e);
    }
    try {
      if (config.mode == Mode.IN_PROCESS) {
        resourceManager = new InProcessResourceManager(settings, this::faultInjected).start();
      } else {
        // The process keeps its registry store in the cluster's directory, so a restart keeps its state.
        Map<String, String> rm = processSettings();
        rm.putIfAbsent("resourcemanager.store.dir", workDir.resolve("resource-manager-store").toString());
        resourceManager = new ProcessResourceManager(rm, logDir, config.startTimeout, restClient(),
            this::faultInjected).start();
      }
      if (config.networkFaults) {
        network = new ProxyNetwork(resourceManagerPort());
      }
      for (int i = 0; i < config.taskExecutors; i++) {
        taskExecutors.add(newTaskExecutor("te-" + i, i));
      }
      for (TaskExecutorNode te : taskExecutors) {
        if (te instanceof ProcessTaskExecutor p) {
          p.awaitStarted(); // launched together, so that the JVMs start in parallel
        }
      }
      awaitRegistered(taskExecutors.size(), config.startTimeout);
      cursor.skipAll();
      return this;
    } catch (RuntimeException | Error e) {
      close();
      throw e;
    }
  }

  private TaskExecutorNode newTaskExecutor(String id, int index) {
    long seed = config.faultSeed + index;
    if (config.mode == Mode.IN_PROCESS) {
      Settings te = settings.with("taskexecutor.resource-id", id)
          .with("resourcemanager.rpc.port", Integer.toString(((InProcessResourceManager) resourceManager).rpcPort()));
      for (Map.Entry<String, String> own : ownCertificate(id).entrySet()) {
        te = te.with(own.getKey(), own.getValue());
      }
      return new InProcessTaskExecutor(id, te, seed, network, this::faultInjected).start();
    }
    Map<String, String> te = processSettings();
    te.putAll(ownCertificate(id));
    return new ProcessTaskExecutor(id, te, seed, network, resourceManagerPort(), logDir, config.startTimeout,
        this::faultInjected).launch();
  }

  /** Where the resource manager listens now (a restarted one keeps its port). */
  private java.util.function.IntSupplier resourceManagerPort() {
    return resourceManager instanceof InProcessResourceManager r ? r::rpcPort
        : ((ProcessResourceManager) resourceManager)::rpcPort;
  }

  /** The certificate settings of task executor {@code id} when it has its own, else none. */
  private Map<String, String> ownCertificate(String id) {
    Path[] certAndKey = config.taskExecutorCertificates.get(id);
    if (certAndKey == null) {
      return Map.of();
    }
    return Map.of("security.ssl.cert", certAndKey[0].toString(), "security.ssl.key", certAndKey[1].toString());
  }

  private Map<String, String> processSettings() {
    Map<String, String> s = new LinkedHashMap<>(settings.asMap());
    s.remove("resourcemanager.rpc.port");
    return s;
  }

  // ------------------------------------------------------------------ nodes

  public ResourceManagerNode resourceManager() {
    return resourceManager;
  }

  /** The task executor {@code te-<index>}. */
  public TaskExecutorNode taskExecutor(int index) {
    return taskExecutors.get(index);
  }

  /** The task executor with resource id {@code id}. */
  public TaskExecutorNode taskExecutor(String id) {
    return taskExecutors.stream().filter(t -> t.id().equals(id)).findFirst()
        .orElseThrow(() -> new IllegalArgumentException("no task executor " + id + " in " + taskExecutors));
  }

  public List<TaskExecutorNode> taskExecutors() {
    return Collections.unmodifiableList(taskExecutors);
  }

  public Mode mode() {
    return config.mode;
  }

  public Duration heartbeatInterval() {
    return config.interval;
  }

  public Duration heartbeatTimeout() {
    return config.timeout;
  }

  /** Failed heartbeat RPCs in a row after which a task executor is unreachable; -1 when disabled. */
  public int rpcFailureThreshold() {
    return config.threshold;
  }

  /**
   * Crashes the resource manager, keeping its registry store ({@link ResourceManagerNode#kill()}): SIGKILL
   * for a child process; in process its main thread and servers stop at once. Task executors are not told.
   */
  public void killResourceManager() {
    resourceManager.kill();
  }

  /**
   * Starts a new resource manager on the same registry store and the same ports, after killing the
   * current one if it still runs ({@link ResourceManagerNode#restart()}); returns once it serves. Same
   * id, larger epoch; the task executors register again at their next heartbeat request.
   */
  public void restartResourceManager() {
    resourceManager.restart();
  }

  /**
   * Cuts the resource manager off from every task executor, silently and both ways (a
   * {@link NetworkLink#blackhole} on every task executor's {@link TaskExecutorNode#network()}): the
   * mass-failure case, where the resource manager may be the one that is cut off. Every process runs on.
   *
   * @return the fault, to {@link NetworkFault#heal()} or make {@link NetworkFault#lasting} a while
   * @throws IllegalStateException unless the cluster was built with {@link Builder#networkFaults(boolean)}
   */
  public NetworkFault partitionResourceManager() {
    if (network == null) {
      throw new IllegalStateException("no network to break: build the cluster with networkFaults(true)");
    }
    faultInjected();
    return network.partitionAll();
  }

  // ------------------------------------------------------------------ observation

  /** Base URL of the resource manager's REST API; paths start with {@code /v1/}. */
  public URI restUrl() {
    return resourceManager.restUrl();
  }

  /**
   * A client of the REST API that sends the cluster's token and trusts its certificates, if it has them.
   *
   * @throws IllegalStateException before {@link #start()}
   */
  synchronized RestClient restClient() {
    if (settings == null) {
      throw new IllegalStateException("the cluster is not started");
    }
    if (rest == null) {
      rest = RestClient.forSettings(settings.asMap());
    }
    return rest;
  }

  /** The resource manager's Prometheus metrics text ({@code GET /metrics}). */
  public String metrics() {
    return resourceManager.metrics();
  }

  /** A client of the resource manager's {@code SlotPool} service, for allocations; closed with the cluster. */
  public synchronized SlotPoolClient slotPool() {
    if (slotPool == null) {
      clientTransport = RpcTransport.create(RpcConfig.fromMap(settings.asMap()), "pulse-harness-client", 1);
      clientChannels = new ChannelPool(clientTransport);
      slotPool = new SlotPoolClient(clientChannels, resourceManager.rpcAddress());
    }
    return slotPool;
  }

  /** Every event of the current resource manager, oldest first. */
  public List<ResourceManagerEvent> events() {
    return cursor.events();
  }

  /**
   * Waits for the first event of {@code type} matching {@code predicate} that the resource manager
   * recorded after the latest fault and the latest event returned here (see the class comment).
   *
   * @return the event; later calls look only at events after it
   * @throws AssertionError if none comes within {@code timeout}; the message lists the events seen
   */
  public ResourceManagerEvent awaitEvent(EventType type, Predicate<ResourceManagerEvent> predicate, Duration timeout) {
    return cursor.await(type, predicate, timeout);
  }

  /** {@link #awaitEvent(EventType, Predicate, Duration)} for events about one task executor. */
  public ResourceManagerEvent awaitEvent(EventType type, String taskExecutorId, Duration timeout) {
    Objects.requireNonNull(taskExecutorId, "taskExecutorId");
    return awaitEvent(type, e -> taskExecutorId.equals(e.taskExecutorId()), timeout);
  }

  /**
   * Waits for the allocation to move to another task executor ({@code ALLOCATION_MOVED}, SPEC 10), as {@link
   * #awaitEvent(EventType, Predicate, Duration)} does: the event's task executor is the new one, its detail names
   * the old one and the attempt.
   *
   * @throws AssertionError if it does not move within {@code timeout}
   */
  public ResourceManagerEvent awaitMove(String allocationId, Duration timeout) {
    Objects.requireNonNull(allocationId, "allocationId");
    return awaitEvent(EventType.ALLOCATION_MOVED, e -> allocationId.equals(e.allocationId()), timeout);
  }

  /**
   * Waits for the allocation to fail for good ({@code ALLOCATION_FAILED}, SPEC 10): the event's reason is {@code
   * ATTEMPTS_EXHAUSTED} or {@code NO_SLOT_BEFORE_DEADLINE}.
   *
   * @throws AssertionError if it does not fail within {@code timeout}
   */
  public ResourceManagerEvent awaitFailure(String allocationId, Duration timeout) {
    Objects.requireNonNull(allocationId, "allocationId");
    return awaitEvent(EventType.ALLOCATION_FAILED, e -> allocationId.equals(e.allocationId()), timeout);
  }

  /**
   * Waits until the resource manager has {@code count} task executors registered.
   *
   * @throws IllegalStateException if it does not within {@code timeout}
   */
  public void awaitRegistered(int count, Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    int registered = -1;
    while (System.nanoTime() < deadline) {
      try {
        registered = resourceManager.overview().taskExecutors();
        if (registered == count) {
          return;
        }
      } catch (RuntimeException notAnsweringYet) {
        // a resource manager process that is still starting or stopped
      }
      java.util.concurrent.locks.LockSupport.parkNanos(10_000_000L);
    }
    throw new IllegalStateException(registered + " task executor(s) registered after " + timeout.toMillis()
        + " ms, expected " + count + "; logs in " + logDir);
  }

  /** Every fault calls this first: events before it are no longer awaited. */
  private void faultInjected() {
    cursor.faultInjected();
  }

  // ------------------------------------------------------------------ lifecycle

  /**
   * Stops the task executors (gracefully: each tells the resource manager it leaves), the resource
   * manager and the harness's own clients, resuming whatever is paused first; deletes the temporary
   * files (token, logs of child processes). Idempotent.
   */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    List<Throwable> failures = java.util.Collections.synchronizedList(new ArrayList<>());
    if (resourceManager != null) {
      try {
        resourceManager.resume(); // so that the task executors' goodbyes are answered
      } catch (RuntimeException bestEffort) {
        // e.g. a resource manager process that is gone; closing it below reports real problems
      }
    }
    // Task executors stop together (child processes take a while each), before the resource manager,
    // so that each can still say goodbye to it.
    List<Thread> stopping = new ArrayList<>();
    for (TaskExecutorNode te : taskExecutors) {
      Thread t = new Thread(() -> {
        if (te.isRunning()) {
          run(te::resume, failures);
        }
        run(((AutoCloseable) te)::close, failures);
      }, "pulse-harness-stop-" + te.id());
      t.start();
      stopping.add(t);
    }
    for (Thread t : stopping) {
      try {
        t.join();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        failures.add(e);
      }
    }
    if (network != null) {
      run(network::close, failures);
    }
    if (clientChannels != null) {
      run(clientChannels::close, failures);
      run(clientTransport::close, failures);
    }
    if (resourceManager != null) {
      run(((AutoCloseable) resourceManager)::close, failures);
    }
    if (workDir != null) {
      run(this::deleteWorkDir, failures);
    }
    if (!failures.isEmpty()) {
      IllegalStateException e = new IllegalStateException("the mini cluster did not stop cleanly");
      failures.forEach(e::addSuppressed);
      throw e;
    }
  }

  private static void run(ThrowingRunnable step, List<Throwable> failures) {
    try {
      step.run();
    } catch (Exception | Error e) {
      failures.add(e);
    }
  }

  private void deleteWorkDir() throws IOException {
    try (var paths = Files.walk(workDir)) {
      for (Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }

  @FunctionalInterface
  private interface ThrowingRunnable {
    void run() throws Exception;
  }

  @Override
  public String toString() {
    return "MiniCluster{" + config.mode + ", " + resourceManager + ", " + taskExecutors + "}";
  }

  /**
   * What to start. Defaults: 2 task executors with 2 slots each, heartbeats every 200 ms, timeout 1 s,
   * 2 failed RPCs until unreachable, no token, no TLS, in process. Not thread-safe; {@link #build()}
   * takes a copy, so one builder can build many clusters.
   */
  public static final class Builder {
    private int taskExecutors = 2;
    private int slots = 2;
    private Duration interval = Duration.ofMillis(200);
    private Duration timeout = Duration.ofSeconds(1);
    private int threshold = 2;
    private String authToken;
    private Path tlsCert;
    private Path tlsKey;
    private Path tlsTrustCert;
    private Mode mode = Mode.IN_PROCESS;
    private long faultSeed = 42;
    private boolean networkFaults;
    private Path logDirectory;
    private Duration startTimeout = Duration.ofSeconds(60);
    private final Map<String, String> extra = new LinkedHashMap<>();
    /** Resource id to its own certificate and key files. */
    private final Map<String, Path[]> taskExecutorCertificates = new LinkedHashMap<>();

    private Builder() {}

    /** Number of task executors, 0 or more (default 2). */
    public Builder taskExecutors(int count) {
      if (count < 0) {
        throw new IllegalArgumentException("taskExecutors must be >= 0, was " + count);
      }
      this.taskExecutors = count;
      return this;
    }

    /** Slots of each task executor, 1 to 1024 (default 2). */
    public Builder slotsPerTaskExecutor(int slots) {
      this.slots = slots;
      return this;
    }

    /** {@code heartbeat.interval} (default 200 ms). */
    public Builder heartbeatInterval(Duration interval) {
      this.interval = Objects.requireNonNull(interval);
      return this;
    }

    /** {@code heartbeat.timeout} (default 1 s). */
    public Builder heartbeatTimeout(Duration timeout) {
      this.timeout = Objects.requireNonNull(timeout);
      return this;
    }

    /** {@code heartbeat.rpc-failure-threshold} (default 2; -1 disables). */
    public Builder rpcFailureThreshold(int threshold) {
      this.threshold = threshold;
      return this;
    }

    /**
     * A shared-secret token every call must carry (at least 16 printable characters), REST changes included;
     * the harness's own REST reads send it too. Default none.
     */
    public Builder authToken(String token) {
      this.authToken = token;
      return this;
    }

    /**
     * TLS on every connection, from PEM files; mutual when {@code trustCert} is not {@code null}. The
     * certificate must be valid for {@code 127.0.0.1}, the address everything listens on. The REST API
     * serves HTTPS then (asking for no client certificate); the harness trusts {@code trustCert}, or else
     * {@code cert} itself.
     */
    public Builder tls(Path cert, Path key, Path trustCert) {
      this.tlsCert = Objects.requireNonNull(cert, "cert");
      this.tlsKey = Objects.requireNonNull(key, "key");
      this.tlsTrustCert = trustCert;
      return this;
    }

    /**
     * A certificate of its own for task executor {@code resourceId} (e.g. {@code te-0}), instead of
     * the one of {@link #tls}. Under mutual TLS a task executor may register only under a resource id
     * its certificate names, so each needs its own there, valid for {@code 127.0.0.1} too.
     */
    public Builder taskExecutorCertificate(String resourceId, Path cert, Path key) {
      taskExecutorCertificates.put(Objects.requireNonNull(resourceId, "resourceId"),
          new Path[] {Objects.requireNonNull(cert, "cert"), Objects.requireNonNull(key, "key")});
      return this;
    }

    /** In the test's JVM (default) or as child processes. */
    public Builder mode(Mode mode) {
      this.mode = Objects.requireNonNull(mode);
      return this;
    }

    /**
     * Puts a TCP proxy between the resource manager and each task executor, both ways, so that
     * {@link TaskExecutorNode#network()} and {@link MiniCluster#partitionResourceManager()} can break the
     * network, in either mode (default off: processes talk directly). The proxies run on one thread of the
     * test's JVM, so with child processes a stall of that JVM delays every heartbeat too.
     */
    public Builder networkFaults(boolean on) {
      this.networkFaults = on;
      return this;
    }

    /** Seed of the random numbers faults draw ({@link TaskExecutorNode#dropHeartbeats}); te-i uses seed + i. */
    public Builder faultSeed(long seed) {
      this.faultSeed = seed;
      return this;
    }

    /**
     * Keeps the logs of child processes in a new {@code cluster-*} directory under {@code dir}, for
     * reading after a failed test; by default they go to a temporary directory that {@code close()}
     * deletes.
     */
    public Builder logDirectory(Path dir) {
      this.logDirectory = Objects.requireNonNull(dir);
      return this;
    }

    /** How long {@link MiniCluster#start()} waits for everything to run and register (default 60 s). */
    public Builder startTimeout(Duration timeout) {
      this.startTimeout = Objects.requireNonNull(timeout);
      return this;
    }

    /** Any other setting (SPEC keys), for every process; wins over the ones above. */
    public Builder setting(String key, String value) {
      extra.put(Objects.requireNonNull(key), Objects.requireNonNull(value));
      return this;
    }

    /** A cluster with this configuration, not started yet. */
    public MiniCluster build() {
      return new MiniCluster(this);
    }

    private Builder copy() {
      Builder b = new Builder();
      b.taskExecutors = taskExecutors;
      b.slots = slots;
      b.interval = interval;
      b.timeout = timeout;
      b.threshold = threshold;
      b.authToken = authToken;
      b.tlsCert = tlsCert;
      b.tlsKey = tlsKey;
      b.tlsTrustCert = tlsTrustCert;
      b.mode = mode;
      b.faultSeed = faultSeed;
      b.networkFaults = networkFaults;
      b.startTimeout = startTimeout;
      b.logDirectory = logDirectory;
      b.extra.putAll(extra);
      b.taskExecutorCertificates.putAll(taskExecutorCertificates);
      return b;
    }

    /** Settings shared by every process; the token goes to a file in {@code dir}. */
    private Settings settings(Path dir) {
      Map<String, String> s = new LinkedHashMap<>();
      s.put("heartbeat.interval", interval.toMillis() + " ms");
      s.put("heartbeat.timeout", timeout.toMillis() + " ms");
      s.put("heartbeat.rpc-failure-threshold", Integer.toString(threshold));
      s.put("resourcemanager.rpc.address", "127.0.0.1");
      s.put("rest.bind-address", "127.0.0.1");
      s.put("taskexecutor.rpc.address", "127.0.0.1");
      s.put("taskexecutor.numberOfTaskSlots", Integer.toString(slots));
      // A busy build machine is no start-up storm: the registration lag rule of bin/resource-manager would
      // refuse the cluster's own task executors whenever the machine running the tests is loaded.
      s.put("resourcemanager.registration.max-tick-lag", "0 ms");
      s.put("resourcemanager.registration.max-event-loop-lag", "0 ms");
      if (authToken != null) {
        try {
          Path file = Files.writeString(dir.resolve("auth.token"), authToken + "\n");
          s.put("security.auth.token-file", file.toString());
        } catch (IOException e) {
          throw new UncheckedIOException("cannot write the token file", e);
        }
      }
      if (tlsCert != null) {
        s.put("security.ssl.enabled", "true");
        s.put("security.ssl.cert", tlsCert.toString());
        s.put("security.ssl.key", tlsKey.toString());
        if (tlsTrustCert != null) {
          s.put("security.ssl.trust-cert", tlsTrustCert.toString());
        }
      }
      s.putAll(extra);
      return Settings.of(s);
    }
  }
}
