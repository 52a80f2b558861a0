package dev.pulse.rm;

import dev.pulse.config.Durations;
import dev.pulse.heartbeat.HeartbeatConfig;
import dev.pulse.heartbeat.HeartbeatListener;
import dev.pulse.heartbeat.HeartbeatManager;
import dev.pulse.heartbeat.HeartbeatMetrics;
import dev.pulse.heartbeat.HeartbeatServices;
import dev.pulse.heartbeat.ResourceId;
import dev.pulse.heartbeat.time.Cancellable;
import dev.pulse.heartbeat.time.MainThreadExecutor;
import dev.pulse.rm.store.MemoryRegistryStore;
import dev.pulse.rm.store.Mutation;
import dev.pulse.rm.store.RegistryStore;
import dev.pulse.rm.store.StoredAllocation;
import dev.pulse.rm.store.StoredEvent;
import dev.pulse.rm.store.StoredState;
import dev.pulse.rm.store.StoredTaskExecutor;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The resource manager's state and rules: registration, slots, allocations, loss handling and the
 * event log. It decides; {@link TaskExecutorConnection}s carry; {@link ResourceManager} is the
 * thread-safe facade.
 *
 * <p>Durability (SPEC 9): every change is written to the {@link RegistryStore}, and whatever tells
 * somebody about it (a caller's future, an event, a listener, a watcher) waits until the store holds it
 * ({@link AfterPersist}), in the order the changes were made. A new allocation is stored as
 * {@code PENDING} before its task executor is asked. After a restart the stored task executors come back
 * as {@code RECOVERING}: watched at once, their allocations in place, their slots not offered until they
 * register again; those that do not within the recovery timeout are lost ({@link LossReason#RECOVERY_TIMEOUT}).
 *
 * <p>Loss guards (SPEC 11): detection and action are apart. A task executor the heartbeat sender gives up
 * on (timeout, unreachable) is first <em>silent</em>; whether its slots are released now is the
 * {@link LossGuard}'s call. One it holds back stays registered and {@code SUSPECT}, is watched again with a
 * fresh heartbeat timeout, and is back as if nothing happened when it answers. When a suspected mass failure
 * ends, every silent task executor's timeout starts afresh. Losses other than graceful leaves count towards
 * a {@linkplain Quarantines quarantine}: a quarantined task executor stays registered and watched, but no
 * slot of it is offered.
 *
 * <p>Allocation lifecycle (SPEC 10): an allocation with a {@link RestartPolicy} whose task executor is lost, leaves
 * or is {@linkplain #drain drained} is handed to the {@link Relocations}, which place it again on another task
 * executor or fail it for good; without a policy it is reported lost, as before.
 *
 * <p>Thread-safety: confined to the main-thread executor, like the heartbeat sender it owns. The
 * only state read from other threads is the event log (synchronized) and {@link #overviewSnapshot()}
 * (a volatile snapshot).
 */
final class ResourceManagerCore implements HeartbeatListener<SlotReport, Void> {

  private static final Logger LOG = LoggerFactory.getLogger(ResourceManagerCore.class);
  static final int EVENT_LOG_CAPACITY = 10_000;
  /** How long a census stays good for judging further detections: one phase width of the heartbeat sender. */
  static final long CENSUS_REUSE_NANOS = 10_000_000;

  /**
   * One accepted registration. It is <em>confirmed</em> once the task executor has shown that it
   * processed the answer (see {@link #confirm}); only then are its slots offered.
   */
  private static final class Registered {
    final TaskExecutorRegistration registration;
    final ResourceId resourceId;
    final String registrationId;
    final long registeredAt;
    TaskExecutorConnection connection;
    boolean confirmed;
    /** Restored from the store after a restart; cleared when it confirms a new registration. */
    boolean recovering;
    /** For a recovering one: it has registered again (same instance) and its confirmation is awaited. */
    boolean reRegistered;
    /** Main-thread nanos since when the loss guard holds back its release; 0 while it is not held. */
    long heldSince;
    /** The last heartbeat before it was watched afresh (a fresh watch starts without one); 0 if none. */
    long heardBeforeRewatch;
    /** The number of the last census that counted it as silent. */
    long silentInCensus;
    /** Why it fell silent, while held: the reason and detail its release will carry. */
    LossReason heldReason;
    String heldDetail;
    /**
     * The last slot report reconciled without finding anything, the slot manager's change count and
     * the time until which that outcome holds: the same report again, with no change in between, is
     * not reconciled again ({@link #reconcile}). {@code null} when the next report must be reconciled.
     */
    SlotReport quietReport;
    long quietChanges;
    long quietUntil;

    Registered(TaskExecutorRegistration registration, String registrationId, long registeredAt) {
      this.registration = registration;
      this.resourceId = ResourceId.of(registration.resourceId());
      this.registrationId = registrationId;
      this.registeredAt = registeredAt;
    }
  }

  private final FencingToken fencing;
  private final ResourceId ownId;
  private final HeartbeatConfig heartbeatConfig;
  private final MainThreadExecutor main;
  private final Clock wallClock;
  private final TaskExecutorConnector connector;
  private final List<ResourceManagerListener> listeners;
  private final EventLog events;
  private final SlotManager slots = new SlotManager();
  private final Map<String, Registered> registry = new LinkedHashMap<>();
  private int confirmedTaskExecutors;
  private final Map<String, List<Consumer<AllocationUpdate>>> watchers = new HashMap<>();
  private final HeartbeatManager<SlotReport, Void> heartbeats;
  private final AfterPersist persist;
  private final Duration recoveryTimeout;
  private Cancellable recoveryTimer;
  private final LossGuard guard;
  /**
   * Nothing heard from a task executor for this long makes it silent: three quarters of the timeout (task
   * executors stopped together are all that silent when the first times out, as long as the interval is at
   * most a quarter of the timeout; healthy ones on a busy host are not), at least 2 intervals.
   */
  private final long silentAfterNanos;
  private Cancellable guardTimer;
  /** When the main thread last resumed from a local pause: nobody's silence is counted from before it. */
  private long resumedAt;
  /**
   * The last census, reused by detections within {@link #CENSUS_REUSE_NANOS} of it (a burst of timeouts then
   * costs one pass over the registry, not one each); {@code null} once a registration began or ended.
   */
  private Census lastCensus;
  private long lastCensusAt;
  private long censusSeq;
  /** Silent task executors at the last full census, for {@link #lossGuardStatus()}. */
  private int lastSilentCount;
  private final QuarantineHandler quarantine;
  private final Relocations relocations;
  /** After a local pause, holds verdicts (losses) until the store confirms this process still leads. */
  private final LeadershipRecheck leadership;
  private volatile LossGuardStatus lossGuardStatus = LossGuardStatus.NONE;
  private volatile Overview overview;
  private boolean closed;

  /** A core with nothing restored, writing to a store of its own in memory (tests). */
  ResourceManagerCore(FencingToken fencing, HeartbeatConfig heartbeatConfig, MainThreadExecutor main, Clock wallClock,
      TaskExecutorConnector connector, List<ResourceManagerListener> listeners, HeartbeatMetrics heartbeatMetrics) {
    this(fencing, heartbeatConfig, main, wallClock, connector, listeners, heartbeatMetrics, new MemoryRegistryStore(),
        new StoredState(fencing.resourceManagerId(), fencing.epoch(), List.of(), List.of(), 0, List.of()),
        heartbeatConfig.timeout());
  }

  /** As the full constructor, with the default loss guard and quarantine. */
  ResourceManagerCore(FencingToken fencing, HeartbeatConfig heartbeatConfig, MainThreadExecutor main, Clock wallClock,
      TaskExecutorConnector connector, List<ResourceManagerListener> listeners, HeartbeatMetrics heartbeatMetrics,
      RegistryStore store, StoredState restored, Duration recoveryTimeout) {
    this(fencing, heartbeatConfig, main, wallClock, connector, listeners, heartbeatMetrics, store, restored,
        recoveryTimeout, LossGuardConfig.defaults(heartbeatConfig.interval()), QuarantineConfig.defaults());
  }

  /**
   * Must be called on the main thread: it creates the heartbeat sender there, and restores {@code restored}
   * (what {@link RegistryStore#open} returned for this epoch) before returning.
   */
  ResourceManagerCore(FencingToken fencing, HeartbeatConfig heartbeatConfig, MainThreadExecutor main, Clock wallClock,
      TaskExecutorConnector connector, List<ResourceManagerListener> listeners, HeartbeatMetrics heartbeatMetrics,
      RegistryStore store, StoredState restored, Duration recoveryTimeout, LossGuardConfig lossGuard,
      QuarantineConfig quarantineConfig) {
    this.fencing = fencing;
    this.ownId = ResourceId.of(fencing.resourceManagerId());
    this.heartbeatConfig = heartbeatConfig;
    this.main = main;
    this.wallClock = wallClock;
    this.connector = connector;
    this.listeners = new CopyOnWriteArrayList<>(listeners);
    this.events = new EventLog(EVENT_LOG_CAPACITY, wallClock);
    this.guard = new LossGuard(lossGuard, heartbeatConfig, main::nanoTime);
    this.silentAfterNanos = Math.min(heartbeatConfig.timeout().toNanos(),
        Math.max(2 * heartbeatConfig.interval().toNanos(), heartbeatConfig.timeout().toNanos() / 4 * 3));
    this.heartbeats = HeartbeatServices.of(heartbeatConfig)
        .createHeartbeatManagerSender(ownId, this, main, ResourceManager.both(heartbeatMetrics, guard));
    this.persist = new AfterPersist(store, main);
    this.leadership = new LeadershipRecheck(store, main);
    this.quarantine = new QuarantineHandler(quarantineConfig, slots, main, wallClock, persist,
        new QuarantineHandler.Reports() {
          @Override
          public void event(EventType type, String taskExecutorId, String detail) {
            ResourceManagerCore.this.event(type, taskExecutorId, null, null, null, 0, detail);
          }

          @Override
          public void changed() {
            refreshOverview();
            refreshStatus();
            relocations.slotsFreed(); // a quarantine that ended offers slots again
          }
        });
    this.relocations = new Relocations(slots, main, wallClock, persist, heartbeatConfig.interval(),
        new Relocations.Core() {
          @Override
          public CompletableFuture<Void> ask(Allocation placement) {
            return ResourceManagerCore.this.ask(placement);
          }

          @Override
          public void free(Allocation placement, String cause) {
            freeOnTaskExecutor(placement, cause);
          }

          @Override
          public void event(EventType type, String te, Allocation a, LossReason reason, String detail,
              String previousTaskExecutorId) {
            ResourceManagerCore.this.event(type, te, a.allocationId(), a.jobId(), reason, 0, detail, a,
                previousTaskExecutorId);
          }

          @Override
          public void notifyListeners(Consumer<ResourceManagerListener> call) {
            ResourceManagerCore.this.notifyListeners(call);
          }

          @Override
          public void changed() {
            refreshOverview();
          }

          @Override
          public void verdict(Runnable verdict) {
            leadership.run(verdict);
          }
        });
    this.recoveryTimeout = recoveryTimeout;
    restore(restored);
    this.quarantine.restore(restored.quarantines());
    guardTimer = main.schedule(this::guardTick, heartbeatConfig.interval().toNanos());
    refreshOverview();
  }

  // ------------------------------------------------------------------ recovery

  /**
   * Takes back what the store kept: the event sequence and tail, the task executors (as {@code RECOVERING},
   * contacted at once) and their acknowledged allocations. {@code PENDING} allocations were never
   * acknowledged: they are dropped (and freed on their task executor when it reports them).
   */
  private void restore(StoredState state) {
    events.restore(state.lastEventSeq(), state.events().stream().map(ResourceManagerCore::fromStored).toList());
    for (StoredTaskExecutor te : state.taskExecutors()) {
      TaskExecutorRegistration registration = new TaskExecutorRegistration(te.resourceId(), te.instanceId(),
          te.address(), te.slots(), null);
      Registered r = new Registered(registration, UUID.randomUUID().toString(), te.registeredAt());
      r.recovering = true;
      registry.put(te.resourceId(), r);
      slots.addRecoveringTaskExecutor(te.resourceId(), te.slots());
    }
    // Old enough that a slot report lacking it loses it at once: it was acknowledged before the restart.
    long confirmedAt = main.nanoTime() - heartbeatConfig.interval().toNanos() - 1;
    long kept = 0;
    for (StoredAllocation stored : state.allocations()) {
      Allocation a = new Allocation(stored.allocationId(), stored.jobId(), stored.taskExecutorId(),
          stored.slotIndex(), Allocation.State.ALLOCATED, stored.createdAt(), Math.max(1, stored.attempts()),
          Relocations.policy(stored));
      if (Allocation.State.ALLOCATED.name().equals(stored.state())
          && slots.restore(a, confirmedAt == 0 ? -1 : confirmedAt)) {
        kept++;
      } else if (relocations.restore(stored)) {
        continue; // moving (still to be placed) or failed (kept for the job's view)
      } else {
        LOG.info("Dropping stored allocation {} of job {} ({}): it was never acknowledged", stored.allocationId(),
            stored.jobId(), stored.state());
        persist.write(new Mutation.RemoveAllocation(stored.allocationId()));
      }
    }
    if (registry.isEmpty()) {
      return;
    }
    LOG.info("Recovering {} task executor(s) with {} allocation(s) from the registry store; each has {} to register"
        + " again", registry.size(), kept, Durations.format(recoveryTimeout));
    for (Registered r : registry.values()) {
      watch(r);
    }
    recoveryTimer = main.schedule(this::recoveryTimedOut, recoveryTimeout.toNanos());
  }

  /**
   * The resource manager takes calls now (its RPC server serves). Task executors still recovering get
   * their full {@code resourcemanager.recovery.timeout} from this moment (a slow start-up does not eat
   * it), and each is asked for a heartbeat at once instead of at its phase in the interval: it answers a
   * call of this newer epoch by registering again (SPEC 9). The outcome of that call is ignored (the
   * heartbeat sender keeps asking as usual).
   */
  void serving() {
    if (recoveryTimer == null) {
      return; // nothing restored, or already timed out
    }
    recoveryTimer.cancel();
    recoveryTimer = main.schedule(this::recoveryTimedOut, recoveryTimeout.toNanos());
    for (Registered r : registry.values()) {
      if (r.recovering && r.connection != null) {
        r.connection.heartbeatTarget().requestHeartbeat(ownId, null).whenComplete((v, t) -> {
          if (t != null) {
            LOG.debug("Recovering task executor {} refused the first call: {}", r.registration.resourceId(),
                t.toString());
          }
        });
      }
    }
  }

  private void recoveryTimedOut() {
    recoveryTimer = null;
    List<String> late = registry.values().stream().filter(r -> r.recovering).map(r -> r.registration.resourceId())
        .collect(Collectors.toList());
    for (String te : late) {
      lose(te, LossReason.RECOVERY_TIMEOUT, "did not register again within " + Durations.format(recoveryTimeout)
          + " (resourcemanager.recovery.timeout) after the resource manager restarted");
    }
  }

  /** Connects to the task executor and monitors it with the heartbeat sender. */
  private void watch(Registered r) {
    r.connection = connector.connect(r.registration, fencing, report -> {
      if (registry.get(r.registration.resourceId()) == r) {
        heartbeats.receiveHeartbeat(r.resourceId, report);
      }
    });
    heartbeats.monitorTarget(r.resourceId, r.connection.heartbeatTarget());
  }

  private static ResourceManagerEvent fromStored(StoredEvent e) {
    return new ResourceManagerEvent(e.seq(), e.time(), EventType.valueOf(e.type()), e.taskExecutorId(),
        e.allocationId(), e.jobId(), e.reason() == null ? null : LossReason.valueOf(e.reason()), e.slotsReleased(),
        e.detail());
  }

  // ------------------------------------------------------------------ registration

  /**
   * Accepts a registration and starts watching the task executor at once, but offers its slots (and
   * reports it registered) only when it {@linkplain #confirm confirms}: until the task executor has
   * processed the answer it refuses calls from this resource manager, so a slot request in that
   * window would fail.
   */
  RegistrationResult register(TaskExecutorRegistration registration) {
    checkOpen();
    registration.validate();
    Registered existing = registry.get(registration.resourceId());
    if (existing != null && existing.recovering
        && existing.registration.instanceId().equals(registration.instanceId())) {
      LOG.info("{} (instance {}) registered again after the restart; its allocations are kept once it confirms",
          registration.resourceId(), registration.instanceId());
      existing.reRegistered = true;
      return new RegistrationResult(existing.registrationId, fencing);
    }
    if (existing != null && existing.registration.instanceId().equals(registration.instanceId())) {
      LOG.debug("{} registered again with the same instance {}; keeping its registration",
          registration.resourceId(), registration.instanceId());
      return new RegistrationResult(existing.registrationId, fencing);
    }
    if (existing != null) {
      lose(registration.resourceId(), LossReason.RESTARTED, "a new instance " + registration.instanceId()
          + " registered in place of " + existing.registration.instanceId());
    }
    Registered added = new Registered(registration, UUID.randomUUID().toString(), wallClock.millis());
    registry.put(registration.resourceId(), added);
    watch(added);
    LOG.debug("Accepted the registration of {} (instance {}); its slots are offered once it confirms",
        registration.resourceId(), registration.instanceId());
    return new RegistrationResult(added.registrationId, fencing);
  }

  /**
   * The task executor has processed its registration answer: it sent a slot report of this
   * registration ({@code SendSlotReport}, right after the answer) or answered a heartbeat request
   * (which it does only for the resource manager it follows). Offers its slots, frees what it holds
   * that this resource manager does not know, and reports it registered.
   */
  private void confirm(Registered r, SlotReport report) {
    TaskExecutorRegistration registration = r.registration;
    // The confirmation is a message from the task executor: it counts as a heartbeat, so the task
    // executor is ACTIVE at once (after a restart: within one interval of being asked).
    heartbeats.receiveHeartbeat(r.resourceId, null);
    r.confirmed = true;
    confirmedTaskExecutors++;
    lastCensus = null;
    if (r.recovering) {
      r.recovering = false;
      slots.recovered(registration.resourceId());
    } else {
      slots.addTaskExecutor(registration.resourceId(), registration.slots());
    }
    persist.write(new Mutation.PutTaskExecutor(new StoredTaskExecutor(registration.resourceId(),
        registration.instanceId(), registration.address(), registration.slots(), r.registeredAt)));
    LOG.info("Registered task executor {} (instance {}, {} slot(s)) at {}", registration.resourceId(),
        registration.instanceId(), registration.slots(), registration.address());
    event(EventType.TASK_EXECUTOR_REGISTERED, registration.resourceId(), null, null, null, 0,
        "instance " + registration.instanceId() + " at " + registration.address() + " with "
            + registration.slots() + " slot(s)");
    // A task executor that survived a resource manager restart may still hold slots: free them.
    reconcile(r, report, true);
    CrashPoints.reached(CrashPoints.AFTER_TASK_EXECUTOR_RECONCILED);
    refreshOverview();
    TaskExecutorInfo info = info(r);
    notifyListeners(l -> l.taskExecutorRegistered(info));
    relocations.slotsFreed();
  }

  /** A task executor's slot report outside a heartbeat ({@code SendSlotReport}); the first one confirms. */
  void slotReport(String taskExecutorId, String registrationId, SlotReport report) {
    Registered r = current(taskExecutorId, registrationId);
    if (r.heldSince != 0) {
      // A message from it: it is alive. Its fresh watch hears it too, so it is not silent any more.
      heartbeats.receiveHeartbeat(r.resourceId, null);
      heardFrom(r);
    }
    if (r.confirmed) {
      reconcile(r, report, false);
    } else if (!r.recovering || r.reRegistered) {
      confirm(r, report);
    }
  }

  /** Throws {@link StaleRegistrationException} unless the registration is the task executor's current one. */
  void checkRegistration(String taskExecutorId, String registrationId) {
    current(taskExecutorId, registrationId);
  }

  /** A task executor says goodbye ({@code DisconnectTaskExecutor}). */
  void disconnect(String taskExecutorId, String registrationId, String cause) {
    current(taskExecutorId, registrationId);
    lose(taskExecutorId, LossReason.DISCONNECTED, cause == null || cause.isBlank() ? "it disconnected" : cause);
  }

  private Registered current(String taskExecutorId, String registrationId) {
    checkOpen();
    Registered r = registry.get(taskExecutorId);
    if (r == null || !r.registrationId.equals(registrationId)) {
      throw new StaleRegistrationException(taskExecutorId, registrationId);
    }
    return r;
  }

  // ------------------------------------------------------------------ allocations

  CompletableFuture<List<Allocation>> allocate(String jobId, int count) {
    return allocate(jobId, count, null);
  }

  /**
   * Allocates {@code count} slots for {@code jobId}, all or nothing; with a {@code restart} policy each is placed
   * again when its task executor goes (SPEC 10), else a loss is reported and it is gone.
   */
  CompletableFuture<List<Allocation>> allocate(String jobId, int count, RestartPolicy restart) {
    checkOpen();
    String problem = ResourceId.validate(jobId);
    if (problem != null) {
      throw new IllegalArgumentException("jobId: " + problem);
    }
    if (count < 1 || count > 1_000_000) {
      throw new IllegalArgumentException("slots: must be between 1 and 1000000, was " + count);
    }
    List<Allocation> reserved = slots.reserve(jobId, count, wallClock.millis(), () -> UUID.randomUUID().toString(),
        restart);
    if (reserved == null) {
      throw new NotEnoughSlotsException(count, slots.freeSlots());
    }
    refreshOverview();
    CompletableFuture<List<Allocation>> result = new CompletableFuture<>();
    // Stored as PENDING before any task executor is asked: a crash after the ask leaves a trace to undo.
    persist.then(reserved.stream().map(a -> stored(a, Allocation.State.PENDING)).toList(),
        () -> askAll(jobId, reserved, result), failure -> undo(jobId, reserved, null, failure, result));
    return result;
  }

  private void askAll(String jobId, List<Allocation> reserved, CompletableFuture<List<Allocation>> result) {
    CrashPoints.reached(CrashPoints.AFTER_PENDING_PERSISTED);
    List<CompletableFuture<Void>> asks = new ArrayList<>(reserved.size());
    for (Allocation a : reserved) {
      asks.add(ask(a));
    }
    CompletableFuture.allOf(asks.toArray(CompletableFuture[]::new))
        .whenComplete((ignored, failure) -> main.execute(() -> finishAllocation(jobId, reserved, asks, result)));
  }

  private static Mutation stored(Allocation a, Allocation.State state) {
    return Relocations.stored(a, state.name(), a.taskExecutorId(), null, 0, null);
  }

  private CompletableFuture<Void> ask(Allocation a) {
    Registered r = registry.get(a.taskExecutorId());
    if (r == null || slots.allocation(a.allocationId()) == null) {
      // Lost while its PENDING allocation was being stored: nobody to ask.
      return CompletableFuture.failedFuture(new IllegalStateException("task executor " + a.taskExecutorId()
          + " was lost before it was asked"));
    }
    try {
      return r.connection.requestSlot(a.slotIndex(), a.allocationId(), a.jobId());
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  private void finishAllocation(String jobId, List<Allocation> reserved, List<CompletableFuture<Void>> asks,
      CompletableFuture<List<Allocation>> result) {
    CrashPoints.reached(CrashPoints.AFTER_TASK_EXECUTOR_CALL);
    Throwable failure = askFailure(reserved, asks);
    if (failure != null) {
      undo(jobId, reserved, asks, failure, result);
      return;
    }
    // ALLOCATED is stored before the caller or anybody else hears of it.
    persist.then(reserved.stream().map(a -> stored(a, Allocation.State.ALLOCATED)).toList(),
        () -> created(jobId, reserved, asks, result), t -> undo(jobId, reserved, asks, t, result));
  }

  private void created(String jobId, List<Allocation> reserved, List<CompletableFuture<Void>> asks,
      CompletableFuture<List<Allocation>> result) {
    // While ALLOCATED was being stored, the task executor may have been lost: check again.
    Throwable failure = askFailure(reserved, asks);
    if (failure != null) {
      undo(jobId, reserved, asks, failure, result);
      return;
    }
    long now = main.nanoTime();
    List<Allocation> created = new ArrayList<>(reserved.size());
    for (Allocation a : reserved) {
      Allocation confirmed = slots.confirm(a.allocationId(), now);
      created.add(confirmed);
      event(EventType.ALLOCATION_CREATED, a.taskExecutorId(), a.allocationId(), jobId, null, 0,
          "slot " + a.slotIndex() + " of " + a.taskExecutorId(), confirmed);
    }
    persist.then(List.of(), () -> result.complete(created));
  }

  /** The first failed ask, or an allocation whose task executor was lost meanwhile; {@code null} if none. */
  private Throwable askFailure(List<Allocation> reserved, List<CompletableFuture<Void>> asks) {
    Throwable failure = null;
    for (int i = 0; i < reserved.size(); i++) {
      Allocation a = reserved.get(i);
      if (asks.get(i).isCompletedExceptionally()) {
        failure = failure != null ? failure : asks.get(i).handle((v, t) -> t).join();
      } else if (slots.allocation(a.allocationId()) == null) {
        failure = failure != null ? failure
            : new IllegalStateException("task executor " + a.taskExecutorId() + " was lost while being asked");
      }
    }
    return failure;
  }

  /**
   * Undoes a reservation: frees the slots (on the task executors that were asked and said yes), removes
   * the stored allocations and fails the caller once that is durable.
   *
   * @param asks {@code null} if no task executor was asked
   */
  private void undo(String jobId, List<Allocation> reserved, List<CompletableFuture<Void>> asks, Throwable failure,
      CompletableFuture<List<Allocation>> result) {
    for (int i = 0; i < reserved.size(); i++) {
      Allocation a = reserved.get(i);
      if (slots.release(a.allocationId(), main.nanoTime()) != null && asks != null
          && !asks.get(i).isCompletedExceptionally()) {
        freeOnTaskExecutor(a, "allocation for job " + jobId + " was undone");
      }
    }
    refreshOverview();
    relocations.slotsFreed();
    Throwable cause = failure instanceof java.util.concurrent.CompletionException c && c.getCause() != null
        ? c.getCause() : failure;
    LOG.info("Allocation of {} slot(s) for job {} failed and was undone: {}", reserved.size(), jobId, cause.toString());
    AllocationFailedException failed = new AllocationFailedException("could not allocate " + reserved.size()
        + " slot(s) for job " + jobId + ": " + cause.getMessage(), cause);
    persist.then(reserved.stream().map(a -> (Mutation) new Mutation.RemoveAllocation(a.allocationId())).toList(),
        () -> result.completeExceptionally(failed), t -> result.completeExceptionally(failed));
  }

  /** Releases an allocation (also one that is moving); the returned future completes once the release is durable. */
  CompletableFuture<Void> release(String allocationId) {
    checkOpen();
    if (relocations.isMoving(allocationId)) {
      relocations.release(allocationId);
      CompletableFuture<Void> released = new CompletableFuture<>();
      persist.then(List.of(), () -> released.complete(null), released::completeExceptionally);
      relocations.slotsFreed();
      return released;
    }
    Allocation a = slots.allocation(allocationId);
    if (a == null) {
      throw new UnknownAllocationException(allocationId);
    }
    if (a.state() == Allocation.State.PENDING) {
      throw new IllegalStateException("allocation " + allocationId + " is still being created; release it once created");
    }
    slots.release(allocationId, main.nanoTime());
    refreshOverview();
    persist.write(new Mutation.RemoveAllocation(allocationId));
    event(EventType.ALLOCATION_RELEASED, a.taskExecutorId(), allocationId, a.jobId(), null, 0,
        "slot " + a.slotIndex() + " of " + a.taskExecutorId() + " released", a);
    CompletableFuture<Void> released = new CompletableFuture<>();
    persist.then(List.of(), () -> {
      freeOnTaskExecutor(a, "released by its job");
      released.complete(null);
    }, released::completeExceptionally);
    relocations.slotsFreed();
    return released;
  }

  /**
   * Subscribes to a job's allocation updates, starting with an {@code ALLOCATION_CREATED} update
   * (seq 0) for each allocation the job already holds, so a watcher never misses one that was made
   * before it subscribed. Returns the unsubscribe action (main thread).
   */
  Runnable watch(String jobId, Consumer<AllocationUpdate> watcher) {
    return watch(jobId, -1, watcher);
  }

  /**
   * As {@link #watch(String, Consumer)}; with {@code afterSeq >= 0} it resumes instead: the job's
   * allocation events with a larger sequence number still in the event log (which holds only durable
   * events, and the stored tail after a restart) are replayed first, then live ones follow, with no gap
   * and no duplicate (both come from the main thread in sequence order). A replayed allocation whose slot
   * is no longer known carries slot index -1.
   */
  Runnable watch(String jobId, long afterSeq, Consumer<AllocationUpdate> watcher) {
    checkOpen();
    if (afterSeq >= 0) {
      for (ResourceManagerEvent e : events.after(afterSeq, Integer.MAX_VALUE)) {
        if (jobId.equals(e.jobId()) && e.allocationId() != null) {
          Allocation known = slots.allocation(e.allocationId());
          Allocation a = known != null ? known : new Allocation(e.allocationId(), e.jobId(), e.taskExecutorId(), -1,
              Allocation.State.ALLOCATED, 0);
          watcher.accept(new AllocationUpdate(e.seq(), e.type(), a, e.reason(), e.time(), e.detail()));
        }
      }
    } else {
      long now = wallClock.millis();
      for (Allocation a : slots.allocations(jobId)) {
        if (a.state() == Allocation.State.ALLOCATED) {
          watcher.accept(new AllocationUpdate(0, EventType.ALLOCATION_CREATED, a, null, now,
              "held when the watch began: slot " + a.slotIndex() + " of " + a.taskExecutorId()));
        }
      }
    }
    watchers.computeIfAbsent(jobId, j -> new ArrayList<>()).add(watcher);
    return () -> {
      List<Consumer<AllocationUpdate>> list = watchers.get(jobId);
      if (list != null) {
        list.remove(watcher);
        if (list.isEmpty()) {
          watchers.remove(jobId);
        }
      }
    };
  }

  private void freeOnTaskExecutor(Allocation a, String cause) {
    Registered r = registry.get(a.taskExecutorId());
    if (r != null) {
      r.connection.freeSlot(a.allocationId(), cause).whenComplete((v, t) -> {
        if (t != null) {
          LOG.debug("Could not tell {} to free allocation {}: {}", a.taskExecutorId(), a.allocationId(), t.toString());
        }
      });
    }
  }

  // ------------------------------------------------------------------ losses

  /**
   * Declares the task executor lost: the one place where a registration ends. After a local pause the verdict
   * waits until this process is known to lead still ({@link LeadershipRecheck}); then it applies only to the
   * registration it judged (one that registered again meanwhile is not lost for its predecessor).
   */
  private void lose(String taskExecutorId, LossReason reason, String detail) {
    Registered judged = registry.get(taskExecutorId);
    leadership.run(() -> {
      if (judged != null && registry.get(taskExecutorId) == judged) {
        persist.atomically(() -> loseNow(taskExecutorId, reason, detail)); // its events and removals: all or none
      }
    });
  }

  private void loseNow(String taskExecutorId, LossReason reason, String detail) {
    Registered r = registry.remove(taskExecutorId);
    if (r == null) {
      return;
    }
    lastCensus = null;
    heartbeats.unmonitorTarget(r.resourceId);
    if (!r.confirmed && !r.recovering) {
      // Never offered, never reported: nothing to release and nobody to tell.
      LOG.info("Task executor {} was lost ({}) before it confirmed its registration: {}", taskExecutorId, reason,
          detail);
      r.connection.close();
      return;
    }
    if (r.confirmed) {
      confirmedTaskExecutors--;
    }
    int slotsReleased = r.confirmed ? r.registration.slots() : 0;
    List<Allocation> lost = slots.removeTaskExecutor(taskExecutorId);
    refreshOverview();
    long allocationsLost = lost.stream().filter(a -> a.state() == Allocation.State.ALLOCATED).count();
    if (reason == LossReason.DISCONNECTED) {
      // It said goodbye: an orderly leave, not a failure.
      LOG.info("Task executor {} left ({}): {}; {} slot(s) released, {} allocation(s) lost", taskExecutorId, reason,
          detail, slotsReleased, allocationsLost);
    } else {
      LOG.warn("Task executor {} lost ({}): {}; {} slot(s) released, {} allocation(s) lost", taskExecutorId, reason,
          detail, slotsReleased, allocationsLost);
    }
    if (reason == LossReason.DISCONNECTED) {
      r.connection.close();
    } else {
      r.connection.disconnect(reason, detail).whenComplete((v, t) -> r.connection.close());
    }
    for (Allocation a : lost) {
      if (Relocations.relocates(a, reason)) {
        relocations.taskExecutorGone(a, reason); // moved (stored as MOVING) or failed (stored as FAILED)
      } else if (a.state() == Allocation.State.ALLOCATED) {
        String why = "task executor " + taskExecutorId + " lost: " + reason;
        event(EventType.ALLOCATION_LOST, taskExecutorId, a.allocationId(), a.jobId(), reason, 0, why, a);
        notifyListeners(l -> l.allocationLost(a, reason, why));
      } else {
        relocations.placementGone(a); // a moving allocation that was being placed there looks elsewhere
      }
    }
    event(EventType.TASK_EXECUTOR_LOST, taskExecutorId, null, null, reason, slotsReleased, detail);
    notifyListeners(l -> l.taskExecutorLost(taskExecutorId, reason, detail));
    for (Allocation a : lost) {
      if (!relocations.keepsStored(a.allocationId())) {
        persist.write(new Mutation.RemoveAllocation(a.allocationId()));
      }
    }
    persist.write(new Mutation.RemoveTaskExecutor(taskExecutorId));
    quarantine.lost(taskExecutorId, reason);
  }

  // ------------------------------------------------------------------ loss guard

  /** How many confirmed task executors there are and how many of them are silent, at one instant. */
  private record Census(int silent, int registered, boolean ended) {}

  /**
   * The heartbeat sender gave up on a task executor: it is silent. Released now if the guard allows it,
   * else held (still registered, {@code SUSPECT}) and watched again with a fresh timeout.
   */
  private void silent(String taskExecutorId, LossReason reason, String detail) {
    Registered r = registry.get(taskExecutorId);
    if (r == null) {
      return;
    }
    if (!r.confirmed) {
      lose(taskExecutorId, reason, detail);
      return;
    }
    if (!guard.config().enabled()) {
      lose(taskExecutorId, reason, detail);
      return;
    }
    long now = main.nanoTime();
    boolean first = r.heldSince == 0;
    if (first) {
      r.heldSince = now; // it counts as silent in the census below
    }
    Census census = censusIncluding(r, now);
    if (census.ended()) {
      return; // the end of a mass failure just gave it (and every other silent one) a fresh timeout
    }
    long extension = guard.overloadExtension(reason, lastHeard(r));
    if (extension == 0 && guard.mayRelease(census.silent(), census.registered())) {
      lose(taskExecutorId, reason, detail);
      return;
    }
    r.heldReason = reason;
    r.heldDetail = detail;
    if (first) {
      guard.heldBack();
      LOG.warn("Task executor {} is silent ({}: {}), but the loss guard ({}, {} of {} task executors silent) holds back"
          + " its release; it is watched again with a fresh timeout of {}", taskExecutorId, reason, detail,
          guard.state(), census.silent(), census.registered(), Durations.format(heartbeatConfig.timeout()));
    } else {
      LOG.debug("Task executor {} is still silent ({}); the loss guard ({}) still holds back its release",
          taskExecutorId, reason, guard.state());
    }
    rewatch(r);
    if (extension > 0) {
      // The resource manager's own lag is not charged: judge it again once the rest reaches the timeout.
      main.schedule(() -> {
        if (registry.get(taskExecutorId) == r && r.heldSince != 0) {
          silent(taskExecutorId, reason, detail);
        }
      }, extension);
    }
    refreshStatus();
  }

  /**
   * A census that counts {@code r} as silent: the last one if it is recent and still valid (adding {@code r}
   * if it did not count it), else a new one.
   */
  private Census censusIncluding(Registered r, long now) {
    if (lastCensus == null || lastCensus.ended() || now - lastCensusAt >= CENSUS_REUSE_NANOS) {
      return takeCensus(now);
    }
    if (r.silentInCensus != censusSeq) {
      r.silentInCensus = censusSeq;
      lastCensus = judge(lastCensus.silent() + 1, lastCensus.registered(), now);
    }
    return lastCensus;
  }

  /** Watches the task executor afresh: a full timeout from now, asked in its phase as before. */
  private void rewatch(Registered r) {
    r.heardBeforeRewatch = lastHeard(r);
    heartbeats.unmonitorTarget(r.resourceId);
    heartbeats.monitorTarget(r.resourceId, r.connection.heartbeatTarget());
  }

  /** A message from the task executor arrived: if its release was held back, it is back, with everything it had. */
  private void heardFrom(Registered r) {
    if (r.heldSince == 0) {
      return;
    }
    LOG.info("Task executor {} answers again after {} ms of silence; the loss guard released nothing of it",
        r.registration.resourceId(), (main.nanoTime() - r.heldSince) / 1_000_000);
    r.heldSince = 0;
    r.heldReason = null;
    r.heldDetail = null;
    lastCensus = null; // the guard tick takes the next census, within an interval
  }

  /** The last heartbeat heard from it (main-thread nanos), across fresh watches; 0 if none. */
  private long lastHeard(Registered r) {
    return Math.max(heartbeats.getLastHeartbeatFrom(r.resourceId), r.heardBeforeRewatch);
  }

  /**
   * Silent: its release is held back, its heartbeat RPCs are failing, or nothing was heard from it for three
   * quarters of the heartbeat timeout (at least two intervals; not counting the time before a local pause
   * ended, as the pause rule does not). Shown as {@code SUSPECT}; counted by the guard.
   */
  private boolean isSilent(Registered r, long now) {
    if (r.heldSince != 0 || heartbeats.getConsecutiveFailedRpcs(r.resourceId) > 0) {
      return true;
    }
    long last = lastHeard(r);
    return r.confirmed && last > 0 && now - Math.max(last, resumedAt) >= silentAfterNanos;
  }

  /**
   * Counts the silent task executors and tells the guard. A mass failure that begins is reported; one that
   * ends gives every silent task executor a fresh timeout, as the pause rule does after a local pause.
   */
  private Census takeCensus(long now) {
    int silent = 0;
    int registered = 0;
    censusSeq++;
    for (Registered r : registry.values()) {
      if (r.confirmed) {
        registered++;
        if (isSilent(r, now)) {
          r.silentInCensus = censusSeq;
          silent++;
        }
      }
    }
    lastCensusAt = now;
    lastSilentCount = silent;
    lastCensus = judge(silent, registered, now);
    if (lastCensus.ended()) {
      lastCensus = null; // it gave fresh timeouts: the next detection counts again
      return new Census(silent, registered, true);
    }
    return lastCensus;
  }

  /** Tells the guard the census; reports a mass failure that begins, and ends one that is over. */
  private Census judge(int silent, int registered, long now) {
    LossGuardConfig config = guard.config();
    switch (guard.census(silent, registered)) {
      case SUSPECTED -> {
        String action = silent >= registered ? "releasing none while every one is silent"
            : registered > config.largeClusterSize()
                ? "releasing one per " + Durations.format(Duration.ofNanos(config.secondaryReleaseIntervalNanos()))
                : "releasing none (" + registered + " task executor(s), at most "
                    + LossGuardConfig.LARGE_CLUSTER_SIZE + " " + config.largeClusterSize() + ")";
        String detail = silent + " of " + registered + " task executors are silent at once (at least "
            + config.minUnhealthy() + " and " + config.unhealthyFraction() + " of all): the resource manager may be"
            + " the one cut off; " + action;
        LOG.warn("Mass failure suspected: {}", detail);
        event(EventType.MASS_FAILURE_SUSPECTED, null, null, null, null, 0, detail);
        return new Census(silent, registered, false);
      }
      case ENDED -> {
        int afresh = 0;
        for (Registered r : registry.values()) {
          if (r.confirmed && isSilent(r, now)) {
            r.heldSince = 0;
            r.heldReason = null;
            r.heldDetail = null;
            rewatch(r);
            afresh++;
          }
        }
        String detail = silent + " of " + registered + " task executors silent; each of the " + afresh
            + " silent one(s) gets a fresh heartbeat timeout of " + Durations.format(heartbeatConfig.timeout());
        LOG.info("Mass failure no longer suspected: {}", detail);
        event(EventType.MASS_FAILURE_ENDED, null, null, null, null, 0, detail);
        return new Census(silent, registered, true);
      }
      default -> {
        return new Census(silent, registered, false);
      }
    }
  }

  /**
   * Every heartbeat interval: takes a census (a mass failure may begin or end without any task executor
   * timing out just then), releases the longest-held task executor when the secondary rate allows it, and
   * refreshes {@link #lossGuardStatus()}.
   */
  private void guardTick() {
    guardTimer = main.schedule(this::guardTick, heartbeatConfig.interval().toNanos());
    Census census = takeCensus(main.nanoTime());
    if (guard.massFailureSuspected()) {
      Registered longest = null;
      for (Registered r : registry.values()) {
        if (r.heldSince != 0 && r.heldReason != null && (longest == null || r.heldSince < longest.heldSince)) {
          longest = r;
        }
      }
      if (longest != null && guard.mayRelease(census.silent(), census.registered())) {
        lose(longest.registration.resourceId(), longest.heldReason, longest.heldDetail
            + "; released by the loss guard at its secondary rate during a suspected mass failure");
        takeCensus(main.nanoTime());
      }
    }
    refreshStatus();
  }

  /** Refreshes {@link #lossGuardStatus()}; its suspects are those of the last census (one per interval at least). */
  private void refreshStatus() {
    int suspects = lastCensus != null ? lastCensus.silent() : lastSilentCount;
    lossGuardStatus = new LossGuardStatus(suspects, quarantine.count(), guard.state().name(),
        guard.releasesHeldBack());
  }

  // ------------------------------------------------------------------ quarantine

  /**
   * An administrator lifts the quarantine of {@code taskExecutorId}; the future completes, with whether it was
   * quarantined, once that is durable.
   */
  CompletableFuture<Boolean> liftQuarantine(String taskExecutorId) {
    checkOpen();
    return quarantine.lift(taskExecutorId);
  }

  // ------------------------------------------------------------------ drain

  /**
   * An administrator drains a registered task executor: none of its slots is offered any more (until it leaves or
   * is lost), and each of its allocations with a {@link RestartPolicy} is freed there and moved to another task
   * executor without counting an attempt. Allocations without a policy stay until their job releases them.
   *
   * @return how many allocations began to move, or -1 if the task executor is not registered
   */
  int drain(String taskExecutorId) {
    checkOpen();
    Registered r = registry.get(taskExecutorId);
    if (r == null || !r.confirmed) {
      return -1;
    }
    slots.drain(taskExecutorId);
    int moving = 0;
    for (Allocation a : slots.allocations(null)) {
      if (a.taskExecutorId().equals(taskExecutorId) && a.restart() != null
          && a.state() == Allocation.State.ALLOCATED) {
        slots.release(a.allocationId());
        relocations.drained(a);
        persist.then(List.of(), () -> freeOnTaskExecutor(a, "its task executor is drained; it moves elsewhere"));
        moving++;
      }
    }
    LOG.info("Task executor {} is drained: its slots are no longer offered; {} allocation(s) move elsewhere",
        taskExecutorId, moving);
    refreshOverview();
    return moving;
  }

  // ------------------------------------------------------------------ HeartbeatListener

  @Override
  public void notifyHeartbeatTimeout(ResourceId resourceId) {
    if (isRecovering(resourceId)) {
      return; // the recovery timeout decides
    }
    silent(resourceId.value(), LossReason.HEARTBEAT_TIMEOUT,
        "no heartbeat for " + Durations.format(heartbeatConfig.timeout()));
  }

  @Override
  public void notifyTargetUnreachable(ResourceId resourceId) {
    if (isRecovering(resourceId)) {
      return; // the recovery timeout decides
    }
    silent(resourceId.value(), LossReason.UNREACHABLE,
        heartbeatConfig.rpcFailureThreshold() + " heartbeat RPCs in a row could not reach it");
  }

  @Override
  public void notifyTargetRestarted(ResourceId resourceId) {
    lose(resourceId.value(), LossReason.RESTARTED, "another instance answers at its address");
  }

  @Override
  public void reportPayload(ResourceId resourceId, SlotReport report) {
    Registered r = registry.get(resourceId.value());
    if (r == null) {
      return;
    }
    heardFrom(r);
    if (r.confirmed) {
      reconcile(r, report, false);
    } else if (!r.recovering || r.reRegistered) {
      confirm(r, report);
    }
  }

  private boolean isRecovering(ResourceId resourceId) {
    Registered r = registry.get(resourceId.value());
    return r != null && r.recovering;
  }

  @Override
  public Void retrievePayload(ResourceId resourceId) {
    return null;
  }

  @Override
  public void notifyLocalPause(Duration pausedFor) {
    leadership.localPause(pausedFor);
    guard.localPause();
    resumedAt = main.nanoTime();
    event(EventType.LOCAL_PAUSE_DETECTED, null, null, null, null, 0, "the resource manager did not run for "
        + pausedFor.toMillis() + " ms; no task executor was charged for it");
  }

  /**
   * Brings the slot view in line with the task executor's report. Most heartbeats carry the report the
   * last one did, with nothing changed in the slot view since and no grace running out: that outcome
   * is known (nothing to do), so such a report is compared, not reconciled.
   */
  private void reconcile(Registered r, SlotReport report, boolean atRegistration) {
    if (leadership.holds()) {
      return; // it may drop allocations: the first report after the leadership check reconciles
    }
    String te = r.registration.resourceId();
    long now = main.nanoTime();
    if (r.quietReport != null && slots.changes() == r.quietChanges && now < r.quietUntil
        && r.quietReport.equals(report)) {
      return;
    }
    SlotManager.Reconciliation result = slots.reconcile(te, report.slots(), now, heartbeatConfig.interval().toNanos());
    if (result.isEmpty()) {
      r.quietReport = report;
      r.quietChanges = slots.changes();
      r.quietUntil = slots.unchangedUntil();
      return;
    }
    r.quietReport = null;
    for (ReportedSlot orphan : result.orphans()) {
      LOG.info("Task executor {} holds slot {} for unknown allocation {}; telling it to free the slot", te,
          orphan.index(), orphan.allocationId());
      r.connection.freeSlot(orphan.allocationId(), atRegistration
          ? "the resource manager does not know this allocation" : "allocation is not held here");
    }
    for (Allocation a : result.lost()) {
      String why = "task executor " + te + " no longer holds slot " + a.slotIndex() + " for it";
      persist.atomically(() -> {
        event(EventType.ALLOCATION_LOST, te, a.allocationId(), a.jobId(), LossReason.DROPPED_BY_TASK_EXECUTOR, 0, why,
            a);
        persist.write(new Mutation.RemoveAllocation(a.allocationId()));
      });
      notifyListeners(l -> l.allocationLost(a, LossReason.DROPPED_BY_TASK_EXECUTOR, why));
    }
    refreshOverview();
    if (!result.lost().isEmpty()) {
      relocations.slotsFreed();
    }
  }

  // ------------------------------------------------------------------ reads

  Overview overviewSnapshot() {
    return overview;
  }

  /** The loss guards at a glance; refreshed every heartbeat interval and on every change (a volatile snapshot). */
  LossGuardStatus lossGuardStatus() {
    return lossGuardStatus;
  }

  /** Confirmed task executors (see {@link #register}) and, after a restart, those still recovering. */
  List<TaskExecutorInfo> taskExecutors() {
    List<TaskExecutorInfo> result = new ArrayList<>(confirmedTaskExecutors);
    for (Registered r : registry.values()) {
      if (r.confirmed || r.recovering) {
        result.add(info(r));
      }
    }
    return result;
  }

  TaskExecutorInfo taskExecutor(String id) {
    Registered r = registry.get(id);
    return r == null || !(r.confirmed || r.recovering) ? null : info(r);
  }

  /** The allocations of {@code jobId} (every job's if {@code null}): placed, being placed, and waiting to move. */
  List<Allocation> allocations(String jobId) {
    List<Allocation> result = slots.allocations(jobId);
    result.addAll(relocations.waiting(jobId));
    return result;
  }

  /** The kept terminal failures of {@code jobId} (every job's if {@code null}), oldest first. */
  List<AllocationFailure> failures(String jobId) {
    return relocations.failures(jobId);
  }

  List<ResourceManagerEvent> events(long after, int limit) {
    return events.after(after, limit);
  }

  ResourceManagerEvent lastEvent() {
    return events.last();
  }

  /** The RPC event loop that serves task executors lagged {@code lagNanos}: overload for the loss guard. */
  void eventLoopLag(long lagNanos) {
    guard.onEventLoopLag(lagNanos);
  }

  /** Whether a registration of {@code taskExecutorId} is held, confirmed or not. */
  boolean knows(String taskExecutorId) {
    return registry.containsKey(taskExecutorId);
  }

  /** Whether the task executor is registered and confirmed, its slots offered. */
  boolean isRegistered(String taskExecutorId) {
    Registered r = registry.get(taskExecutorId);
    return r != null && r.confirmed;
  }

  HeartbeatManager<SlotReport, Void> heartbeats() {
    return heartbeats;
  }

  FencingToken fencing() {
    return fencing;
  }

  private TaskExecutorInfo info(Registered r) {
    String te = r.registration.resourceId();
    long lastMono = lastHeard(r);
    long lastWall = lastMono <= 0 ? 0 : wallClock.millis() - (main.nanoTime() - lastMono) / 1_000_000;
    int failed = Math.max(0, heartbeats.getConsecutiveFailedRpcs(r.resourceId));
    String state = r.recovering ? "RECOVERING" : isSilent(r, main.nanoTime()) ? "SUSPECT"
        : quarantine.isQuarantined(te) ? "QUARANTINED" : lastMono > 0 ? "ACTIVE" : "REGISTERED";
    return new TaskExecutorInfo(te, r.registration.instanceId(), r.registration.address(), r.registeredAt, lastWall,
        failed, slots.slots(te), slots.freeSlots(te), state, quarantine.quarantinedUntil(te));
  }

  // ------------------------------------------------------------------ lifecycle

  /** Stops watching and closes every connection; task executors will find a new resource manager. */
  void close() {
    if (closed) {
      return;
    }
    closed = true;
    if (recoveryTimer != null) {
      recoveryTimer.cancel();
      recoveryTimer = null;
    }
    guardTimer.cancel();
    quarantine.close();
    relocations.close();
    heartbeats.stop();
    for (Registered r : registry.values()) {
      r.connection.close();
    }
    watchers.clear();
  }

  private void checkOpen() {
    if (closed) {
      throw new IllegalStateException("the resource manager is shut down");
    }
  }

  // ------------------------------------------------------------------ events

  private ResourceManagerEvent event(EventType type, String te, String allocationId, String jobId, LossReason reason,
      int slotsReleased, String detail) {
    return event(type, te, allocationId, jobId, reason, slotsReleased, detail, null);
  }

  /**
   * Takes the event's sequence number now and stores it; once durable (and after everything before it),
   * makes it readable in the log, tells the listeners and, for an allocation's event, the job's watchers,
   * in one step, so a watch that begins in between sees it exactly once.
   */
  private ResourceManagerEvent event(EventType type, String te, String allocationId, String jobId, LossReason reason,
      int slotsReleased, String detail, Allocation changed) {
    return event(type, te, allocationId, jobId, reason, slotsReleased, detail, changed, null);
  }

  private ResourceManagerEvent event(EventType type, String te, String allocationId, String jobId, LossReason reason,
      int slotsReleased, String detail, Allocation changed, String previousTaskExecutorId) {
    ResourceManagerEvent e = events.next(type, te, allocationId, jobId, reason, slotsReleased, detail);
    persist.then(List.of(new Mutation.AppendEvent(new StoredEvent(e.seq(), e.time(), type.name(), te, allocationId,
        jobId, reason == null ? null : reason.name(), slotsReleased, detail))), () -> {
          events.publish(e);
          callListeners(l -> l.onEvent(e));
          if (changed != null) {
            allocationChanged(e, changed, previousTaskExecutorId);
          }
        });
    return e;
  }

  private void allocationChanged(ResourceManagerEvent e, Allocation a, String previousTaskExecutorId) {
    List<Consumer<AllocationUpdate>> list = watchers.get(a.jobId());
    if (list == null) {
      return;
    }
    AllocationUpdate update = new AllocationUpdate(e.seq(), e.type(), a, e.reason(), e.time(), e.detail(),
        previousTaskExecutorId);
    for (Consumer<AllocationUpdate> w : List.copyOf(list)) {
      try {
        w.accept(update);
      } catch (RuntimeException ex) {
        LOG.warn("Allocation watcher of job {} failed", a.jobId(), ex);
      }
    }
  }

  /** Calls the listeners once everything changed before is durable. */
  private void notifyListeners(Consumer<ResourceManagerListener> call) {
    persist.then(List.of(), () -> callListeners(call));
  }

  private void callListeners(Consumer<ResourceManagerListener> call) {
    for (ResourceManagerListener l : listeners) {
      try {
        call.accept(l);
      } catch (RuntimeException e) {
        LOG.warn("Resource manager listener {} failed", l, e);
      }
    }
  }

  private void refreshOverview() {
    overview = new Overview(fencing.resourceManagerId(), fencing.epoch(), confirmedTaskExecutors, slots.totalSlots(),
        slots.freeSlots());
  }
}
