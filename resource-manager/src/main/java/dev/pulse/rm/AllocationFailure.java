package dev.pulse.rm;

/**
 * An allocation that failed for good (SPEC 10): its terminal record, kept (durably) for the job's view.
 *
 * @param allocation the allocation as it was last (its attempt, its policy; no slot)
 * @param lastTaskExecutorId the task executor it was last on
 * @param reason {@link LossReason#ATTEMPTS_EXHAUSTED} or {@link LossReason#NO_SLOT_BEFORE_DEADLINE}
 * @param time when it failed, epoch milliseconds
 * @param detail a sentence for people
 */
public record AllocationFailure(Allocation allocation, String lastTaskExecutorId, LossReason reason, long time,
    String detail) {}
