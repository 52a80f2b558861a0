package dev.pulse.rm;

import dev.pulse.config.Durations;
import dev.pulse.heartbeat.time.Cancellable;
import dev.pulse.heartbeat.time.MainThreadExecutor;
import dev.pulse.rm.store.StoredQuarantine;
import java.time.Clock;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Carries out the {@link Quarantines}' decisions in the resource manager (SPEC 11), as Flink's blocklist
 * handler does its tracker's: it stores each change, stops or resumes offering the resource id's slots,
 * times each quarantine's end and reports {@code TASK_EXECUTOR_QUARANTINED} and
 * {@code TASK_EXECUTOR_RELEASED_FROM_QUARANTINE}.
 *
 * <p>A quarantine's end is wall-clock time (it must survive a restart); its timer runs on the main thread's
 * monotonic clock and looks again if the wall clock is not there yet. Thread-safety: confined to the resource
 * manager's main thread.
 */
final class QuarantineHandler {

  private static final Logger LOG = LoggerFactory.getLogger(QuarantineHandler.class);

  /** Where the handler reports; the {@link ResourceManagerCore}. */
  interface Reports {
    /** Stores and publishes an event about {@code taskExecutorId} (after everything stored before it). */
    void event(EventType type, String taskExecutorId, String detail);

    /** Slots were offered or withdrawn, or the number of quarantined ids changed. */
    void changed();
  }

  private final Quarantines quarantines;
  private final SlotManager slots;
  private final MainThreadExecutor main;
  private final Clock wallClock;
  private final AfterPersist persist;
  private final Reports reports;
  private final Map<String, Cancellable> timers = new HashMap<>();

  QuarantineHandler(QuarantineConfig config, SlotManager slots, MainThreadExecutor main, Clock wallClock,
      AfterPersist persist, Reports reports) {
    this.quarantines = new Quarantines(config);
    this.slots = slots;
    this.main = main;
    this.wallClock = wallClock;
    this.persist = persist;
    this.reports = reports;
  }

  /** Takes back the stored loss histories and quarantines; a quarantine that ended meanwhile ends at once. */
  void restore(List<StoredQuarantine> stored) {
    quarantines.restore(stored);
    for (Map.Entry<String, Long> q : quarantines.quarantined().entrySet()) {
      slots.setQuarantined(q.getKey(), true);
      scheduleEnd(q.getKey(), q.getValue());
    }
    if (!timers.isEmpty()) {
      LOG.info("{} resource id(s) are quarantined, as stored: {}", timers.size(), timers.keySet());
    }
  }

  /** The task executor was lost for {@code reason}; a loss that counts may quarantine it. */
  void lost(String taskExecutorId, LossReason reason) {
    apply(taskExecutorId, quarantines.lost(taskExecutorId, reason, wallClock.millis()), null);
  }

  /**
   * An administrator lifts the quarantine; completes with whether there was one, once the release is durable.
   */
  CompletableFuture<Boolean> lift(String taskExecutorId) {
    Quarantines.Step step = quarantines.lift(taskExecutorId);
    if (step.kind() == Quarantines.Kind.NONE) {
      return CompletableFuture.completedFuture(false);
    }
    apply(taskExecutorId, step, "lifted by an administrator");
    CompletableFuture<Boolean> lifted = new CompletableFuture<>();
    persist.then(List.of(), () -> lifted.complete(true), lifted::completeExceptionally);
    return lifted;
  }

  boolean isQuarantined(String taskExecutorId) {
    return quarantines.isQuarantined(taskExecutorId);
  }

  /** Epoch milliseconds the quarantine ends; 0 if there is none. */
  long quarantinedUntil(String taskExecutorId) {
    return quarantines.quarantinedUntil(taskExecutorId);
  }

  /** Resource ids quarantined now. */
  int count() {
    return timers.size();
  }

  /** Cancels every timer. */
  void close() {
    timers.values().forEach(Cancellable::cancel);
    timers.clear();
  }

  private void due(String taskExecutorId) {
    timers.remove(taskExecutorId);
    Quarantines.Step step = quarantines.expire(taskExecutorId, wallClock.millis());
    if (step.kind() == Quarantines.Kind.NONE && quarantines.isQuarantined(taskExecutorId)) {
      // The wall clock is behind the main thread's timer (or was set back): look again when it says so.
      scheduleEnd(taskExecutorId, quarantines.quarantinedUntil(taskExecutorId));
      return;
    }
    apply(taskExecutorId, step, "its quarantine ended");
  }

  private void apply(String taskExecutorId, Quarantines.Step step, String releasedBecause) {
    if (step.store() != null) {
      persist.write(step.store());
    }
    switch (step.kind()) {
      case QUARANTINED -> {
        slots.setQuarantined(taskExecutorId, true);
        scheduleEnd(taskExecutorId, step.until());
        QuarantineConfig config = quarantines.config();
        String detail = "lost " + config.maxLosses() + " times within " + Durations.format(config.window())
            + " (graceful leaves not counted); no new allocation until " + Instant.ofEpochMilli(step.until())
            + " (" + Durations.format(step.backoff()) + ")";
        LOG.warn("Task executor {} is quarantined: {}", taskExecutorId, detail);
        reports.event(EventType.TASK_EXECUTOR_QUARANTINED, taskExecutorId, detail);
      }
      case RELEASED -> {
        slots.setQuarantined(taskExecutorId, false);
        Cancellable timer = timers.remove(taskExecutorId);
        if (timer != null) {
          timer.cancel();
        }
        LOG.info("Task executor {} is released from quarantine: {}", taskExecutorId, releasedBecause);
        reports.event(EventType.TASK_EXECUTOR_RELEASED_FROM_QUARANTINE, taskExecutorId, releasedBecause);
      }
      default -> {
        return;
      }
    }
    reports.changed();
  }

  private void scheduleEnd(String taskExecutorId, long untilMillis) {
    long delayNanos = Math.max(0, untilMillis - wallClock.millis()) * 1_000_000;
    Cancellable previous = timers.put(taskExecutorId, main.schedule(() -> due(taskExecutorId), delayNanos));
    if (previous != null) {
      previous.cancel();
    }
  }
}
