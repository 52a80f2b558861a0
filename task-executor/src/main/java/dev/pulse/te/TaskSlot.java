package dev.pulse.te;

/**
 * One slot of a task executor as seen at one moment: free, or held by an allocation of a job.
 *
 * @param index 0-based index of the slot on its task executor
 * @param allocationId the allocation holding the slot, {@code null} when the slot is free
 * @param jobId the job of that allocation, {@code null} when the slot is free
 */
public record TaskSlot(int index, String allocationId, String jobId) {

  /** A free slot. */
  public static TaskSlot free(int index) {
    return new TaskSlot(index, null, null);
  }

  public boolean isFree() {
    return allocationId == null;
  }

  @Override
  public String toString() {
    return isFree() ? "slot " + index + " (free)"
        : "slot " + index + " (allocation " + allocationId + " of job " + jobId + ")";
  }
}
