package dev.pulse.rm.store;

/**
 * An allocation as stored.
 *
 * @param state {@code PENDING} (persisted before the task executor is asked) or {@code ALLOCATED}
 * @param createdAt wall-clock epoch milliseconds
 * @param attempts placements so far (lifecycle issue; 1 until then)
 * @param lastLossReason name of the last loss reason, or {@code null}
 */
public record StoredAllocation(String allocationId, String jobId, String taskExecutorId, int slotIndex, String state,
    long createdAt, int attempts, String lastLossReason) {}
