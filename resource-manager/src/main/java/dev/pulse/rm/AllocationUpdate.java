package dev.pulse.rm;

/**
 * What a job's watcher is told about one of its allocations.
 *
 * @param seq the event-log sequence number of the change
 * @param type {@code ALLOCATION_CREATED}, {@code ALLOCATION_RELEASED} or {@code ALLOCATION_LOST}
 * @param allocation the allocation as it was when the change happened
 * @param reason for losses of the task executor, why; otherwise {@code null}
 * @param time epoch milliseconds
 * @param detail a sentence for people
 */
public record AllocationUpdate(long seq, EventType type, Allocation allocation, LossReason reason, long time,
    String detail) {}
