package dev.pulse.rm;

import dev.pulse.config.Settings;
import dev.pulse.heartbeat.HeartbeatConfig;
import dev.pulse.heartbeat.HeartbeatMetrics;
import dev.pulse.heartbeat.time.MainThreadExecutor;
import dev.pulse.heartbeat.time.ScheduledMainThreadExecutor;
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
 * <p>Build one with {@link #builder()}, {@link #start()} it, {@link #close()} it. Every method is
 * thread-safe: state lives on the resource manager's single main thread, and calls hop onto it,
 * answering with futures. Listeners are called on that main thread.
 *
 * <pre>{@code
 * try (ResourceManager rm = ResourceManager.builder()
 *     .settings(Settings.of("heartbeat.interval", "1 s", "heartbeat.timeout", "5 s"))
 *     .connector(connector)
 *     .listener(myScheduler)
 *     .build()) {
 *   rm.start();
 *   List<Allocation> slots = rm.allocateSlots("job-1", 4).join();
 * }
 * }</pre>
 */
public final class ResourceManager implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(ResourceManager.class);

  private final Settings settings;
  private final HeartbeatConfig heartbeatConfig;
  private final FencingToken fencing;
  private final MainThreadExecutor main;
  private final ScheduledMainThreadExecutor ownedMain;
  private final Clock wallClock;
  private final TaskExecutorConnector connector;
  private final List<ResourceManagerListener> listeners;
  private final HeartbeatMetrics heartbeatMetrics;
  private volatile ResourceManagerCore core;
  private volatile boolean closed;

  private ResourceManager(Builder b) {
    this.settings = b.settings;
    this.heartbeatConfig = HeartbeatConfig.from(b.settings);
    this.wallClock = b.wallClock;
    String id = b.resourceManagerId != null ? b.resourceManagerId
        : "rm-" + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt());
    this.fencing = new FencingToken(id, b.epoch != 0 ? b.epoch : wallClock.millis());
    if (b.mainThread != null) {
      this.main = b.mainThread;
      this.ownedMain = null;
    } else {
      this.ownedMain = new ScheduledMainThreadExecutor("pulse-rm-main");
      this.main = ownedMain;
    }
    this.connector = Objects.requireNonNull(b.connector, "connector");
    this.listeners = List.copyOf(b.listeners);
    this.heartbeatMetrics = b.heartbeatMetrics;
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
    core = await(onMainThread(() -> new ResourceManagerCore(fencing, heartbeatConfig, main, wallClock, connector,
        listeners, heartbeatMetrics)));
    LOG.info("Resource manager {} (epoch {}) started with {}", fencing.resourceManagerId(), fencing.epoch(),
        heartbeatConfig);
    return this;
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

  /** Registers a task executor; fails with {@link RegistrationRejectedException} for bad input. */
  public CompletableFuture<RegistrationResult> registerTaskExecutor(TaskExecutorRegistration registration) {
    return onCore(c -> c.register(registration));
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
   * returned handle is run.
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
    if (ownedMain != null) {
      ownedMain.close();
    }
    LOG.info("Resource manager {} stopped", fencing.resourceManagerId());
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

  /** Builder; {@link #connector} is required, everything else has a default. */
  public static final class Builder {
    private Settings settings = Settings.empty();
    private String resourceManagerId;
    private long epoch;
    private MainThreadExecutor mainThread;
    private Clock wallClock = Clock.systemUTC();
    private TaskExecutorConnector connector;
    private final List<ResourceManagerListener> listeners = new ArrayList<>();
    private HeartbeatMetrics heartbeatMetrics = HeartbeatMetrics.NONE;

    private Builder() {}

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

    /** How the resource manager reaches task executors. */
    public Builder connector(TaskExecutorConnector connector) {
      this.connector = connector;
      return this;
    }

    public Builder listener(ResourceManagerListener listener) {
      listeners.add(Objects.requireNonNull(listener));
      return this;
    }

    public Builder heartbeatMetrics(HeartbeatMetrics metrics) {
      this.heartbeatMetrics = Objects.requireNonNull(metrics);
      return this;
    }

    /**
     * @throws dev.pulse.heartbeat.ConfigException naming the key of a bad setting
     */
    public ResourceManager build() {
      return new ResourceManager(this);
    }
  }
}
