package dev.pulse.rm;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;

/**
 * The resource manager's view of every slot: which task executor has how many, which are free, and
 * which allocation holds the others.
 *
 * <p>Pure bookkeeping, no I/O: the {@link ResourceManagerCore} asks task executors and calls this.
 * Reservations are all-or-nothing: {@link #reserve} either takes all the slots asked for or none.
 *
 * <p>Thread-safety: none; confined to the resource manager's main thread.
 */
final class SlotManager {

  /** One slot: free when {@code allocationId} is {@code null}. */
  private static final class Slot {
    String allocationId;
    /** Monotonic time the task executor confirmed the allocation; 0 while pending. */
    long confirmedAtNanos;
  }

  /** What a slot report changed. */
  record Reconciliation(List<ReportedSlot> orphans, List<Allocation> lost) {
    static final Reconciliation NONE = new Reconciliation(List.of(), List.of());

    boolean isEmpty() {
      return orphans.isEmpty() && lost.isEmpty();
    }
  }

  private final Map<String, Slot[]> tables = new HashMap<>();
  /** Task executors restored from the store that have not registered again: their slots are not offered. */
  private final Set<String> recovering = new HashSet<>();
  /**
   * Quarantined resource ids (SPEC 11), registered or not: their slots are counted but not offered, so their
   * free slots are not in {@link #freeSlots()}.
   */
  private final Set<String> quarantined = new HashSet<>();
  private final Map<String, Allocation> allocations = new LinkedHashMap<>();
  private int totalSlots;
  private int freeSlots;
  /** Changes to any slot table so far; see {@link #changes()}. */
  private long changes;
  /** See {@link #unchangedUntil()}. */
  private long unchangedUntil;

  void addTaskExecutor(String taskExecutorId, int slots) {
    if (tables.containsKey(taskExecutorId)) {
      throw new IllegalStateException(taskExecutorId + " already has slots");
    }
    Slot[] table = new Slot[slots];
    for (int i = 0; i < slots; i++) {
      table[i] = new Slot();
    }
    tables.put(taskExecutorId, table);
    changes++;
    totalSlots += slots;
    freeSlots += quarantined.contains(taskExecutorId) ? 0 : slots;
  }

  /**
   * Adds a task executor known from the registry store after a restart: its slots hold what is
   * {@linkplain #restore restored} but are neither counted nor offered until it has {@linkplain #recovered
   * registered again}.
   */
  void addRecoveringTaskExecutor(String taskExecutorId, int slots) {
    addTaskExecutor(taskExecutorId, slots);
    recovering.add(taskExecutorId);
    totalSlots -= slots;
    freeSlots -= quarantined.contains(taskExecutorId) ? 0 : slots;
  }

  /**
   * Puts a stored, acknowledged allocation back into its slot (as {@code ALLOCATED}, confirmed at
   * {@code confirmedAtNanos}, which must not be 0).
   *
   * @return false (and nothing changed) if its task executor is unknown or the slot is out of range or taken
   */
  boolean restore(Allocation a, long confirmedAtNanos) {
    Slot[] table = tables.get(a.taskExecutorId());
    if (table == null || a.slotIndex() < 0 || a.slotIndex() >= table.length
        || table[a.slotIndex()].allocationId != null || allocations.containsKey(a.allocationId())) {
      return false;
    }
    Slot slot = table[a.slotIndex()];
    slot.allocationId = a.allocationId();
    slot.confirmedAtNanos = confirmedAtNanos;
    changes++;
    allocations.put(a.allocationId(), a.withState(Allocation.State.ALLOCATED));
    if (offered(a.taskExecutorId())) {
      freeSlots--;
    }
    return true;
  }

  /** A recovering task executor registered again: its slots are counted and its free ones offered. */
  void recovered(String taskExecutorId) {
    if (recovering.remove(taskExecutorId)) {
      totalSlots += tables.get(taskExecutorId).length;
      freeSlots += quarantined.contains(taskExecutorId) ? 0 : freeSlots(taskExecutorId);
    }
  }

  /**
   * Quarantines a resource id, or ends its quarantine: while quarantined, no slot of it is offered (its
   * allocations stay). The id need not be registered; its slots follow the mark when it registers.
   */
  void setQuarantined(String taskExecutorId, boolean quarantine) {
    boolean wasOffered = tables.containsKey(taskExecutorId) && offered(taskExecutorId);
    if (quarantine ? !quarantined.add(taskExecutorId) : !quarantined.remove(taskExecutorId)) {
      return;
    }
    boolean isOffered = tables.containsKey(taskExecutorId) && offered(taskExecutorId);
    if (wasOffered != isOffered) {
      freeSlots += (isOffered ? 1 : -1) * freeSlots(taskExecutorId);
    }
  }

  /** Whether the free slots of a registered task executor are offered: neither recovering nor quarantined. */
  private boolean offered(String taskExecutorId) {
    return !recovering.contains(taskExecutorId) && !quarantined.contains(taskExecutorId);
  }

  /** Removes the task executor's slots; returns the allocations (pending or not) that were on them. */
  List<Allocation> removeTaskExecutor(String taskExecutorId) {
    Slot[] table = tables.remove(taskExecutorId);
    if (table == null) {
      return List.of();
    }
    changes++;
    boolean counted = !recovering.remove(taskExecutorId);
    boolean offered = counted && !quarantined.contains(taskExecutorId);
    List<Allocation> removed = new ArrayList<>();
    for (Slot slot : table) {
      if (slot.allocationId == null) {
        freeSlots -= offered ? 1 : 0;
      } else {
        removed.add(allocations.remove(slot.allocationId));
      }
    }
    totalSlots -= counted ? table.length : 0;
    return removed;
  }

  /**
   * Reserves {@code count} free slots for {@code jobId}, spread over the task executors with the most
   * free slots first, as {@code PENDING} allocations; never on a recovering or quarantined one.
   *
   * @return the reservations, or {@code null} (and nothing reserved) if fewer than {@code count}
   *     slots are free
   */
  List<Allocation> reserve(String jobId, int count, long createdAt, Supplier<String> newAllocationId) {
    if (count > freeSlots) {
      return null;
    }
    List<String> candidates = new ArrayList<>(tables.keySet());
    candidates.removeAll(recovering);
    candidates.removeAll(quarantined);
    candidates.sort(Comparator.comparingInt((String te) -> -freeSlots(te)).thenComparing(te -> te));
    List<Allocation> reserved = new ArrayList<>(count);
    while (reserved.size() < count) {
      boolean progressed = false;
      for (String te : candidates) {
        if (reserved.size() == count) {
          break;
        }
        Slot[] table = tables.get(te);
        for (int i = 0; i < table.length; i++) {
          if (table[i].allocationId == null) {
            Allocation a = new Allocation(newAllocationId.get(), jobId, te, i, Allocation.State.PENDING, createdAt);
            table[i].allocationId = a.allocationId();
            table[i].confirmedAtNanos = 0;
            changes++;
            allocations.put(a.allocationId(), a);
            freeSlots--;
            reserved.add(a);
            progressed = true;
            break;
          }
        }
      }
      if (!progressed) {
        throw new IllegalStateException("free slot count is " + freeSlots + " but no free slot was found");
      }
    }
    return reserved;
  }

  /** Marks a pending allocation as held by its task executor. */
  Allocation confirm(String allocationId, long nowNanos) {
    Allocation a = allocations.get(allocationId);
    if (a == null) {
      return null;
    }
    Allocation confirmed = a.withState(Allocation.State.ALLOCATED);
    allocations.put(allocationId, confirmed);
    tables.get(a.taskExecutorId())[a.slotIndex()].confirmedAtNanos = nowNanos;
    changes++;
    return confirmed;
  }

  /** Frees the allocation's slot; returns the allocation, or {@code null} if unknown. */
  Allocation release(String allocationId) {
    Allocation a = allocations.remove(allocationId);
    if (a == null) {
      return null;
    }
    Slot slot = tables.get(a.taskExecutorId())[a.slotIndex()];
    slot.allocationId = null;
    slot.confirmedAtNanos = 0;
    changes++;
    if (offered(a.taskExecutorId())) {
      freeSlots++;
    }
    return a;
  }

  /**
   * Compares a task executor's own slot report with this view.
   * <ul>
   *   <li><b>orphans</b>: slots the task executor holds for an allocation this view does not place
   *       there; the caller tells the task executor to free them.
   *   <li><b>lost</b>: allocations confirmed at least {@code graceNanos} ago that the task executor no
   *       longer holds; they are released here and returned. The grace keeps a report that was
   *       already on its way when the slot was confirmed from undoing the allocation.
   * </ul>
   */
  Reconciliation reconcile(String taskExecutorId, List<ReportedSlot> report, long nowNanos, long graceNanos) {
    Slot[] table = tables.get(taskExecutorId);
    if (table == null) {
      return Reconciliation.NONE;
    }
    List<ReportedSlot> orphans = List.of();
    List<Allocation> lost = List.of();
    unchangedUntil = Long.MAX_VALUE;
    boolean[] reported = new boolean[table.length];
    for (ReportedSlot r : report) {
      if (r.index() < 0 || r.index() >= table.length) {
        continue; // validated at the edge; ignore anything out of range
      }
      reported[r.index()] = true;
      Slot slot = table[r.index()];
      if (!r.isFree() && !r.allocationId().equals(slot.allocationId)) {
        orphans = append(orphans, r);
      }
      if (isLost(slot, r.isFree() ? null : r.allocationId(), nowNanos, graceNanos)) {
        lost = append(lost, allocations.get(slot.allocationId));
      }
      noteGrace(slot, r.isFree() ? null : r.allocationId(), graceNanos);
    }
    for (int i = 0; i < table.length; i++) {
      if (!reported[i] && isLost(table[i], null, nowNanos, graceNanos)) {
        lost = append(lost, allocations.get(table[i].allocationId));
      }
      if (!reported[i]) {
        noteGrace(table[i], null, graceNanos);
      }
    }
    for (Allocation a : lost) {
      release(a.allocationId());
    }
    return orphans.isEmpty() && lost.isEmpty() ? Reconciliation.NONE : new Reconciliation(orphans, lost);
  }

  /**
   * A slot whose allocation the report does not hold, still within its grace, would be lost by the same
   * report later: the last reconciliation holds only until its grace ends.
   */
  private void noteGrace(Slot slot, String heldAllocationId, long graceNanos) {
    if (slot.allocationId != null && slot.confirmedAtNanos != 0 && !slot.allocationId.equals(heldAllocationId)) {
      unchangedUntil = Math.min(unchangedUntil, slot.confirmedAtNanos + graceNanos);
    }
  }

  /**
   * Counts every change to any slot table (a task executor added or removed, a slot reserved, confirmed,
   * restored or released). While it stays the same, and before {@link #unchangedUntil()}, reconciling the
   * same report again changes nothing.
   */
  long changes() {
    return changes;
  }

  /**
   * Monotonic time until which the last {@link #reconcile}'s outcome holds for the same report and
   * tables: the end of the earliest grace it found running ({@link Long#MAX_VALUE} if none). Past it, a
   * confirmed allocation the report does not hold is lost.
   */
  long unchangedUntil() {
    return unchangedUntil;
  }

  private static boolean isLost(Slot slot, String heldAllocationId, long nowNanos, long graceNanos) {
    return slot.allocationId != null
        && slot.confirmedAtNanos != 0
        && nowNanos - slot.confirmedAtNanos >= graceNanos
        && !slot.allocationId.equals(heldAllocationId);
  }

  private static <T> List<T> append(List<T> list, T item) {
    List<T> result = list.isEmpty() ? new ArrayList<>() : list;
    result.add(item);
    return result;
  }

  Allocation allocation(String allocationId) {
    return allocations.get(allocationId);
  }

  /** Every allocation, in creation order; {@code jobId} {@code null} for all jobs. */
  List<Allocation> allocations(String jobId) {
    List<Allocation> result = new ArrayList<>();
    for (Allocation a : allocations.values()) {
      if (jobId == null || a.jobId().equals(jobId)) {
        result.add(a);
      }
    }
    return result;
  }

  int totalSlots() {
    return totalSlots;
  }

  int freeSlots() {
    return freeSlots;
  }

  int slots(String taskExecutorId) {
    Slot[] table = tables.get(taskExecutorId);
    return table == null ? 0 : table.length;
  }

  int freeSlots(String taskExecutorId) {
    Slot[] table = tables.get(taskExecutorId);
    if (table == null) {
      return 0;
    }
    int free = 0;
    for (Slot s : table) {
      if (s.allocationId == null) {
        free++;
      }
    }
    return free;
  }
}
