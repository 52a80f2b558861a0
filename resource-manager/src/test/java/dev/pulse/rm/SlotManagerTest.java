package dev.pulse.rm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pulse.rm.Allocation.State;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/**
 * The slot bookkeeping on its own: every expected placement, count and loss below is worked out by
 * hand from the rules in {@link SlotManager}'s javadoc, not read back from it.
 */
class SlotManagerTest {

  private static final long CREATED_AT = 1_700_000_000_000L;
  private static final long GRACE = 1_000;

  private final SlotManager slots = new SlotManager();
  private int nextId;
  private final Supplier<String> ids = () -> "a" + (++nextId);

  /** "te/index" of each allocation, in the order given. */
  private static List<String> placed(List<Allocation> allocations) {
    return allocations.stream().map(a -> a.taskExecutorId() + "/" + a.slotIndex()).toList();
  }

  @Test
  void addTaskExecutor_countsItsSlots_andRefusesTheSameIdTwice() {
    slots.addTaskExecutor("te-a", 2);
    slots.addTaskExecutor("te-b", 3);

    assertThat(slots.totalSlots()).isEqualTo(5);
    assertThat(slots.freeSlots()).isEqualTo(5);
    assertThat(slots.slots("te-b")).isEqualTo(3);
    assertThat(slots.freeSlots("te-b")).isEqualTo(3);
    assertThat(slots.slots("unknown")).isZero();
    assertThat(slots.freeSlots("unknown")).isZero();
    assertThatThrownBy(() -> slots.addTaskExecutor("te-a", 1)).isInstanceOf(IllegalStateException.class)
        .hasMessage("te-a already has slots");
  }

  @Test
  void reserve_mostFreeSlotsFirst_oneSlotPerExecutorPerRound() {
    slots.addTaskExecutor("te-a", 2);
    slots.addTaskExecutor("te-b", 3);
    slots.addTaskExecutor("te-c", 1);

    List<Allocation> reserved = slots.reserve("job-1", 4, CREATED_AT, ids);

    // te-b (3 free), te-a (2), te-c (1), then round two from te-b again.
    assertThat(placed(reserved)).containsExactly("te-b/0", "te-a/0", "te-c/0", "te-b/1");
    assertThat(reserved).extracting(Allocation::allocationId).containsExactly("a1", "a2", "a3", "a4");
    assertThat(reserved).allSatisfy(a -> {
      assertThat(a.jobId()).isEqualTo("job-1");
      assertThat(a.state()).isEqualTo(State.PENDING);
      assertThat(a.createdAt()).isEqualTo(CREATED_AT);
    });
    assertThat(slots.freeSlots()).isEqualTo(2);
    assertThat(slots.freeSlots("te-b")).isEqualTo(1);
    assertThat(slots.allocation("a4")).isEqualTo(reserved.get(3));
  }

  @Test
  void reserve_tiesGoByTaskExecutorId_andTakenSlotsAreSkipped() {
    slots.addTaskExecutor("te-b", 2);
    slots.addTaskExecutor("te-a", 2);
    slots.reserve("job-0", 1, CREATED_AT, ids); // te-a/0: a tie, broken by id

    List<Allocation> reserved = slots.reserve("job-1", 2, CREATED_AT, ids);

    // Now te-b has 2 free and te-a 1: te-b first.
    assertThat(placed(slots.allocations("job-0"))).containsExactly("te-a/0");
    assertThat(placed(reserved)).containsExactly("te-b/0", "te-a/1");
  }

  @Test
  void reserve_allOrNothing_exactlyAllFreeSlotsIsEnough() {
    slots.addTaskExecutor("te-a", 2);
    slots.addTaskExecutor("te-b", 1);

    assertThat(slots.reserve("job-1", 4, CREATED_AT, ids)).isNull();
    assertThat(slots.freeSlots()).isEqualTo(3);
    assertThat(slots.allocations(null)).isEmpty();

    assertThat(slots.reserve("job-1", 3, CREATED_AT, ids)).hasSize(3);
    assertThat(slots.freeSlots()).isZero();
    assertThat(slots.reserve("job-2", 1, CREATED_AT, ids)).isNull();
  }

  @Test
  void confirm_marksAllocated_unknownIsNull() {
    slots.addTaskExecutor("te-a", 1);
    Allocation pending = slots.reserve("job-1", 1, CREATED_AT, ids).get(0);

    Allocation confirmed = slots.confirm(pending.allocationId(), 5);

    assertThat(confirmed).isEqualTo(new Allocation("a1", "job-1", "te-a", 0, State.ALLOCATED, CREATED_AT));
    assertThat(slots.allocation("a1")).isEqualTo(confirmed);
    assertThat(slots.confirm("nope", 5)).isNull();
  }

  @Test
  void release_freesTheSlotForTheNextReservation() {
    slots.addTaskExecutor("te-a", 2);
    List<Allocation> reserved = slots.reserve("job-1", 2, CREATED_AT, ids);

    assertThat(slots.release("a1")).isEqualTo(reserved.get(0));
    assertThat(slots.release("a1")).isNull();

    assertThat(slots.freeSlots()).isEqualTo(1);
    assertThat(slots.freeSlots("te-a")).isEqualTo(1);
    assertThat(slots.allocation("a1")).isNull();
    assertThat(placed(slots.reserve("job-2", 1, CREATED_AT, ids))).containsExactly("te-a/0");
  }

  @Test
  void removeTaskExecutor_returnsItsAllocations_andUncountsItsSlots() {
    slots.addTaskExecutor("te-a", 3);
    slots.addTaskExecutor("te-b", 1);
    slots.reserve("job-1", 3, CREATED_AT, ids); // te-a/0, te-b/0, te-a/1
    slots.confirm("a1", 5);

    List<Allocation> removed = slots.removeTaskExecutor("te-a");

    assertThat(removed).extracting(Allocation::allocationId).containsExactly("a1", "a3");
    assertThat(removed.get(0).state()).isEqualTo(State.ALLOCATED);
    assertThat(slots.totalSlots()).isEqualTo(1);
    assertThat(slots.freeSlots()).isZero();
    assertThat(slots.allocations(null)).extracting(Allocation::allocationId).containsExactly("a2");
    assertThat(slots.removeTaskExecutor("te-a")).isEmpty();
  }

  @Test
  void allocations_inCreationOrder_filteredByJob() {
    slots.addTaskExecutor("te-a", 3);
    slots.reserve("job-1", 1, CREATED_AT, ids);
    slots.reserve("job-2", 1, CREATED_AT, ids);
    slots.reserve("job-1", 1, CREATED_AT, ids);

    assertThat(slots.allocations("job-1")).extracting(Allocation::allocationId).containsExactly("a1", "a3");
    assertThat(slots.allocations(null)).extracting(Allocation::allocationId).containsExactly("a1", "a2", "a3");
    assertThat(slots.allocations("job-3")).isEmpty();
  }

  // ------------------------------------------------------------------ after a restart

  @Test
  void recoveringTaskExecutor_isNeitherCountedNorOffered_untilItRegistersAgain() {
    slots.addTaskExecutor("te-a", 1);
    slots.addRecoveringTaskExecutor("te-r", 3);
    assertThat(slots.restore(new Allocation("s1", "job-1", "te-r", 1, State.PENDING, CREATED_AT), 7)).isTrue();

    assertThat(slots.totalSlots()).isEqualTo(1);
    assertThat(slots.freeSlots()).isEqualTo(1);
    assertThat(slots.allocation("s1").state()).isEqualTo(State.ALLOCATED);
    assertThat(slots.reserve("job-2", 2, CREATED_AT, ids)).isNull();
    assertThat(placed(slots.reserve("job-2", 1, CREATED_AT, ids))).containsExactly("te-a/0");

    slots.recovered("te-r");
    slots.recovered("te-r"); // only once

    assertThat(slots.totalSlots()).isEqualTo(4);
    assertThat(slots.freeSlots()).isEqualTo(2);
    assertThat(placed(slots.reserve("job-3", 2, CREATED_AT, ids))).containsExactly("te-r/0", "te-r/2");
  }

  @Test
  void recoveringTaskExecutor_releaseAndRemoval_leaveTheCountsAlone() {
    slots.addTaskExecutor("te-a", 2);
    slots.addRecoveringTaskExecutor("te-r", 2);
    slots.restore(new Allocation("s1", "job-1", "te-r", 0, State.ALLOCATED, CREATED_AT), 7);
    slots.restore(new Allocation("s2", "job-1", "te-r", 1, State.ALLOCATED, CREATED_AT), 7);

    assertThat(slots.release("s1")).isNotNull();
    assertThat(slots.freeSlots()).isEqualTo(2);
    assertThat(slots.removeTaskExecutor("te-r")).extracting(Allocation::allocationId).containsExactly("s2");
    assertThat(slots.totalSlots()).isEqualTo(2);
    assertThat(slots.freeSlots()).isEqualTo(2);
  }

  @Test
  void restore_onARegisteredTaskExecutor_takesAFreeSlot() {
    slots.addTaskExecutor("te-a", 2);

    assertThat(slots.restore(new Allocation("s1", "job-1", "te-a", 1, State.ALLOCATED, CREATED_AT), 7)).isTrue();

    assertThat(slots.freeSlots()).isEqualTo(1);
    assertThat(placed(slots.reserve("job-2", 1, CREATED_AT, ids))).containsExactly("te-a/0");
  }

  @Test
  void restore_refusesWhatDoesNotFit_andChangesNothing() {
    slots.addTaskExecutor("te-a", 2);
    slots.restore(new Allocation("s1", "job-1", "te-a", 0, State.ALLOCATED, CREATED_AT), 7);

    assertThat(slots.restore(new Allocation("s2", "job-1", "te-x", 0, State.ALLOCATED, CREATED_AT), 7)).isFalse();
    assertThat(slots.restore(new Allocation("s2", "job-1", "te-a", -1, State.ALLOCATED, CREATED_AT), 7)).isFalse();
    assertThat(slots.restore(new Allocation("s2", "job-1", "te-a", 2, State.ALLOCATED, CREATED_AT), 7)).isFalse();
    assertThat(slots.restore(new Allocation("s2", "job-1", "te-a", 0, State.ALLOCATED, CREATED_AT), 7)).isFalse();
    assertThat(slots.restore(new Allocation("s1", "job-1", "te-a", 1, State.ALLOCATED, CREATED_AT), 7)).isFalse();

    assertThat(slots.allocations(null)).extracting(Allocation::allocationId).containsExactly("s1");
    assertThat(slots.freeSlots()).isEqualTo(1);
  }

  // ------------------------------------------------------------------ reconcile

  @Test
  void reconcile_slotHeldForAnUnknownAllocation_isAnOrphan() {
    slots.addTaskExecutor("te-a", 3);
    slots.reserve("job-1", 1, CREATED_AT, ids); // a1 on te-a/0
    ReportedSlot stranger = new ReportedSlot(1, "zz", "job-9");
    ReportedSlot wrongPlace = new ReportedSlot(2, "a1", "job-1");

    SlotManager.Reconciliation r = slots.reconcile("te-a",
        List.of(new ReportedSlot(0, "a1", "job-1"), stranger, wrongPlace), 100, GRACE);

    assertThat(r.orphans()).containsExactly(stranger, wrongPlace);
    assertThat(r.lost()).isEmpty();
    assertThat(r.isEmpty()).isFalse();
  }

  @Test
  void reconcile_confirmedAllocationNotReported_isLost_onlyOnceTheGraceHasPassed() {
    slots.addTaskExecutor("te-a", 2);
    slots.reserve("job-1", 2, CREATED_AT, ids);
    slots.confirm("a1", 10_000);
    slots.confirm("a2", 10_000);
    // a1's slot reported free, a2's not reported at all.
    List<ReportedSlot> report = List.of(ReportedSlot.free(0));

    assertThat(slots.reconcile("te-a", report, 10_000 + GRACE - 1, GRACE).isEmpty()).isTrue();
    assertThat(slots.allocations(null)).hasSize(2);

    SlotManager.Reconciliation r = slots.reconcile("te-a", report, 10_000 + GRACE, GRACE);

    assertThat(r.lost()).extracting(Allocation::allocationId).containsExactly("a1", "a2");
    assertThat(r.orphans()).isEmpty();
    assertThat(slots.allocations(null)).isEmpty();
    assertThat(slots.freeSlots()).isEqualTo(2);
  }

  @Test
  void reconcile_slotHoldingAnotherAllocation_isBothAnOrphanAndALoss() {
    slots.addTaskExecutor("te-a", 1);
    slots.reserve("job-1", 1, CREATED_AT, ids);
    slots.confirm("a1", 0 + 1);
    ReportedSlot other = new ReportedSlot(0, "zz", "job-9");

    SlotManager.Reconciliation r = slots.reconcile("te-a", List.of(other), 1 + GRACE, GRACE);

    assertThat(r.orphans()).containsExactly(other);
    assertThat(r.lost()).extracting(Allocation::allocationId).containsExactly("a1");
  }

  @Test
  void reconcile_pendingAllocations_areNeverLost_andOutOfRangeSlotsAreIgnored() {
    slots.addTaskExecutor("te-a", 2);
    slots.reserve("job-1", 1, CREATED_AT, ids); // pending: the TE is still being asked

    SlotManager.Reconciliation r = slots.reconcile("te-a",
        List.of(new ReportedSlot(-1, "x", "j"), new ReportedSlot(2, "y", "j")), Long.MAX_VALUE / 2, GRACE);

    assertThat(r).isSameAs(SlotManager.Reconciliation.NONE);
    assertThat(slots.allocations(null)).hasSize(1);
  }

  @Test
  void reconcile_heldAsExpected_changesNothing_unknownExecutorNeither() {
    slots.addTaskExecutor("te-a", 2);
    slots.reserve("job-1", 1, CREATED_AT, ids);
    slots.confirm("a1", 1);

    assertThat(slots.reconcile("te-a", List.of(new ReportedSlot(0, "a1", "job-1"), ReportedSlot.free(1)),
        1 + 10 * GRACE, GRACE)).isSameAs(SlotManager.Reconciliation.NONE);
    assertThat(slots.reconcile("te-x", List.of(new ReportedSlot(0, "zz", "j")), 0, GRACE))
        .isSameAs(SlotManager.Reconciliation.NONE);
    assertThat(slots.allocations(null)).hasSize(1);
  }

  @Test
  void reconcile_manyLosses_allReleased() {
    slots.addTaskExecutor("te-a", 5);
    slots.reserve("job-1", 5, CREATED_AT, ids);
    List<String> expected = new ArrayList<>();
    for (int i = 1; i <= 5; i++) {
      slots.confirm("a" + i, 1);
      expected.add("a" + i);
    }

    assertThat(slots.reconcile("te-a", List.of(), 1 + GRACE, GRACE).lost())
        .extracting(Allocation::allocationId).containsExactlyElementsOf(expected);
    assertThat(slots.freeSlots()).isEqualTo(5);
  }

  @Test
  void reconcile_aJustReleasedAllocationStillReported_isNoOrphanUntilTheGraceHasPassed() {
    slots.addTaskExecutor("te-a", 1);
    slots.reserve("job-1", 1, CREATED_AT, ids);
    slots.confirm("a1", 1);
    slots.release("a1", 5_000); // the request to free it is on its way to the task executor
    List<ReportedSlot> stillHeld = List.of(new ReportedSlot(0, "a1", "job-1"));

    assertThat(slots.reconcile("te-a", stillHeld, 5_000 + GRACE - 1, GRACE)).isSameAs(SlotManager.Reconciliation.NONE);
    assertThat(slots.unchangedUntil()).as("the same report is an orphan once the grace ends").isEqualTo(5_000 + GRACE);
    assertThat(slots.reconcile("te-a", stillHeld, 5_000 + GRACE, GRACE).orphans()).containsExactly(stillHeld.get(0));
    // Another allocation id in that slot is an orphan at once.
    ReportedSlot other = new ReportedSlot(0, "zz", "job-9");
    assertThat(slots.reconcile("te-a", List.of(other), 5_001, GRACE).orphans()).containsExactly(other);
  }

  /**
   * Random reserve/release/confirm/quarantine/removal sequences, each reservation checked against a naive
   * model of the rule written here (sort every offered task executor by free slots, most first, ties by
   * id; one slot per task executor per round, lowest free index first) and every count against the
   * model's. Seeded; the seed is in the failure message.
   */
  @Test
  void reserve_matchesANaiveModelOfTheRule_overRandomSequences() {
    long seed = new Random().nextLong();
    Random random = new Random(seed);
    Map<String, String[]> model = new HashMap<>(); // te -> allocation id per slot (null = free)
    List<String> quarantinedInModel = new ArrayList<>();
    for (int step = 0; step < 2_000; step++) {
      int op = random.nextInt(10);
      String te = "te-" + random.nextInt(12);
      if (op == 0 && !model.containsKey(te)) {
        int n = 1 + random.nextInt(4);
        slots.addTaskExecutor(te, n);
        model.put(te, new String[n]);
      } else if (op == 1 && model.containsKey(te) && random.nextInt(4) == 0) {
        slots.removeTaskExecutor(te);
        model.remove(te);
      } else if (op == 2) {
        boolean quarantine = random.nextBoolean();
        slots.setQuarantined(te, quarantine);
        quarantinedInModel.remove(te);
        if (quarantine) {
          quarantinedInModel.add(te);
        }
      } else if (op <= 6) {
        int count = 1 + random.nextInt(5);
        List<String> expected = naiveReserve(model, quarantinedInModel, count);
        List<Allocation> reserved = slots.reserve("job", count, CREATED_AT, ids);
        assertThat(reserved == null ? null : placed(reserved)).as("seed %d, step %d", seed, step)
            .isEqualTo(expected);
        if (reserved != null) {
          for (Allocation a : reserved) {
            model.get(a.taskExecutorId())[a.slotIndex()] = a.allocationId();
          }
        }
      } else {
        List<Allocation> all = slots.allocations(null);
        if (!all.isEmpty()) {
          Allocation a = all.get(random.nextInt(all.size()));
          slots.release(a.allocationId(), step);
          model.get(a.taskExecutorId())[a.slotIndex()] = null;
        }
      }
      int free = 0;
      int total = 0;
      for (Map.Entry<String, String[]> e : model.entrySet()) {
        int teFree = 0;
        for (String held : e.getValue()) {
          teFree += held == null ? 1 : 0;
        }
        assertThat(slots.freeSlots(e.getKey())).as("seed %d, step %d", seed, step).isEqualTo(teFree);
        free += quarantinedInModel.contains(e.getKey()) ? 0 : teFree;
        total += e.getValue().length;
      }
      assertThat(slots.freeSlots()).as("seed %d, step %d", seed, step).isEqualTo(free);
      assertThat(slots.totalSlots()).as("seed %d, step %d", seed, step).isEqualTo(total);
    }
  }

  /** The rule as stated, the slow way: "te/index" for each slot it would take, or null if too few are free. */
  private static List<String> naiveReserve(Map<String, String[]> model, List<String> quarantined, int count) {
    List<String> order = new ArrayList<>(model.keySet());
    order.removeAll(quarantined);
    Map<String, Integer> free = new HashMap<>();
    for (String te : order) {
      int n = 0;
      for (String held : model.get(te)) {
        n += held == null ? 1 : 0;
      }
      free.put(te, n);
    }
    if (free.values().stream().mapToInt(Integer::intValue).sum() < count) {
      return null;
    }
    order.sort(Comparator.comparing((String te) -> -free.get(te)).thenComparing(te -> te));
    Map<String, boolean[]> taken = new HashMap<>();
    for (String te : order) {
      boolean[] t = new boolean[model.get(te).length];
      for (int i = 0; i < t.length; i++) {
        t[i] = model.get(te)[i] != null;
      }
      taken.put(te, t);
    }
    List<String> result = new ArrayList<>();
    while (result.size() < count) {
      for (String te : order) {
        if (result.size() == count) {
          break;
        }
        boolean[] t = taken.get(te);
        for (int i = 0; i < t.length; i++) {
          if (!t[i]) {
            t[i] = true;
            result.add(te + "/" + i);
            break;
          }
        }
      }
    }
    return result;
  }

  @Test
  void reconcile_unchangedUntil_isTheEarliestGraceEnd_ofConfirmedAllocationsTheReportDoesNotHold() {
    slots.addTaskExecutor("te-a", 3);
    List<Allocation> r = slots.reserve("job", 3, CREATED_AT, ids); // a1, a2, a3 on slots 0, 1, 2
    slots.confirm("a1", 100);
    slots.confirm("a2", 300);
    // a3 stays pending: a report never loses a pending allocation, so it sets no end.
    assertThat(placed(r)).containsExactly("te-a/0", "te-a/1", "te-a/2");

    assertThat(slots.reconcile("te-a", List.of(ReportedSlot.free(0), ReportedSlot.free(1), ReportedSlot.free(2)),
        500, GRACE).isEmpty()).isTrue();
    assertThat(slots.unchangedUntil()).isEqualTo(100 + GRACE);

    assertThat(slots.reconcile("te-a", List.of(new ReportedSlot(0, "a1", "job"), ReportedSlot.free(1),
        ReportedSlot.free(2)), 500, GRACE).isEmpty()).isTrue();
    assertThat(slots.unchangedUntil()).isEqualTo(300 + GRACE);

    assertThat(slots.reconcile("te-a", List.of(new ReportedSlot(0, "a1", "job")), 500, GRACE).isEmpty()).isTrue();
    assertThat(slots.unchangedUntil()).as("slots left out of the report count as not held").isEqualTo(300 + GRACE);

    assertThat(slots.reconcile("te-a", List.of(new ReportedSlot(0, "a1", "job"), new ReportedSlot(1, "a2", "job"),
        ReportedSlot.free(2)), 500, GRACE).isEmpty()).isTrue();
    assertThat(slots.unchangedUntil()).isEqualTo(Long.MAX_VALUE);
  }

  @Test
  void changes_countEveryChangeToATable_andNothingElse() {
    long start = slots.changes();
    slots.addTaskExecutor("te-a", 2);
    slots.reserve("job", 2, CREATED_AT, ids); // a1, a2
    slots.confirm("a1", 100);
    slots.release("a2");
    assertThat(slots.changes() - start).isEqualTo(1 + 2 + 1 + 1);

    long before = slots.changes();
    slots.reconcile("te-a", List.of(new ReportedSlot(0, "a1", "job"), ReportedSlot.free(1)), 200, GRACE);
    slots.freeSlots();
    slots.allocations(null);
    assertThat(slots.changes()).as("reads and a reconciliation that changes nothing").isEqualTo(before);

    slots.reconcile("te-a", List.of(ReportedSlot.free(0), ReportedSlot.free(1)), 100 + GRACE, GRACE);
    assertThat(slots.changes()).as("a1 lost: its slot released").isEqualTo(before + 1);
    slots.removeTaskExecutor("te-a");
    assertThat(slots.changes()).isEqualTo(before + 2);
  }
}
