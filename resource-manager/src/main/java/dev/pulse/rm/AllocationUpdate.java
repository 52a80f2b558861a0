package dev.pulse.rm;

/**
 * What a job's watcher is told about one of its allocations.
 *
 * @param seq the event-log sequence number of the change
 * @param type {@code ALLOCATION_CREATED}, {@code ALLOCATION_RELEASED}, {@code ALLOCATION_LOST},
 *     {@code ALLOCATION_MOVED} or {@code ALLOCATION_FAILED}
 * @param allocation the allocation as it was when the change happened (for a move: at its new place)
 * @param reason for losses and failures, why; otherwise {@code null}
 * @param time epoch milliseconds
 * @param detail a sentence for people
 * @param previousTaskExecutorId for {@code ALLOCATION_MOVED} as it happens, the task executor it left; otherwise
 *     {@code null} (also in a replay after a restart, whose detail still names it)
 */
public record AllocationUpdate(long seq, EventType type, Allocation allocation, LossReason reason, long time,
    String detail, String previousTaskExecutorId) {

  /** An update that is not a move. */
  public AllocationUpdate(long seq, EventType type, Allocation allocation, LossReason reason, long time,
      String detail) {
    this(seq, type, allocation, reason, time, detail, null);
  }
}
