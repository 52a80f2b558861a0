package dev.pulse.rm;

import java.util.List;

/** A task executor's full slot table, as carried by each heartbeat answer. Immutable. */
public record SlotReport(List<ReportedSlot> slots) {

  public SlotReport {
    slots = List.copyOf(slots);
  }

  /** A report of {@code count} free slots. */
  public static SlotReport allFree(int count) {
    ReportedSlot[] slots = new ReportedSlot[count];
    for (int i = 0; i < count; i++) {
      slots[i] = ReportedSlot.free(i);
    }
    return new SlotReport(List.of(slots));
  }
}
