package dev.pulse.rm;

/**
 * One slot as a task executor reports it.
 *
 * @param index 0-based slot index
 * @param allocationId the allocation it holds, or {@code null} when free
 * @param jobId that allocation's job, or {@code null} when free
 */
public record ReportedSlot(int index, String allocationId, String jobId) {

  public static ReportedSlot free(int index) {
    return new ReportedSlot(index, null, null);
  }

  public boolean isFree() {
    return allocationId == null;
  }
}
