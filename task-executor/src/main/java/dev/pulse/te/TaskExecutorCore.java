package dev.pulse.te;

import dev.pulse.heartbeat.HeartbeatManager;
import dev.pulse.heartbeat.HeartbeatServices;
import dev.pulse.heartbeat.time.MainThreadExecutor;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The task executor's state and rules: its slot table, the resource manager's slot calls, and what
 * happens to the slots when the resource manager is lost or never comes. The registration itself is
 * {@link ResourceManagerConnection}'s job; the network is the transport's ({@code dev.pulse.te.grpc}).
 *
 * <ul>
 *   <li>{@code RequestSlot}/{@code FreeSlot} follow {@link SlotTable}'s rules; a slot index beyond this
 *       task executor's slots is an {@link InvalidCallException}, a conflict a {@link SlotConflictException}.
 *   <li>{@code DisconnectResourceManager}: the resource manager declared this task executor lost, so
 *       every allocation on it is already lost there; the slots are freed and the task executor
 *       registers again.
 *   <li>The resource manager's heartbeats stop: the task executor registers again and keeps its
 *       slots; the registration carries them, and the resource manager frees those it no longer knows.
 *   <li>No registration for {@code taskexecutor.registration.timeout}: every slot is freed and the
 *       task executor fail-stops ({@link #failStop()} completes).
 * </ul>
 *
 * <p>Thread-safety: confined to the main thread (the {@link TaskExecutorGateway} calls arrive
 * there), except the accessors documented as safe from any thread. Listeners are called on the main
 * thread, never while a lock is held.
 */
final class TaskExecutorCore implements TaskExecutorGateway {

  private static final Logger LOG = LoggerFactory.getLogger(TaskExecutorCore.class);

  private final TaskExecutorInstance identity;
  private final SlotTable slots;
  private final ResourceManagerConnection connection;
  private final List<TaskExecutorListener> listeners;
  private final CompletableFuture<String> failStop = new CompletableFuture<>();
  private boolean closed;

  TaskExecutorCore(TaskExecutorConfig config, String instanceId, MainThreadExecutor main, ResourceManagerClient client,
      List<TaskExecutorListener> listeners) {
    this(config, instanceId, main, client, listeners, RetryBackoff.forRegistration());
  }

  TaskExecutorCore(TaskExecutorConfig config, String instanceId, MainThreadExecutor main, ResourceManagerClient client,
      List<TaskExecutorListener> listeners, RetryBackoff backoff) {
    this.identity = TaskExecutorInstance.of(config.resourceId(), Objects.requireNonNull(instanceId, "instanceId"));
    this.slots = new SlotTable(config.numberOfSlots());
    this.listeners = List.copyOf(listeners);
    this.connection = new ResourceManagerConnection(identity, config.numberOfSlots(), slots::report,
        config.resourceManagerAddress(), config.registrationTimeout(), HeartbeatServices.of(config.heartbeat()),
        client, main, backoff, new ConnectionEvents());
  }

  // ------------------------------------------------------------------ wiring

  /** Starts registering; {@code advertisedAddress} is where the gateway listens. Main thread. */
  void start(String advertisedAddress) {
    connection.start(advertisedAddress);
  }

  /** Since the followed resource manager's last heartbeat request; empty if none. Main thread. */
  Optional<Duration> resourceManagerHeartbeatAge() {
    return connection.heartbeatAge();
  }

  /** The receiving heartbeat manager, for the gateway. */
  HeartbeatManager<Void, Void> heartbeats() {
    return connection.heartbeats();
  }

  /** For the gateway: a call carried the followed resource manager's id with a newer epoch. Main thread. */
  void resourceManagerRestarted(FencingToken presented) {
    connection.resourceManagerRestarted(presented);
  }

  /** For the gateway's fencing check. Main thread. */
  FencingToken acceptedToken() {
    return connection.acceptedToken();
  }

  /** For the gateway's heartbeat answers: the same instance until the slots change. Any thread. */
  SlotReport slotReport() {
    return slots.report();
  }

  /** The current registration, or {@code null}. Any thread. */
  Registration registration() {
    return connection.registration();
  }

  /** The slot table as of its last change. Any thread. */
  List<TaskSlot> slotSnapshot() {
    return slots.snapshot();
  }

  /** Completes with the reason when the task executor fail-stops. Any thread. */
  CompletableFuture<String> failStop() {
    return failStop;
  }

  /**
   * Stops: says goodbye to the resource manager if registered, then frees every slot. Main thread.
   *
   * @return completes when the goodbye was answered or given up; never fails
   */
  CompletableFuture<Void> close() {
    if (closed) {
      return CompletableFuture.completedFuture(null);
    }
    closed = true;
    String cause = "task executor " + identity.resourceId() + " is shutting down";
    CompletableFuture<Void> goodbye = connection.close(cause);
    freeAll(cause);
    return goodbye;
  }

  // ------------------------------------------------------------------ the resource manager's calls

  @Override
  public SlotReport requestSlot(FencingToken from, int slotIndex, String allocationId, String jobId) {
    if (slotIndex < 0 || slotIndex >= slots.size()) {
      throw new InvalidCallException("slot_index", "must be between 0 and " + (slots.size() - 1) + ", was "
          + Integer.toUnsignedString(slotIndex));
    }
    boolean added;
    try {
      added = slots.allocate(slotIndex, allocationId, jobId);
    } catch (SlotConflictException e) {
      LOG.info("Refused a slot request from {}: {}", from, e.getMessage());
      throw e;
    }
    if (added) {
      TaskSlot slot = new TaskSlot(slotIndex, allocationId, jobId);
      LOG.info("Allocated {}", slot);
      notifyListeners(l -> l.slotAllocated(slot));
    }
    return slots.report();
  }

  @Override
  public SlotReport freeSlot(FencingToken from, String allocationId, String cause) {
    TaskSlot freed = slots.free(allocationId);
    if (freed == null) {
      LOG.debug("Asked to free allocation {}, which holds no slot here", allocationId);
    } else {
      String why = cause.isEmpty() ? "freed by the resource manager" : cause;
      LOG.info("Freed {}: {}", freed, why);
      notifyListeners(l -> l.slotFreed(freed, why));
    }
    return slots.report();
  }

  @Override
  public void disconnectResourceManager(FencingToken from, String reason, String cause) {
    String why = from + " dropped this task executor (" + reason + (cause.isEmpty() ? "" : ": " + cause) + ")";
    int freed = freeAll(why);
    LOG.warn("{}; freed {} slot(s)", why, freed);
    connection.droppedByResourceManager(why);
  }

  // ------------------------------------------------------------------ helpers

  private final class ConnectionEvents implements ResourceManagerConnection.Events {
    @Override
    public void registered(Registration registration) {
      notifyListeners(l -> l.registered(registration.resourceManagerId(), registration.registrationId()));
    }

    @Override
    public void lost(Registration registration, String why) {
      notifyListeners(l -> l.resourceManagerLost(registration.resourceManagerId(), why));
    }

    @Override
    public void gaveUp(String reason) {
      int freed = freeAll("the task executor fail-stops: " + reason);
      LOG.error("Task executor {} stops (fail-stop): {}. Freed {} slot(s) so that no work runs without a resource"
          + " manager.", identity.resourceId(), reason, freed);
      notifyListeners(l -> l.failStopped(reason));
      failStop.complete(reason);
    }
  }

  /** Frees every slot, telling the listeners about each; returns how many held an allocation. */
  private int freeAll(String cause) {
    List<TaskSlot> freed = slots.freeAll();
    for (TaskSlot slot : freed) {
      notifyListeners(l -> l.slotFreed(slot, cause));
    }
    return freed.size();
  }

  private void notifyListeners(Consumer<TaskExecutorListener> call) {
    for (TaskExecutorListener listener : listeners) {
      try {
        call.accept(listener);
      } catch (RuntimeException e) {
        LOG.error("Task executor listener {} failed", listener, e);
      }
    }
  }
}
