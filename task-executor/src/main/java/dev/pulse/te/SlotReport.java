package dev.pulse.te;

import java.util.List;

/**
 * The task executor's whole slot table at one moment, every slot once, by index: what each heartbeat
 * answer and registration carries. Immutable; the slot table builds one per change, so the transport
 * may cache its wire form per instance.
 */
public record SlotReport(List<TaskSlot> slots) {

  public SlotReport {
    slots = List.copyOf(slots);
  }

  /** A report of {@code count} free slots. */
  public static SlotReport allFree(int count) {
    TaskSlot[] slots = new TaskSlot[count];
    for (int i = 0; i < count; i++) {
      slots[i] = TaskSlot.free(i);
    }
    return new SlotReport(List.of(slots));
  }
}
