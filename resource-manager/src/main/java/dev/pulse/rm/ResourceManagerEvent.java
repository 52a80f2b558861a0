package dev.pulse.rm;

/**
 * One entry of the resource manager's event log. Immutable.
 *
 * @param seq position in the log, starting at 1, without gaps
 * @param time wall-clock time, epoch milliseconds
 * @param type what happened
 * @param taskExecutorId the task executor concerned, or {@code null}
 * @param allocationId the allocation concerned, or {@code null}
 * @param jobId the job of that allocation, or {@code null}
 * @param reason for losses, why; otherwise {@code null}
 * @param slotsReleased for {@code TASK_EXECUTOR_LOST}, the slots that left the pool; otherwise 0
 * @param detail a sentence for people, never {@code null}
 */
public record ResourceManagerEvent(long seq, long time, EventType type, String taskExecutorId,
    String allocationId, String jobId, LossReason reason, int slotsReleased, String detail) {}
