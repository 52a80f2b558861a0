package dev.pulse.rm;

import dev.pulse.config.Durations;
import dev.pulse.heartbeat.time.Cancellable;
import dev.pulse.heartbeat.time.MainThreadExecutor;
import dev.pulse.rm.store.Mutation;
import dev.pulse.rm.store.StoredAllocation;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The lifecycle of allocations with a {@link RestartPolicy} once their task executor is gone (SPEC 10): it
 * decides between moving and failing, waits out the backoff, places the allocation on another task executor
 * (same id; asked with {@code RequestSlot} as for a new allocation), keeps trying while no slot is free, and
 * fails it at the deadline. {@link ResourceManagerCore} hands it the allocations of a lost, departed or drained
 * task executor and asks it about the ones it holds.
 *
 * <p>Exactly once: a moving allocation lives here and nowhere else until it is placed (back in the {@link
 * SlotManager}, {@code ALLOCATED}), released by its owner, or failed. Each of these removes it from here first, so
 * the others find nothing to do: one terminal state per allocation, decided on the main thread.
 *
 * <p>Durable: a move is stored as {@code MOVING} (with its attempt, policy and the wall-clock time it began)
 * before anybody hears of what follows, and a failure as {@code FAILED}; {@link #restore} takes both back after a
 * restart, with what is left of the backoff and the deadline by the wall clock. The newest {@value #KEPT_FAILURES}
 * failures are kept for the jobs' views.
 *
 * <p>Thread-safety: confined to the resource manager's main thread.
 */
final class Relocations {

  private static final Logger LOG = LoggerFactory.getLogger(Relocations.class);
  /** How many terminal failures are kept (in memory and in the store); older ones are forgotten. */
  static final int KEPT_FAILURES = 1000;

  /** What the core does for the relocations. */
  interface Core {
    /** Asks the placement's task executor for its slot ({@code RequestSlot}). */
    CompletableFuture<Void> ask(Allocation placement);

    /** Tells the placement's task executor, if still registered, to free the slot (best effort). */
    void free(Allocation placement, String cause);

    /** Stores and publishes an event about {@code a} and task executor {@code te}, after everything stored before. */
    void event(EventType type, String te, Allocation a, LossReason reason, String detail,
        String previousTaskExecutorId);

    /** Calls the listeners once everything changed before is durable. */
    void notifyListeners(Consumer<ResourceManagerListener> call);

    /** Slots were taken or freed. */
    void changed();

    /**
     * Runs {@code verdict} (a failure for good) now, or once the resource manager confirmed it still leads
     * after a local pause, or never if it was deposed meanwhile.
     */
    void verdict(Runnable verdict);
  }

  /** One allocation on its way to another task executor. */
  private static final class Move {
    /** How it is shown while it waits: {@code PENDING}, no slot, the attempt its next placement will be. */
    final Allocation waiting;
    final String from;
    /** Why it left {@link #from}; {@code null} for a drain. */
    final LossReason cause;
    /** Wall-clock epoch milliseconds when it left. */
    final long since;
    final long dueAt;
    Cancellable retry;
    Cancellable deadline;
    /** The placement being asked for, or {@code null}. */
    Allocation placing;
    boolean pastDeadline;

    Move(Allocation waiting, String from, LossReason cause, long since, long dueAt) {
      this.waiting = waiting;
      this.from = from;
      this.cause = cause;
      this.since = since;
      this.dueAt = dueAt;
    }

    void cancelTimers() {
      if (retry != null) {
        retry.cancel();
        retry = null;
      }
      if (deadline != null) {
        deadline.cancel();
        deadline = null;
      }
    }
  }

  private final SlotManager slots;
  private final MainThreadExecutor main;
  private final Clock wallClock;
  private final AfterPersist persist;
  private final long retryNanos;
  private final Core core;
  private final Map<String, Move> moves = new LinkedHashMap<>();
  private final LinkedHashMap<String, AllocationFailure> failures = new LinkedHashMap<>();
  private boolean closed;

  /**
   * @param retryEvery how often a move that found no free slot looks again (besides whenever the core says slots
   *     were freed): the heartbeat interval
   */
  Relocations(SlotManager slots, MainThreadExecutor main, Clock wallClock, AfterPersist persist, Duration retryEvery,
      Core core) {
    this.slots = slots;
    this.main = main;
    this.wallClock = wallClock;
    this.persist = persist;
    this.retryNanos = retryEvery.toNanos();
    this.core = core;
  }

  /** Whether an allocation lost for {@code reason} is this class's business rather than reported lost. */
  static boolean relocates(Allocation a, LossReason reason) {
    return a.restart() != null && a.state() == Allocation.State.ALLOCATED && reason.appliesToTaskExecutors();
  }

  // ------------------------------------------------------------------ from the core

  /**
   * The task executor of {@code a} (already out of the slot manager) is gone for {@code reason}: a graceful leave
   * ({@link LossReason#DISCONNECTED}) moves it without counting; any other loss counts an attempt, and fails it if
   * that was its last. Call inside the loss's atomic section.
   */
  void taskExecutorGone(Allocation a, LossReason reason) {
    boolean counted = reason != LossReason.DISCONNECTED;
    if (counted && a.attempt() >= a.restart().maxAttempts()) {
      fail(a, a.taskExecutorId(), reason, LossReason.ATTEMPTS_EXHAUSTED, "task executor " + a.taskExecutorId()
          + " was lost (" + reason + ") during attempt " + a.attempt() + " of " + a.restart().maxAttempts());
      return;
    }
    begin(a, reason, counted ? a.attempt() + 1 : a.attempt());
  }

  /** An administrator drains the task executor of {@code a}, whose slot the core has freed: moved, not counted. */
  void drained(Allocation a) {
    persist.atomically(() -> begin(a, null, a.attempt()));
  }

  /** Whether {@code allocationId} is moving (waiting, or being placed). */
  boolean isMoving(String allocationId) {
    return moves.containsKey(allocationId);
  }

  /** Whether the store keeps a row for {@code allocationId} that a loss must not remove: moving or failed. */
  boolean keepsStored(String allocationId) {
    return moves.containsKey(allocationId) || failures.containsKey(allocationId);
  }

  /**
   * The task executor a moving allocation was being placed on is gone ({@code placement} is out of the slot
   * manager already): it did not run there, so nothing is counted; it looks for another slot at once.
   */
  void placementGone(Allocation placement) {
    Move m = moves.get(placement.allocationId());
    if (m == null || m.placing == null || !m.placing.taskExecutorId().equals(placement.taskExecutorId())) {
      return;
    }
    m.placing = null;
    if (m.pastDeadline) {
      noSlot(m);
    } else {
      scheduleRetry(m, 0);
    }
  }

  /**
   * The owner releases a moving allocation: it is gone (a placement being asked for is freed) and {@code
   * ALLOCATION_RELEASED} follows once stored.
   *
   * @return the released allocation as it was shown, or {@code null} if it is not moving
   */
  Allocation release(String allocationId) {
    Move m = moves.remove(allocationId);
    if (m == null) {
      return null;
    }
    m.cancelTimers();
    Allocation shown = m.placing != null ? m.placing : m.waiting;
    persist.atomically(() -> {
      if (m.placing != null) {
        slots.release(allocationId);
        core.changed();
      }
      persist.write(new Mutation.RemoveAllocation(allocationId));
      core.event(EventType.ALLOCATION_RELEASED, m.placing != null ? m.placing.taskExecutorId() : m.from, shown, null, "released by its job while moving from "
          + m.from, null);
    });
    if (m.placing != null) {
      persist.then(List.of(), () -> core.free(m.placing, "released by its job"));
    }
    return shown;
  }

  /** Slots may have been freed: every move past its backoff that waits for one looks again now. */
  void slotsFreed() {
    long now = main.nanoTime();
    for (Move m : List.copyOf(moves.values())) {
      if (m.placing == null && now >= m.dueAt && moves.get(m.waiting.allocationId()) == m) {
        place(m);
      }
    }
  }

  /** The job's allocations that wait for a new slot (those being placed are in the slot manager). */
  List<Allocation> waiting(String jobId) {
    List<Allocation> result = new ArrayList<>();
    for (Move m : moves.values()) {
      if (m.placing == null && (jobId == null || m.waiting.jobId().equals(jobId))) {
        result.add(m.waiting);
      }
    }
    return result;
  }

  /** The job's kept failures, oldest first; {@code jobId} {@code null} for every job. */
  List<AllocationFailure> failures(String jobId) {
    return failures.values().stream().filter(f -> jobId == null || f.allocation().jobId().equals(jobId)).toList();
  }

  /** Stops every timer; answers that arrive later are ignored (the resource manager is gone). */
  void close() {
    closed = true;
    for (Move m : moves.values()) {
      m.cancelTimers();
    }
  }

  // ------------------------------------------------------------------ restore

  /** Takes back a stored {@code MOVING} or {@code FAILED} allocation; false if it is neither. */
  boolean restore(StoredAllocation stored) {
    RestartPolicy restart = policy(stored);
    if (restart == null) {
      return false;
    }
    Allocation a = new Allocation(stored.allocationId(), stored.jobId(), null, -1, Allocation.State.PENDING,
        stored.createdAt(), stored.attempts(), restart);
    LossReason cause = stored.lastLossReason() == null ? null : LossReason.valueOf(stored.lastLossReason());
    if ("FAILED".equals(stored.state())) {
      failures.put(a.allocationId(), new AllocationFailure(a, stored.taskExecutorId(),
          LossReason.valueOf(stored.failureReason()), stored.movingSince(),
          "failed before the resource manager restarted"));
      return true;
    }
    if (!"MOVING".equals(stored.state())) {
      return false;
    }
    long elapsedMillis = Math.max(0, wallClock.millis() - stored.movingSince());
    long now = main.nanoTime();
    Move m = new Move(a, stored.taskExecutorId(), cause, stored.movingSince(),
        now + Math.max(0, restart.backoff().toMillis() - elapsedMillis) * 1_000_000);
    moves.put(a.allocationId(), m);
    m.deadline = main.schedule(() -> deadlineReached(m),
        Math.max(0, restart.deadline().toMillis() - elapsedMillis) * 1_000_000);
    scheduleRetry(m, m.dueAt - now);
    LOG.info("Allocation {} of job {} is still moving from {} (attempt {}); {} ms of its deadline left",
        a.allocationId(), a.jobId(), m.from, a.attempt(), Math.max(0, restart.deadline().toMillis() - elapsedMillis));
    return true;
  }

  /** The restart policy a stored allocation carries, or {@code null}. */
  static RestartPolicy policy(StoredAllocation stored) {
    return stored.maxAttempts() <= 0 ? null : new RestartPolicy(stored.maxAttempts(),
        Duration.ofMillis(stored.backoffMillis()), Duration.ofMillis(stored.deadlineMillis()));
  }

  /** {@code a} as stored in {@code state}: its last loss reason, when it began to move or failed, why it failed. */
  static Mutation stored(Allocation a, String state, String taskExecutorId, LossReason lastLoss, long since,
      LossReason failure) {
    RestartPolicy p = a.restart();
    return new Mutation.PutAllocation(new StoredAllocation(a.allocationId(), a.jobId(), taskExecutorId,
        a.slotIndex(), state, a.createdAt(), a.attempt(), lastLoss == null ? null : lastLoss.name(),
        p == null ? 0 : p.maxAttempts(), p == null ? 0 : p.backoff().toMillis(), p == null ? 0 : p.deadline().toMillis(),
        since, failure == null ? null : failure.name()));
  }

  // ------------------------------------------------------------------ rules

  private void begin(Allocation a, LossReason cause, int nextAttempt) {
    Allocation waiting = a.placedAt(null, -1, nextAttempt);
    long since = wallClock.millis();
    long now = main.nanoTime();
    RestartPolicy p = a.restart();
    Move m = new Move(waiting, a.taskExecutorId(), cause, since, now + p.backoff().toNanos());
    moves.put(a.allocationId(), m);
    persist.write(stored(waiting, "MOVING", a.taskExecutorId(), cause, since, null));
    m.deadline = main.schedule(() -> deadlineReached(m), p.deadline().toNanos());
    scheduleRetry(m, p.backoff().toNanos());
    LOG.info("Allocation {} of job {} leaves task executor {} ({}); placed again in {} as attempt {} of {}",
        a.allocationId(), a.jobId(), a.taskExecutorId(), cause == null ? "drained" : cause,
        Durations.format(p.backoff()), nextAttempt, p.maxAttempts());
  }

  private void scheduleRetry(Move m, long delayNanos) {
    if (m.retry != null) {
      m.retry.cancel();
    }
    m.retry = main.schedule(() -> {
      m.retry = null;
      if (moves.get(m.waiting.allocationId()) == m && m.placing == null) {
        place(m);
      }
    }, Math.max(0, delayNanos));
  }

  /** Takes a free slot on another task executor and asks it; without one, looks again after the retry interval. */
  private void place(Move m) {
    Allocation placement = slots.place(m.waiting, m.from, m.waiting.attempt());
    if (placement == null) {
      LOG.debug("No free slot on another task executor for allocation {} yet", m.waiting.allocationId());
      scheduleRetry(m, retryNanos);
      return;
    }
    if (m.retry != null) {
      m.retry.cancel();
      m.retry = null;
    }
    m.placing = placement;
    core.changed();
    CompletableFuture<Void> asked;
    try {
      asked = core.ask(placement);
    } catch (RuntimeException e) {
      asked = CompletableFuture.failedFuture(e);
    }
    asked.whenComplete((v, failure) -> main.execute(() -> answered(m, placement, failure)));
  }

  private void answered(Move m, Allocation placement, Throwable failure) {
    if (closed) {
      return;
    }
    if (moves.get(placement.allocationId()) != m || m.placing != placement) {
      // Released, or its new task executor was lost while it was asked: a slot it took there is not ours.
      if (failure == null && slots.allocation(placement.allocationId()) == null) {
        core.free(placement, "allocation is not held here");
      }
      return;
    }
    m.placing = null;
    if (failure != null) {
      slots.release(placement.allocationId());
      core.changed();
      LOG.info("Task executor {} refused the slot for moving allocation {}: {}", placement.taskExecutorId(),
          placement.allocationId(), failure.toString());
      if (m.pastDeadline) {
        noSlot(m);
      } else {
        scheduleRetry(m, retryNanos);
      }
      return;
    }
    moves.remove(placement.allocationId());
    m.cancelTimers();
    Allocation moved = slots.confirm(placement.allocationId(), main.nanoTime());
    RestartPolicy p = moved.restart();
    String detail = "moved from " + m.from + " to " + moved.taskExecutorId() + " (slot " + moved.slotIndex() + ") "
        + (m.cause == null ? "as its task executor is drained" : m.cause == LossReason.DISCONNECTED
            ? "after its task executor left" : "after its task executor was lost (" + m.cause + ")")
        + "; attempt " + moved.attempt() + " of " + p.maxAttempts();
    persist.atomically(() -> {
      persist.write(stored(moved, Allocation.State.ALLOCATED.name(), moved.taskExecutorId(), m.cause, 0, null));
      core.event(EventType.ALLOCATION_MOVED, moved.taskExecutorId(), moved, m.cause, detail, m.from);
    });
    LOG.info("Allocation {} of job {} {}", moved.allocationId(), moved.jobId(), detail);
    core.notifyListeners(l -> l.allocationMoved(moved, m.from));
  }

  private void deadlineReached(Move m) {
    m.deadline = null;
    core.verdict(() -> {
      if (moves.get(m.waiting.allocationId()) != m) {
        return;
      }
      if (m.placing != null) {
        m.pastDeadline = true; // the answer of the task executor being asked decides
        return;
      }
      noSlot(m);
    });
  }

  private void noSlot(Move m) {
    moves.remove(m.waiting.allocationId());
    m.cancelTimers();
    persist.atomically(() -> fail(m.waiting, m.from, m.cause, LossReason.NO_SLOT_BEFORE_DEADLINE,
        "no other task executor had a free slot for it within " + Durations.format(m.waiting.restart().deadline())
            + " after it left " + m.from));
  }

  /** Records the terminal failure of {@code a} (no longer anywhere else) and tells everybody once stored. */
  private void fail(Allocation a, String lastTaskExecutorId, LossReason lastLoss, LossReason reason, String detail) {
    Allocation failed = a.placedAt(null, -1, a.attempt());
    long now = wallClock.millis();
    failures.put(a.allocationId(), new AllocationFailure(failed, lastTaskExecutorId, reason, now, detail));
    persist.write(stored(failed, "FAILED", lastTaskExecutorId, lastLoss, now, reason));
    Iterator<String> oldest = failures.keySet().iterator();
    while (failures.size() > KEPT_FAILURES) {
      persist.write(new Mutation.RemoveAllocation(oldest.next()));
      oldest.remove();
    }
    core.event(EventType.ALLOCATION_FAILED, lastTaskExecutorId, failed, reason, detail, null);
    LOG.warn("Allocation {} of job {} failed ({}): {}", a.allocationId(), a.jobId(), reason, detail);
    core.notifyListeners(l -> l.allocationFailed(failed, reason, detail));
  }
}
