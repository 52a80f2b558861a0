package dev.pulse.te;

import dev.pulse.config.Limits;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The task executor's slots: which allocation (of which job) holds each one.
 *
 * <p>Rules (task_executor_gateway.proto): a free slot may be given to an allocation; asking again for
 * the allocation the slot already holds succeeds and changes nothing, so the resource manager may
 * retry; a slot that holds another allocation is refused, and so is an allocation that already holds
 * another slot. Freeing an allocation the table does not hold succeeds and changes nothing.
 *
 * <p>Thread-safety: confined to the task executor's main thread, except {@link #snapshot()}, which
 * any thread may read. The {@link #report()} is built once per change, not per heartbeat, so the
 * transport may cache its wire form per report.
 */
final class SlotTable {

  private final String[] allocationIds;
  private final String[] jobIds;
  private final Map<String, Integer> slotOfAllocation = new HashMap<>();
  /** The current table; replaced on every change. */
  private volatile SlotReport report;

  /**
   * @throws IllegalArgumentException unless {@code 1 <= numberOfSlots <= 1024}
   */
  SlotTable(int numberOfSlots) {
    if (numberOfSlots < 1 || numberOfSlots > Limits.MAX_TASK_SLOTS) {
      throw new IllegalArgumentException("numberOfSlots must be between 1 and " + Limits.MAX_TASK_SLOTS
          + ", was " + numberOfSlots);
    }
    this.allocationIds = new String[numberOfSlots];
    this.jobIds = new String[numberOfSlots];
    publish();
  }

  int size() {
    return allocationIds.length;
  }

  /** Slots that hold an allocation. */
  int allocatedSlots() {
    return slotOfAllocation.size();
  }

  /**
   * Gives slot {@code index} to {@code allocationId} of {@code jobId}.
   *
   * @return {@code true} if the slot was free and now holds the allocation, {@code false} if it held
   *     this very allocation already
   * @throws IndexOutOfBoundsException if there is no slot {@code index}
   * @throws SlotConflictException if the slot holds another allocation, or the allocation holds
   *     another slot
   */
  boolean allocate(int index, String allocationId, String jobId) {
    Objects.checkIndex(index, allocationIds.length);
    Objects.requireNonNull(allocationId, "allocationId");
    Objects.requireNonNull(jobId, "jobId");
    String holder = allocationIds[index];
    if (holder != null) {
      if (holder.equals(allocationId) && jobIds[index].equals(jobId)) {
        return false;
      }
      throw new SlotConflictException("slot " + index + " holds allocation " + holder + " of job " + jobIds[index]
          + "; it cannot be given to allocation " + allocationId + " of job " + jobId);
    }
    Integer other = slotOfAllocation.get(allocationId);
    if (other != null) {
      throw new SlotConflictException("allocation " + allocationId + " already holds slot " + other
          + "; it cannot hold slot " + index + " too");
    }
    allocationIds[index] = allocationId;
    jobIds[index] = jobId;
    slotOfAllocation.put(allocationId, index);
    publish();
    return true;
  }

  /**
   * Frees the slot that holds {@code allocationId}.
   *
   * @return the slot as it was before (holding the allocation), or {@code null} if no slot held it
   */
  TaskSlot free(String allocationId) {
    Integer index = slotOfAllocation.remove(allocationId);
    if (index == null) {
      return null;
    }
    TaskSlot was = new TaskSlot(index, allocationIds[index], jobIds[index]);
    allocationIds[index] = null;
    jobIds[index] = null;
    publish();
    return was;
  }

  /** Frees every slot; returns the slots that held an allocation, as they were, by index. */
  List<TaskSlot> freeAll() {
    if (slotOfAllocation.isEmpty()) {
      return List.of();
    }
    List<TaskSlot> freed = new ArrayList<>(slotOfAllocation.size());
    for (int i = 0; i < allocationIds.length; i++) {
      if (allocationIds[i] != null) {
        freed.add(new TaskSlot(i, allocationIds[i], jobIds[i]));
        allocationIds[i] = null;
        jobIds[i] = null;
      }
    }
    slotOfAllocation.clear();
    publish();
    return freed;
  }

  /**
   * The table as of its last change: every slot once, by index. The same instance until the next
   * change; safe to call from any thread.
   */
  SlotReport report() {
    return report;
  }

  /** The slots of {@link #report()}; safe to call from any thread. */
  List<TaskSlot> snapshot() {
    return report.slots();
  }

  private void publish() {
    List<TaskSlot> slots = new ArrayList<>(allocationIds.length);
    for (int i = 0; i < allocationIds.length; i++) {
      slots.add(new TaskSlot(i, allocationIds[i], jobIds[i]));
    }
    report = new SlotReport(slots);
  }
}
