package dev.pulse.rm;

/**
 * One slot as a task executor reports it.
 *
 * @param index 0-based slot index
 * @param allocationId the allocation it holds, or {@code null} when free
 * @param jobId that allocation's job, or {@code null} when free
 */
public record ReportedSlot(int index, String allocationId, String jobId) {

  /** Free slots as every report names them, shared: a task executor has at most 1,024 slots. */
  private static final ReportedSlot[] FREE = new ReportedSlot[1024];

  static {
    for (int i = 0; i < FREE.length; i++) {
      FREE[i] = new ReportedSlot(i, null, null);
    }
  }

  /** Free slot {@code index}; the same instance every time for the indexes a task executor can have. */
  public static ReportedSlot free(int index) {
    return index >= 0 && index < FREE.length ? FREE[index] : new ReportedSlot(index, null, null);
  }

  public boolean isFree() {
    return allocationId == null;
  }
}
