package dev.pulse.rm.store;

/**
 * An allocation as stored.
 *
 * @param taskExecutorId where it is; for {@code MOVING} and {@code FAILED}, the task executor it was last on
 * @param slotIndex its slot; -1 for {@code MOVING} and {@code FAILED}
 * @param state {@code PENDING} (persisted before the task executor is asked), {@code ALLOCATED}, {@code MOVING}
 *     (acknowledged, its task executor gone, waiting to be placed again) or {@code FAILED} (terminal; kept for the
 *     job's view)
 * @param createdAt wall-clock epoch milliseconds
 * @param attempts the attempt it is on, counted against {@code maxAttempts} (1 for the first placement)
 * @param lastLossReason name of the last loss reason, or {@code null}
 * @param maxAttempts its restart policy's attempts, or 0 without a restart policy
 * @param backoffMillis its restart policy's backoff (0 without one)
 * @param deadlineMillis its restart policy's deadline (0 without one)
 * @param movingSince for {@code MOVING}, when its task executor was lost (wall-clock epoch milliseconds); for
 *     {@code FAILED}, when it failed; otherwise 0
 * @param failureReason for {@code FAILED}, the name of the reason; otherwise {@code null}
 */
public record StoredAllocation(String allocationId, String jobId, String taskExecutorId, int slotIndex, String state,
    long createdAt, int attempts, String lastLossReason, int maxAttempts, long backoffMillis, long deadlineMillis,
    long movingSince, String failureReason) {

  /** An allocation without a restart policy. */
  public StoredAllocation(String allocationId, String jobId, String taskExecutorId, int slotIndex, String state,
      long createdAt, int attempts, String lastLossReason) {
    this(allocationId, jobId, taskExecutorId, slotIndex, state, createdAt, attempts, lastLossReason, 0, 0, 0, 0, null);
  }
}
