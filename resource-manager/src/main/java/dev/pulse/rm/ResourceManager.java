package dev.pulse.rm;

import dev.pulse.config.ConfigException;
import dev.pulse.config.Settings;
import dev.pulse.heartbeat.HeartbeatConfig;
import dev.pulse.heartbeat.HeartbeatMetrics;
import dev.pulse.heartbeat.RpcFailureKind;
import dev.pulse.heartbeat.time.MainThreadExecutor;
import dev.pulse.heartbeat.time.ScheduledMainThreadExecutor;
import dev.pulse.rm.store.MemoryRegistryStore;
import dev.pulse.rm.store.RegistryStore;
import dev.pulse.rm.store.StoredState;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.RejectedExecutionException;
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
 * <p>It knows no transport: it reaches task executors through the {@link TaskExecutorConnector} it is
 * given, and serves nobody by itself. A process that serves the gRPC services, the REST API and the
 * metrics builds it through {@code ResourceManagerServer} (in the {@code server} package), which owns
 * those and calls this facade. In a test, or embedded behind another transport, build it directly with
 * any connector and, if wanted, the {@link MainThreadExecutor} to run on (the test-jar's
 * {@code ManualMainThreadExecutor} drives it on a fake clock):
 *
 * <pre>{@code
 * try (ResourceManager rm = ResourceManager.builder()
 *     .settings(Settings.of("heartbeat.interval", "1 s", "heartbeat.timeout", "5 s"))  // heartbeat.* only
 *     .connector(myConnector)      // how to reach task executors: gRPC, in-process, a test double
 *     .store(myStore)              // optional: where state survives a restart; default in memory
 *     .mainThread(mainThread)      // optional: by default it starts and owns "pulse-rm-main"
 *     .listener(myScheduler)
 *     .build()
 *     .start()) {
 *   rm.registerTaskExecutor(registration).join();   // what a gateway calls for a task executor
 *   List<Allocation> slots = rm.allocateSlots("job-1", 4).join();
 * }
 * }</pre>
 *
 * <p>With a main thread the caller drives, start and stop without blocking:
 *
 * <pre>{@code
 * ManualMainThreadExecutor main = new ManualMainThreadExecutor();
 * ResourceManager rm = ResourceManager.builder().connector(fakes).mainThread(main).build();
 * rm.startAsync();
 * main.runPending();                       // the core now exists
 * CompletableFuture<RegistrationResult> registered = rm.registerTaskExecutor(registration);
 * main.runPending();                       // ... and has answered
 * main.advance(Duration.ofSeconds(30));    // heartbeats, timeouts and losses, on the fake clock
 * rm.closeAsync();
 * main.runPending();
 * }</pre>
 *
 * <p>Lifecycle: {@link Builder#build()} checks its input and starts nothing; {@link #start()} opens the
 * {@link RegistryStore} (which gives the id and the epoch, SPEC 9), starts the main thread if it owns one
 * and creates the core on it, restoring what the store kept; {@link #close()} stops the core and that
 * thread. The store is the caller's: the facade never closes it (the default in-memory one needs no closing).
 *
 * <p>Thread-safety: every method is thread-safe. State lives on the single main thread, and calls hop
 * onto it, answering with futures; {@link #overview()}, {@link #events} and {@link #lastEvent()} read
 * snapshots and never block. Listeners and the connector's heartbeat receivers are called on that main
 * thread.
 */
public final class ResourceManager implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(ResourceManager.class);

  private final HeartbeatConfig heartbeatConfig;
  private final RegistryStore store;
  private final String proposedId;
  private final Duration recoveryTimeout;
  private final LossGuardConfig lossGuard;
  private final QuarantineConfig quarantine;
  /** The proposed id at epoch 0 until {@link #startAsync()} opened the store; then the stored id and new epoch. */
  private volatile FencingToken fencing;
  /** The given main thread, or the one {@link #start()} creates; {@code null} until then. */
  private volatile MainThreadExecutor main;
  private ScheduledMainThreadExecutor ownedMain;
  private final Clock wallClock;
  private final TaskExecutorConnector connector;
  private final List<ResourceManagerListener> listeners;
  private final HeartbeatMetrics heartbeatMetrics;
  private final TaskExecutorAdmission admission;
  private final RegistrationThrottle throttle;
  private volatile ResourceManagerCore core;
  private boolean startCalled;
  private volatile boolean closed;
  /** Completes when the core is closed; {@code null} until {@link #closeAsync()}. */
  private CompletableFuture<Void> closing;

  private ResourceManager(Builder b) {
    this.heartbeatConfig = b.heartbeatConfig != null ? b.heartbeatConfig : HeartbeatConfig.from(b.settings);
    this.connector = Objects.requireNonNull(b.connector,
        "connector: the resource manager needs a TaskExecutorConnector to reach task executors");
    this.wallClock = b.wallClock;
    this.proposedId = b.resourceManagerId != null ? b.resourceManagerId : randomId();
    this.fencing = new FencingToken(proposedId, 0);
    this.store = b.store != null ? b.store : new MemoryRegistryStore();
    this.recoveryTimeout = b.recoveryTimeout != null ? b.recoveryTimeout
        : recoveryTimeout(b.settings, heartbeatConfig);
    this.lossGuard = b.lossGuard != null ? b.lossGuard : LossGuardConfig.from(b.settings, heartbeatConfig);
    this.quarantine = b.quarantine != null ? b.quarantine : QuarantineConfig.from(b.settings);
    // No thread is started here: a setting that fails above must leave nothing running behind.
    this.main = b.mainThread;
    this.listeners = List.copyOf(b.listeners);
    RegistrationConfig registration = b.registration != null ? b.registration : RegistrationConfig.from(b.settings);
    // Lags are heard only once started, so the main thread's clock exists whenever the throttle reads it.
    this.throttle = new RegistrationThrottle(registration, () -> main.nanoTime());
    this.heartbeatMetrics = both(
        b.heartbeatMetrics.stream().reduce(ResourceManager::both).orElse(HeartbeatMetrics.NONE), throttle);
    this.admission = b.admission;
  }

  public static Builder builder() {
    return new Builder();
  }

  /**
   * {@value ResourceManagerOptions#RECOVERY_TIMEOUT}, defaulting to the heartbeat timeout.
   *
   * @throws ConfigException naming the key if it is not a positive duration
   */
  public static Duration recoveryTimeout(Settings settings, HeartbeatConfig heartbeatConfig) {
    Duration timeout = settings.duration(ResourceManagerOptions.RECOVERY_TIMEOUT, heartbeatConfig.timeout());
    if (timeout.isNegative() || timeout.isZero()) {
      throw new ConfigException(ResourceManagerOptions.RECOVERY_TIMEOUT, "must be positive, was " + timeout);
    }
    return timeout;
  }

  /** A fresh resource manager id, {@code rm-} and eight random hex digits: the default of every builder. */
  public static String randomId() {
    return "rm-" + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt());
  }

  /**
   * Starts watching and accepting registrations. Returns once the resource manager is ready.
   *
   * @throws IllegalStateException if already started or closed, or if the main thread does not run the
   *     start within 30 s (with a main thread the caller drives, use {@link #startAsync()})
   */
  public ResourceManager start() {
    CompletableFuture<ResourceManager> started = startAsync();
    try {
      return await(started);
    } catch (RuntimeException e) {
      close();
      throw e;
    }
  }

  /**
   * Starts as {@link #start()} does, without waiting: the core is created by a task on the main thread,
   * and the future completes there. Calls made meanwhile queue behind that task. For a main thread the
   * caller drives (the test-jar's {@code ManualMainThreadExecutor}): call this, then run the executor.
   * The store is opened here, on the calling thread, before anything else (it may block on the disk).
   *
   * @throws IllegalStateException if already started or closed
   * @throws dev.pulse.rm.store.StoreException if the store cannot be opened
   */
  public synchronized CompletableFuture<ResourceManager> startAsync() {
    if (closed || startCalled) {
      throw new IllegalStateException(closed ? "closed" : "already started");
    }
    startCalled = true;
    StoredState restored = store.open(proposedId);
    fencing = new FencingToken(restored.resourceManagerId(), restored.epoch());
    if (main == null) {
      ownedMain = new ScheduledMainThreadExecutor("pulse-rm-main");
      main = ownedMain;
    }
    return onMainThread(() -> {
      core = new ResourceManagerCore(fencing, heartbeatConfig, main, wallClock, connector, listeners,
          heartbeatMetrics, store, restored, recoveryTimeout, lossGuard, quarantine);
      throttle.started();
      return this;
    });
  }

  /** Its id and epoch, sent with every call to task executors; the epoch is 0 before {@link #start()}. */
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

  /**
   * Tells the resource manager that its endpoint now takes the task executors' calls: the task executors
   * restored from the store are asked for a heartbeat at once, each answers by registering again, and
   * the recovery timeout counts from now (SPEC 9). Without this call each is asked at its first heartbeat,
   * within one interval, and the recovery timeout counts from {@link #start()}. Call it after
   * {@link #start()}, once the RPC server serves; the standalone server does.
   */
  public CompletableFuture<Void> serving() {
    return onCore(c -> {
      c.serving();
      return null;
    });
  }

  // ------------------------------------------------------------------ task executors' calls

  /**
   * Registers a task executor; fails with {@link RegistrationRejectedException} for bad input, and with
   * {@link OverloadedException} when the resource manager sheds load: too many registrations in progress,
   * or, for a new task executor, while the resource manager is behind on its own work (both with a retry
   * hint, see {@link RegistrationThrottle}) or its {@link TaskExecutorAdmission} refuses (a known one may
   * always register again: it needs no new descriptor and no new watch).
   */
  public CompletableFuture<RegistrationResult> registerTaskExecutor(TaskExecutorRegistration registration) {
    Optional<OverloadedException> busy = throttle.tryStart();
    if (busy.isPresent()) {
      return CompletableFuture.failedFuture(busy.get());
    }
    CompletableFuture<RegistrationResult> answer = onCore(c -> {
      if (!c.knows(registration.resourceId())) {
        Optional<OverloadedException> behind = throttle.behind();
        if (behind.isPresent()) {
          throw behind.get();
        }
        Optional<String> refusal = admission.refusal();
        if (refusal.isPresent()) {
          throttle.refused(RegistrationRefusal.ADMISSION);
          throw new OverloadedException(refusal.get());
        }
        admission.admitted();
      }
      return c.register(registration);
    });
    answer.whenComplete((result, failure) -> throttle.finished());
    return answer;
  }

  /**
   * The RPC event loop that serves task executors ran a task {@code lagNanos} late: the resource manager is
   * behind. Above {@code resourcemanager.registration.max-event-loop-lag} it refuses new task executors for a
   * while; above the loss guard's {@code overload-tick-lag} the lag is not charged to silent task executors
   * either, as the heartbeat sender's own lag is not. Any thread; ignored before {@link #start()}.
   */
  public void eventLoopLag(long lagNanos) {
    ResourceManagerCore c = core;
    MainThreadExecutor m = main;
    if (c == null || m == null || closed) {
      return;
    }
    throttle.onEventLoopLag(lagNanos);
    if (lagNanos > lossGuard.overloadTickLag().toNanos()) {
      try {
        m.execute(() -> c.eventLoopLag(lagNanos));
      } catch (RejectedExecutionException shutDown) {
        // closing: nothing left to guard
      }
    }
  }

  /**
   * Registrations refused with {@link OverloadedException} since {@link #start()} for {@code reason} (the
   * refused task executors retry after the hint, so one task executor may count several times). Any thread.
   */
  public long registrationsRefused(RegistrationRefusal reason) {
    return throttle.refusals(reason);
  }

  /** Registrations taken and not yet answered (for tests and metrics). */
  int registrationsInProgress() {
    return throttle.inProgress();
  }

  /** A task executor's slot report outside heartbeats; {@link StaleRegistrationException} if not current. */
  public CompletableFuture<Void> reportSlots(String taskExecutorId, String registrationId, SlotReport report) {
    return onCore(c -> {
      c.slotReport(taskExecutorId, registrationId, report);
      return null;
    });
  }

  /**
   * Completes normally if {@code registrationId} is the current registration of {@code taskExecutorId},
   * with {@link StaleRegistrationException} otherwise: the check before the task executor's heartbeat
   * stream is taken ({@code OpenHeartbeatStream}).
   */
  public CompletableFuture<Void> checkRegistration(String taskExecutorId, String registrationId) {
    return onCore(c -> {
      c.checkRegistration(taskExecutorId, registrationId);
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

  /**
   * As {@link #allocateSlots(String, int)}; with a {@code restart} policy (may be {@code null}) each allocation is
   * placed on another task executor when its own is lost or leaves, and fails for good ({@code ALLOCATION_FAILED})
   * when its attempts or its deadline run out (SPEC 10).
   */
  public CompletableFuture<List<Allocation>> allocateSlots(String jobId, int slots, RestartPolicy restart) {
    return onMainThread(() -> core().allocate(jobId, slots, restart)).thenCompose(f -> f);
  }

  /** Releases an allocation; {@link UnknownAllocationException} if there is none with that id. */
  public CompletableFuture<Void> releaseAllocation(String allocationId) {
    return onCore(c -> c.release(allocationId)).thenCompose(f -> f);
  }

  /**
   * Allocations of {@code jobId}, or of every job when it is {@code null}: placed, being placed, and moving ones
   * waiting for a slot ({@code PENDING}, no task executor).
   */
  public CompletableFuture<List<Allocation>> allocations(String jobId) {
    return onCore(c -> c.allocations(jobId));
  }

  /** The kept terminal failures ({@code ALLOCATION_FAILED}) of {@code jobId}, or of every job, oldest first. */
  public CompletableFuture<List<AllocationFailure>> allocationFailures(String jobId) {
    return onCore(c -> c.failures(jobId));
  }

  /**
   * Drains a registered task executor: its slots are no longer offered, and its allocations with a restart policy
   * move elsewhere without counting an attempt. Completes with how many began to move, or -1 if it is not
   * registered.
   */
  public CompletableFuture<Integer> drainTaskExecutor(String taskExecutorId) {
    return onCore(c -> c.drain(taskExecutorId));
  }

  /**
   * Streams {@code jobId}'s allocation changes to {@code watcher}, on the main thread, until the
   * returned handle is run. The job's current allocations come first, as {@code ALLOCATION_CREATED}
   * updates with seq 0.
   */
  public CompletableFuture<Runnable> watchAllocations(String jobId, Consumer<AllocationUpdate> watcher) {
    return watchAllocations(jobId, -1, watcher);
  }

  /**
   * As {@link #watchAllocations(String, Consumer)}; with {@code afterSeq >= 0} the stream resumes instead
   * of starting with a snapshot: the job's stored events with a larger seq come first (after a restart too,
   * from the stored tail), then the live ones, with no gap and no duplicate.
   */
  public CompletableFuture<Runnable> watchAllocations(String jobId, long afterSeq, Consumer<AllocationUpdate> watcher) {
    return onCore(c -> {
      Runnable unsubscribe = c.watch(jobId, afterSeq, watcher);
      return () -> main.execute(unsubscribe);
    });
  }

  /**
   * Writes a consistent copy of the registry store to {@code file} while serving ({@link RegistryStore#backup});
   * fails for the in-memory store.
   */
  public CompletableFuture<Path> backup(Path file) {
    return store.backup(file);
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

  /** The loss guards at a glance (SPEC 11), from a snapshot: never blocks. */
  public LossGuardStatus lossGuardStatus() {
    return core().lossGuardStatus();
  }

  /**
   * Lifts the quarantine of a resource id (SPEC 11): its slots are offered again at once, and its loss
   * history is forgotten. Completes with {@code false} if it was not quarantined, with {@code true} once the
   * release is durable.
   */
  public CompletableFuture<Boolean> liftQuarantine(String taskExecutorId) {
    Objects.requireNonNull(taskExecutorId, "taskExecutorId");
    return onCore(c -> c.liftQuarantine(taskExecutorId)).thenCompose(lifted -> lifted);
  }

  /** Counters of the heartbeat sender. */
  public CompletableFuture<dev.pulse.heartbeat.HeartbeatStats> heartbeatStats() {
    return onCore(c -> c.heartbeats().stats());
  }

  // ------------------------------------------------------------------ lifecycle

  /**
   * Stops watching, closes every connection and the main thread it owns. Idempotent. Waits up to 10 s for
   * the main thread to close the core (with a main thread the caller drives, use {@link #closeAsync()}).
   */
  @Override
  public void close() {
    CompletableFuture<Void> closing = closeAsync();
    try {
      closing.get(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (ExecutionException | TimeoutException e) {
      LOG.warn("Resource manager did not shut down cleanly", e);
    }
    if (ownedMain != null) {
      ownedMain.close();
    }
  }

  /**
   * Stops as {@link #close()} does, without waiting: the core is closed by a task on the main thread, and
   * the future completes there. A main thread it owns is closed by {@link #close()} only. Idempotent.
   */
  public synchronized CompletableFuture<Void> closeAsync() {
    if (closing != null) {
      return closing;
    }
    closed = true;
    closing = core == null && !startCalled ? CompletableFuture.completedFuture(null) : onMainThread(() -> {
      ResourceManagerCore c = core;
      if (c != null) {
        c.close();
      }
      return null;
    });
    closing.whenComplete((ignored, failure) -> LOG.info("Resource manager {} stopped", fencing.resourceManagerId()));
    return closing;
  }

  /** Both hooks, for a caller that brings more than one heartbeat metrics hook. */
  static HeartbeatMetrics both(HeartbeatMetrics a, HeartbeatMetrics b) {
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

      @Override
      public void onCallbackFailed(String callback) {
        a.onCallbackFailed(callback);
        b.onCallbackFailed(callback);
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

  /** Builder; every input but the {@link #connector connector} has a default. */
  public static final class Builder {
    private Settings settings = Settings.empty();
    private HeartbeatConfig heartbeatConfig;
    private String resourceManagerId;
    private RegistryStore store;
    private Duration recoveryTimeout;
    private LossGuardConfig lossGuard;
    private QuarantineConfig quarantine;
    private MainThreadExecutor mainThread;
    private Clock wallClock = Clock.systemUTC();
    private TaskExecutorConnector connector;
    private final List<ResourceManagerListener> listeners = new ArrayList<>();
    private final List<HeartbeatMetrics> heartbeatMetrics = new ArrayList<>();
    private TaskExecutorAdmission admission = TaskExecutorAdmission.ALWAYS;
    private RegistrationConfig registration;

    private Builder() {}

    /** Where the {@code heartbeat.*} keys (SPEC 5) are read from, unless {@link #heartbeatConfig} is given. */
    public Builder settings(Settings settings) {
      this.settings = Objects.requireNonNull(settings);
      return this;
    }

    /** The heartbeat settings, already read; wins over {@link #settings}. */
    public Builder heartbeatConfig(HeartbeatConfig heartbeatConfig) {
      this.heartbeatConfig = Objects.requireNonNull(heartbeatConfig);
      return this;
    }

    /**
     * The id to take if the store has none yet (a new store); defaults to {@link #randomId()}. A store that
     * was used before keeps its own id.
     */
    public Builder resourceManagerId(String id) {
      this.resourceManagerId = id;
      return this;
    }

    /**
     * Where the state that must survive a restart is kept, and where the id and the epoch come from
     * (SPEC 9); defaults to a new {@link MemoryRegistryStore}. The caller closes it after the resource manager.
     */
    public Builder store(RegistryStore store) {
      this.store = Objects.requireNonNull(store);
      return this;
    }

    /**
     * How long restored task executors have to register again; wins over
     * {@value ResourceManagerOptions#RECOVERY_TIMEOUT} in {@link #settings}, which defaults to the heartbeat timeout.
     */
    public Builder recoveryTimeout(Duration recoveryTimeout) {
      this.recoveryTimeout = Objects.requireNonNull(recoveryTimeout);
      return this;
    }

    /** The loss guard (SPEC 11); wins over the {@code resourcemanager.loss-guard.*} keys in {@link #settings}. */
    public Builder lossGuard(LossGuardConfig lossGuard) {
      this.lossGuard = Objects.requireNonNull(lossGuard);
      return this;
    }

    /**
     * Registration admission control; wins over the {@code resourcemanager.registration.*} keys in
     * {@link #settings}.
     */
    public Builder registration(RegistrationConfig registration) {
      this.registration = Objects.requireNonNull(registration);
      return this;
    }

    /** Flapping quarantine (SPEC 11); wins over the {@code resourcemanager.quarantine.*} keys in {@link #settings}. */
    public Builder quarantine(QuarantineConfig quarantine) {
      this.quarantine = Objects.requireNonNull(quarantine);
      return this;
    }

    /** The single thread all state lives on; defaults to one the resource manager starts and owns. */
    public Builder mainThread(MainThreadExecutor mainThread) {
      this.mainThread = mainThread;
      return this;
    }

    /** Wall clock for event times; defaults to UTC system time. */
    public Builder wallClock(Clock wallClock) {
      this.wallClock = Objects.requireNonNull(wallClock);
      return this;
    }

    /** How the resource manager reaches task executors. Required. */
    public Builder connector(TaskExecutorConnector connector) {
      this.connector = connector;
      return this;
    }

    /** Adds a listener, called on the main thread. */
    public Builder listener(ResourceManagerListener listener) {
      listeners.add(Objects.requireNonNull(listener));
      return this;
    }

    /** Adds a heartbeat metrics hook; each one given is called. */
    public Builder heartbeatMetrics(HeartbeatMetrics metrics) {
      Objects.requireNonNull(metrics);
      if (metrics != HeartbeatMetrics.NONE && !heartbeatMetrics.contains(metrics)) {
        heartbeatMetrics.add(metrics);
      }
      return this;
    }

    /** Whether a task executor it does not know yet may register; defaults to {@link TaskExecutorAdmission#ALWAYS}. */
    public Builder admission(TaskExecutorAdmission admission) {
      this.admission = Objects.requireNonNull(admission);
      return this;
    }

    /**
     * Checks the input; starts nothing (that is {@link ResourceManager#start()}).
     *
     * @throws ConfigException naming the key of a bad heartbeat setting
     * @throws NullPointerException without a connector
     */
    public ResourceManager build() {
      return new ResourceManager(this);
    }
  }
}
