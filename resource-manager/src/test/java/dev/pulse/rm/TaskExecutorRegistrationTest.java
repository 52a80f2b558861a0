package dev.pulse.rm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pulse.config.Limits;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The registration's field checks, at the edges of each range. */
class TaskExecutorRegistrationTest {

  private static TaskExecutorRegistration withSlots(int slots, ReportedSlot... report) {
    return new TaskExecutorRegistration("te-1", "i-1", "127.0.0.1:7000", slots,
        report.length == 0 ? null : new SlotReport(List.of(report)));
  }

  @Test
  void slots_fromOneToTheLimit() {
    assertThatCode(() -> withSlots(1).validate()).doesNotThrowAnyException();
    assertThatCode(() -> withSlots(Limits.MAX_TASK_SLOTS).validate()).doesNotThrowAnyException();
    assertThatThrownBy(() -> withSlots(0).validate()).isInstanceOf(RegistrationRejectedException.class)
        .hasMessage("number_of_slots: must be between 1 and " + Limits.MAX_TASK_SLOTS + ", was 0");
    assertThatThrownBy(() -> withSlots(Limits.MAX_TASK_SLOTS + 1).validate())
        .hasMessageStartingWith("number_of_slots: ");
  }

  @Test
  void slotReport_indexesWithinTheSlots() {
    assertThatCode(() -> withSlots(2, ReportedSlot.free(0), new ReportedSlot(1, "a1", "job-1")).validate())
        .doesNotThrowAnyException();
    assertThatThrownBy(() -> withSlots(2, ReportedSlot.free(2)).validate())
        .hasMessage("slot_report: slot index 2 is outside 0..1");
    assertThatThrownBy(() -> withSlots(2, ReportedSlot.free(-1)).validate())
        .hasMessage("slot_report: slot index -1 is outside 0..1");
  }

  @Test
  void slotReport_heldSlotsNeedWellFormedIds() {
    assertThatThrownBy(() -> withSlots(1, new ReportedSlot(0, "a 1", "job-1")).validate())
        .hasMessage("slot_report: slot 0 has a malformed allocation or job id");
    assertThatThrownBy(() -> withSlots(1, new ReportedSlot(0, "a1", "job 1")).validate())
        .hasMessage("slot_report: slot 0 has a malformed allocation or job id");
  }

  @Test
  void lossReasons_allButADroppedSlotAndTheFailuresApplyToTaskExecutors() {
    List<LossReason> allocationsOnly = List.of(LossReason.DROPPED_BY_TASK_EXECUTOR, LossReason.ATTEMPTS_EXHAUSTED,
        LossReason.NO_SLOT_BEFORE_DEADLINE);
    for (LossReason reason : LossReason.values()) {
      assertThat(reason.appliesToTaskExecutors()).isEqualTo(!allocationsOnly.contains(reason));
      assertThat(reason.failsAllocations()).isEqualTo(allocationsOnly.indexOf(reason) > 0);
    }
  }
}
