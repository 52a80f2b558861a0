package dev.pulse.te;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class SlotTableTest {

  private final SlotTable table = new SlotTable(3);

  @Test
  void newTable_hasEverySlotFree() {
    assertThat(table.snapshot()).containsExactly(TaskSlot.free(0), TaskSlot.free(1), TaskSlot.free(2));
    assertThat(table.report()).isEqualTo(SlotReport.allFree(3));
    assertThat(table.allocatedSlots()).isZero();
  }

  @Test
  void allocate_freeSlot_holdsTheAllocation() {
    assertThat(table.allocate(1, "a-1", "job-1")).isTrue();

    assertThat(table.snapshot().get(1)).isEqualTo(new TaskSlot(1, "a-1", "job-1"));
    assertThat(table.report().slots().get(1)).isEqualTo(new TaskSlot(1, "a-1", "job-1"));
  }

  @Test
  void allocate_sameAllocationOnSameSlotAgain_succeedsWithoutChange() {
    table.allocate(1, "a-1", "job-1");
    SlotReport before = table.report();

    assertThat(table.allocate(1, "a-1", "job-1")).isFalse();

    assertThat(table.report()).isSameAs(before);
  }

  @Test
  void allocate_slotHoldingAnotherAllocation_isRefusedNamingBoth() {
    table.allocate(1, "a-1", "job-1");

    assertThatThrownBy(() -> table.allocate(1, "a-2", "job-2"))
        .isInstanceOf(SlotConflictException.class)
        .hasMessageContaining("slot 1 holds allocation a-1 of job job-1")
        .hasMessageContaining("a-2");
    assertThat(table.snapshot().get(1).allocationId()).isEqualTo("a-1");
  }

  @Test
  void allocate_sameAllocationForAnotherJob_isRefused() {
    table.allocate(1, "a-1", "job-1");

    assertThatThrownBy(() -> table.allocate(1, "a-1", "job-2")).isInstanceOf(SlotConflictException.class);
  }

  @Test
  void allocate_allocationThatHoldsAnotherSlot_isRefused() {
    table.allocate(0, "a-1", "job-1");

    assertThatThrownBy(() -> table.allocate(2, "a-1", "job-1"))
        .isInstanceOf(SlotConflictException.class)
        .hasMessageContaining("already holds slot 0");
    assertThat(table.snapshot().get(2).isFree()).isTrue();
  }

  @Test
  void allocate_indexOutOfRange_throws() {
    assertThatThrownBy(() -> table.allocate(3, "a-1", "job-1")).isInstanceOf(IndexOutOfBoundsException.class);
  }

  @Test
  void free_heldAllocation_returnsTheSlotAsItWasAndFreesIt() {
    table.allocate(2, "a-1", "job-1");

    assertThat(table.free("a-1")).isEqualTo(new TaskSlot(2, "a-1", "job-1"));

    assertThat(table.snapshot().get(2).isFree()).isTrue();
    assertThat(table.report().slots().get(2).isFree()).isTrue();
    assertThat(table.allocate(2, "a-2", "job-1")).isTrue();
  }

  @Test
  void free_unknownAllocation_isANoOp() {
    table.allocate(0, "a-1", "job-1");
    SlotReport before = table.report();

    assertThat(table.free("nobody")).isNull();

    assertThat(table.report()).isSameAs(before);
  }

  @Test
  void freeAll_freesEverySlotAndReturnsTheHeldOnes() {
    table.allocate(0, "a-1", "job-1");
    table.allocate(2, "a-2", "job-2");

    assertThat(table.freeAll()).containsExactly(new TaskSlot(0, "a-1", "job-1"), new TaskSlot(2, "a-2", "job-2"));

    assertThat(table.snapshot()).allMatch(TaskSlot::isFree);
    assertThat(table.allocatedSlots()).isZero();
    assertThat(table.freeAll()).isEmpty();
  }

  @Test
  void report_isReusedUntilTheTableChanges() {
    SlotReport first = table.report();
    assertThat(table.report()).isSameAs(first);

    table.allocate(0, "a-1", "job-1");

    assertThat(table.report()).isNotSameAs(first);
  }

  @Test
  void constructor_refusesSlotCountsOutside1To1024() {
    assertThatThrownBy(() -> new SlotTable(0)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new SlotTable(1025)).isInstanceOf(IllegalArgumentException.class);
    assertThat(new SlotTable(1024).report().slots()).hasSize(1024);
  }
}
