package dev.pulse.rm;

/** Types of {@link ResourceManagerEvent}, as served by {@code GET /v1/events}. */
public enum EventType {
  TASK_EXECUTOR_REGISTERED,
  TASK_EXECUTOR_LOST,
  ALLOCATION_CREATED,
  ALLOCATION_RELEASED,
  ALLOCATION_LOST,
  LOCAL_PAUSE_DETECTED,
  /** Enough task executors fell silent at once that the resource manager may be the one cut off (SPEC 11). */
  MASS_FAILURE_SUSPECTED,
  /** Too few task executors are silent for a mass failure any more; the silent ones get a fresh timeout. */
  MASS_FAILURE_ENDED,
  /** A resource id lost too often within the window gets no new allocation until its quarantine ends. */
  TASK_EXECUTOR_QUARANTINED,
  /** A quarantine ended, or an administrator lifted it. */
  TASK_EXECUTOR_RELEASED_FROM_QUARANTINE,
  /**
   * An allocation with a {@link RestartPolicy} runs on another task executor now (same allocation id): its
   * task executor was lost, left or was drained. The event's task executor is the new one; the detail names both.
   */
  ALLOCATION_MOVED,
  /**
   * An allocation with a {@link RestartPolicy} failed for good ({@link LossReason#ATTEMPTS_EXHAUSTED} or
   * {@link LossReason#NO_SLOT_BEFORE_DEADLINE}): terminal, never placed again.
   */
  ALLOCATION_FAILED
}
