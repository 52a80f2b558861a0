package dev.pulse.rm;

/**
 * Lets an embedding scheduler react in-process to what the resource manager sees. Every method is
 * called on the resource manager's main thread, after its state changed; keep them short and do not
 * block (hand work to your own executor). All methods default to doing nothing.
 */
public interface ResourceManagerListener {

  /** A task executor registered (or re-registered as a new instance). */
  default void taskExecutorRegistered(TaskExecutorInfo taskExecutor) {}

  /** A task executor was declared lost; its slots are gone and its allocations lost. */
  default void taskExecutorLost(String taskExecutorId, LossReason reason, String detail) {}

  /**
   * An allocation was lost: its task executor was lost ({@code reason} is why) or no longer holds the
   * slot ({@link LossReason#DROPPED_BY_TASK_EXECUTOR}). {@code reason} is never {@code null}. The job
   * should reschedule what ran there.
   */
  default void allocationLost(Allocation allocation, LossReason reason, String detail) {}

  /**
   * An allocation with a {@link RestartPolicy} runs on another task executor now: {@code allocation} is at its new
   * place (same id), {@code fromTaskExecutorId} is the one it left.
   */
  default void allocationMoved(Allocation allocation, String fromTaskExecutorId) {}

  /**
   * An allocation with a {@link RestartPolicy} failed for good: {@code reason} is {@link
   * LossReason#ATTEMPTS_EXHAUSTED} or {@link LossReason#NO_SLOT_BEFORE_DEADLINE}. It is never placed again.
   */
  default void allocationFailed(Allocation allocation, LossReason reason, String detail) {}

  /** Every event appended to the log, including those above. */
  default void onEvent(ResourceManagerEvent event) {}
}
