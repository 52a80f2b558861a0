package dev.pulse.rm;

/**
 * Why a task executor, or an allocation on it, was lost: a closed list, and every loss carries one.
 * {@link #DROPPED_BY_TASK_EXECUTOR} applies to allocations only; the others to a task executor and to
 * every allocation it held.
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
  RECOVERY_TIMEOUT;

  /** Whether a whole task executor can be lost for this reason (and not only one allocation). */
  public boolean appliesToTaskExecutors() {
    return this != DROPPED_BY_TASK_EXECUTOR;
  }
}
