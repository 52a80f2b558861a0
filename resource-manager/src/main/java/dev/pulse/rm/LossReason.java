package dev.pulse.rm;

/**
 * Why a task executor, or an allocation on it, was lost or failed: a closed list, and every loss and failure
 * carries one. {@link #DROPPED_BY_TASK_EXECUTOR} applies to lost allocations only, {@link #ATTEMPTS_EXHAUSTED}
 * and {@link #NO_SLOT_BEFORE_DEADLINE} to failed ones ({@code ALLOCATION_FAILED}, SPEC 10); the others to a task
 * executor and to every allocation it held.
 */
public enum LossReason {
  /** Nothing heard from it for {@code heartbeat.timeout}. */
  HEARTBEAT_TIMEOUT,
  /** {@code heartbeat.rpc-failure-threshold} heartbeat RPCs in a row could not reach it. */
  UNREACHABLE,
  /** A new process (instance) registered or answered under its resource id. */
  RESTARTED,
  /** It said goodbye (graceful shutdown) or its registration was withdrawn. */
  DISCONNECTED,
  /**
   * The task executor is alive, but its slot report no longer holds the allocation: it freed the slot
   * on its own. Allocations only.
   */
  DROPPED_BY_TASK_EXECUTOR,
  /**
   * Known from the registry store after a resource manager restart, it did not register again within
   * {@code resourcemanager.recovery.timeout}.
   */
  RECOVERY_TIMEOUT,
  /**
   * Allocations with a {@link RestartPolicy} only: its task executor was lost (not gracefully) while it was on
   * its last attempt, so it failed instead of being placed again.
   */
  ATTEMPTS_EXHAUSTED,
  /**
   * Allocations with a {@link RestartPolicy} only: no other task executor had a free slot for it within the
   * policy's deadline after its task executor was lost.
   */
  NO_SLOT_BEFORE_DEADLINE;

  /** Whether a whole task executor can be lost for this reason (and not only one allocation). */
  public boolean appliesToTaskExecutors() {
    return this != DROPPED_BY_TASK_EXECUTOR && !failsAllocations();
  }

  /** Whether this is why an allocation failed for good ({@code ALLOCATION_FAILED}) rather than was lost. */
  public boolean failsAllocations() {
    return this == ATTEMPTS_EXHAUSTED || this == NO_SLOT_BEFORE_DEADLINE;
  }
}
