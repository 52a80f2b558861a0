package dev.pulse.rm.store;

/** An event of the resource manager's log as stored; enum values by name. */
public record StoredEvent(long seq, long time, String type, String taskExecutorId, String allocationId, String jobId,
    String reason, int slotsReleased, String detail) {}
