package dev.pulse.te;

import dev.pulse.heartbeat.HeartbeatTarget;
import dev.pulse.heartbeat.time.MainThreadExecutor;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The task executor, without its transport: offers slots to a resource manager, registers with it
 * (retrying with backoff) through a {@link ResourceManagerClient}, obeys its calls
 * ({@link #gateway()}), registers again when the resource manager is lost, and fail-stops when there
 * is none for {@code taskexecutor.registration.timeout}.
 *
 * <p>A process builds it through its composition root, {@code dev.pulse.te.server.TaskExecutorServer},
 * which also binds the gRPC server and the client; that is also the way to embed a task executor:
 * <pre>{@code
 * try (TaskExecutorServer te = TaskExecutorServer.builder()
 *     .settings(Settings.of("taskexecutor.numberOfTaskSlots", "4", "resourcemanager.rpc.port", "6123"))
 *     .listener(mySlotRunner)
 *     .build()) {
 *   te.start();
 *   String reason = te.failStop().join(); // only if it gives up on its resource manager
 * }
 * }</pre>
 * A transport of one's own wires it the same way: {@link #create}, then hand {@link #gateway()},
 * {@link #heartbeatReceiver()}, {@link #acceptedToken()} and {@link #slotReport()} to the server side,
 * then {@link #start(String)} with the address the resource manager should call.
 *
 * <p>Lifecycle: {@link #create} opens nothing; {@link #start} starts registering; {@link #close()}
 * says goodbye to the resource manager and frees the slots. It owns neither the main thread nor the
 * client: whoever created them closes them, after this. A fail-stop is reported through
 * {@link #failStop()} and {@link TaskExecutorListener#failStopped}; it never exits the JVM.
 *
 * <p>Thread-safety: {@link #start}, {@link #close()} and the accessors may be called from any thread
 * (close not from the main thread); the accessors read snapshots that the main thread publishes, so
 * they never block. The transport hooks are main-thread only, as documented on each.
 */
public final class TaskExecutor {

  private static final Logger LOG = LoggerFactory.getLogger(TaskExecutor.class);

  /** How long {@link #close()} waits for the goodbye to the resource manager, beyond its own deadline. */
  private static final Duration CLOSE_MARGIN = Duration.ofSeconds(1);

  private final TaskExecutorConfig config;
  private final String instanceId;
  private final MainThreadExecutor mainThread;
  private final TaskExecutorCore core;
  private final Object lifecycleLock = new Object();
  private boolean started;
  private boolean closed;

  private TaskExecutor(TaskExecutorConfig config, String instanceId, MainThreadExecutor mainThread,
      ResourceManagerClient client, List<TaskExecutorListener> listeners) {
    this.config = Objects.requireNonNull(config, "config");
    this.instanceId = Objects.requireNonNull(instanceId, "instanceId");
    this.mainThread = Objects.requireNonNull(mainThread, "mainThread");
    this.core = new TaskExecutorCore(config, instanceId, mainThread, Objects.requireNonNull(client, "client"),
        listeners);
  }

  /**
   * Builds a task executor; starts nothing.
   *
   * @param instanceId this start's id, a valid id
   * @param mainThread the single thread all state lives on; not closed by the task executor
   * @param client its calls to the resource manager; not closed by the task executor
   * @param listeners called on the main thread
   */
  public static TaskExecutor create(TaskExecutorConfig config, String instanceId, MainThreadExecutor mainThread,
      ResourceManagerClient client, List<TaskExecutorListener> listeners) {
    TaskExecutorInstance.of(config.resourceId(), instanceId);
    return new TaskExecutor(config, instanceId, mainThread, client, List.copyOf(listeners));
  }

  /**
   * Starts registering with the resource manager, on the main thread; returns at once.
   *
   * @param advertisedAddress {@code host:port} at which the resource manager reaches this task executor
   * @throws IllegalStateException if already started or closed
   */
  public void start(String advertisedAddress) {
    Objects.requireNonNull(advertisedAddress, "advertisedAddress");
    synchronized (lifecycleLock) {
      if (started || closed) {
        throw new IllegalStateException(closed ? "the task executor is closed" : "the task executor is already started");
      }
      started = true;
    }
    mainThread.execute(() -> core.start(advertisedAddress));
  }

  // ------------------------------------------------------------------ accessors (any thread)

  /** This task executor's resource id, stable across restarts if configured. */
  public String resourceId() {
    return config.resourceId().value();
  }

  /** This start's instance id. */
  public String instanceId() {
    return instanceId;
  }

  /** {@code host:port} of the resource manager it registers with. */
  public String resourceManagerAddress() {
    return config.resourceManagerAddress();
  }

  public int numberOfSlots() {
    return config.numberOfSlots();
  }

  /** The validated configuration it runs with. */
  public TaskExecutorConfig config() {
    return config;
  }

  /** Whether a resource manager currently holds an accepted registration of this task executor. */
  public boolean isRegistered() {
    return core.registration() != null;
  }

  /** The id of the resource manager it is registered with, if any. */
  public Optional<String> resourceManagerId() {
    return Optional.ofNullable(core.registration()).map(Registration::resourceManagerId);
  }

  /** The id of the current registration, if any. */
  public Optional<String> registrationId() {
    return Optional.ofNullable(core.registration()).map(Registration::registrationId);
  }

  /** Every slot, by index, as of its last change; all free before {@link #start}. */
  public List<TaskSlot> slots() {
    return core.slotSnapshot();
  }

  /**
   * How long ago the resource manager it is registered with last asked for a heartbeat, on the main thread's
   * clock: empty while not registered, or registered but not asked yet. Answered on the main thread, so a
   * future that does not complete says the main thread is stuck.
   */
  public CompletableFuture<Optional<Duration>> resourceManagerHeartbeatAge() {
    CompletableFuture<Optional<Duration>> age = new CompletableFuture<>();
    mainThread.execute(() -> age.complete(core.resourceManagerHeartbeatAge()));
    return age;
  }

  /**
   * Completes with the reason if the task executor fail-stops: it had no resource manager for
   * {@code taskexecutor.registration.timeout} and freed its slots. Stays incomplete otherwise, also
   * after {@link #close()}. The owner should close the task executor when it completes.
   */
  public CompletableFuture<String> failStop() {
    return core.failStop();
  }

  // ------------------------------------------------------------------ transport hooks (main thread)

  /** The resource manager's calls other than the heartbeat. Call on the main thread. */
  public TaskExecutorGateway gateway() {
    return core;
  }

  /**
   * Where the resource manager's heartbeat requests count as heartbeats from it
   * ({@code receiveHeartbeat(resourceManagerId, null)}). Call on the main thread.
   */
  public HeartbeatTarget<?> heartbeatReceiver() {
    return core.heartbeats();
  }

  /**
   * A call was refused by fencing: if it carried the id of the resource manager this task executor follows
   * (or last followed, while it registers again) with a newer epoch, that resource manager restarted on its
   * store, and this task executor registers again at once with its slot report (SPEC 9). The gateway calls
   * this; call on the main thread.
   */
  public void resourceManagerRestarted(FencingToken presented) {
    core.resourceManagerRestarted(presented);
  }

  /** The fencing token of the resource manager it follows, or {@code null}. Call on the main thread. */
  public FencingToken acceptedToken() {
    return core.acceptedToken();
  }

  /** The slot table, the same instance until it changes. Any thread. */
  public SlotReport slotReport() {
    return core.slotReport();
  }

  // ------------------------------------------------------------------ lifecycle

  /**
   * Stops: tells the resource manager that this task executor leaves (with a short deadline) if
   * registered, and frees the slots; waits for the goodbye at most a few seconds. Idempotent. Leaves
   * the main thread and the client running: their owner closes them next.
   */
  public void close() {
    synchronized (lifecycleLock) {
      if (closed) {
        return;
      }
      closed = true;
      if (!started) {
        return;
      }
    }
    CompletableFuture<CompletableFuture<Void>> closing = new CompletableFuture<>();
    try {
      mainThread.execute(() -> closing.complete(core.close()));
    } catch (RejectedExecutionException e) {
      return;
    }
    Duration wait = ResourceManagerClient.DISCONNECT_DEADLINE.plus(CLOSE_MARGIN);
    try {
      closing.thenCompose(goodbye -> goodbye).get(wait.toNanos(), TimeUnit.NANOSECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (ExecutionException | TimeoutException e) {
      LOG.warn("Task executor {} did not finish saying goodbye to its resource manager within {} ms", resourceId(),
          wait.toMillis());
    }
  }

  @Override
  public String toString() {
    return "TaskExecutor{" + resourceId() + ", instance " + instanceId + "}";
  }
}
