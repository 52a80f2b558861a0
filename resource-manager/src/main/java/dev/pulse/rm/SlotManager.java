package dev.pulse.rm;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Supplier;

/**
 * The resource manager's view of every slot: which task executor has how many, which are free, and
 * which allocation holds the others.
 *
 * <p>Pure bookkeeping, no I/O: the {@link ResourceManagerCore} asks task executors and calls this.
 * Reservations are all-or-nothing: {@link #reserve} either takes all the slots asked for or none.
 *
 * <p>Cost: a reservation of k slots costs O(k log n) for n task executors (an index of the offered ones
 * ordered by free slots), a release O(log n), a task executor's free-slot count O(1); nothing scans every
 * task executor (this runs on the main thread, between heartbeat ticks).
 *
 * <p>Thread-safety: none; confined to the resource manager's main thread.
 */
final class SlotManager {

  /** One slot: free when {@code allocationId} is {@code null}. */
  private static final class Slot {
    String allocationId;
    /** Monotonic time the task executor confirmed the allocation; 0 while pending. */
    long confirmedAtNanos;
    /** The allocation last released from this slot, which the task executor may still report for a while. */
    String releasedAllocationId;
    long releasedAtNanos;
  }

  /** One task executor's slots and how many of them are free. */
  private static final class Table {
    final String taskExecutorId;
    final Slot[] slots;
    int free;

    Table(String taskExecutorId, int slots) {
      this.taskExecutorId = taskExecutorId;
      this.slots = new Slot[slots];
      for (int i = 0; i < slots; i++) {
        this.slots[i] = new Slot();
      }
      this.free = slots;
    }
  }

  /** Most free slots first, then by id: the order {@link #reserve} spreads over. */
  private static final Comparator<Table> MOST_FREE_FIRST =
      Comparator.comparingInt((Table t) -> -t.free).thenComparing(t -> t.taskExecutorId);

  /** What a slot report changed. */
  record Reconciliation(List<ReportedSlot> orphans, List<Allocation> lost) {
    static final Reconciliation NONE = new Reconciliation(List.of(), List.of());

    boolean isEmpty() {
      return orphans.isEmpty() && lost.isEmpty();
    }
  }

  private final Map<String, Table> tables = new HashMap<>();
  /** The tables whose free slots are offered (neither recovering nor quarantined), most free first. */
  private final TreeSet<Table> offered = new TreeSet<>(MOST_FREE_FIRST);
  /** Task executors restored from the store that have not registered again: their slots are not offered. */
  private final Set<String> recovering = new HashSet<>();
  /**
   * Quarantined resource ids (SPEC 11), registered or not: their slots are counted but not offered, so their
   * free slots are not in {@link #freeSlots()}.
   */
  private final Set<String> quarantined = new HashSet<>();
  /** Registered task executors an administrator drains: their slots are counted but not offered. */
  private final Set<String> draining = new HashSet<>();
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
    Table table = new Table(taskExecutorId, slots);
    tables.put(taskExecutorId, table);
    changes++;
    totalSlots += slots;
    freeSlots += quarantined.contains(taskExecutorId) ? 0 : slots;
    reindex(table);
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
    reindex(tables.get(taskExecutorId));
  }

  /**
   * Puts a stored, acknowledged allocation back into its slot (as {@code ALLOCATED}, confirmed at
   * {@code confirmedAtNanos}, which must not be 0).
   *
   * @return false (and nothing changed) if its task executor is unknown or the slot is out of range or taken
   */
  boolean restore(Allocation a, long confirmedAtNanos) {
    Table table = tables.get(a.taskExecutorId());
    if (table == null || a.slotIndex() < 0 || a.slotIndex() >= table.slots.length
        || table.slots[a.slotIndex()].allocationId != null || allocations.containsKey(a.allocationId())) {
      return false;
    }
    take(table, a.slotIndex(), a.allocationId(), confirmedAtNanos);
    allocations.put(a.allocationId(), a.withState(Allocation.State.ALLOCATED));
    return true;
  }

  /** A recovering task executor registered again: its slots are counted and its free ones offered. */
  void recovered(String taskExecutorId) {
    if (recovering.remove(taskExecutorId)) {
      Table table = tables.get(taskExecutorId);
      totalSlots += table.slots.length;
      freeSlots += quarantined.contains(taskExecutorId) ? 0 : table.free;
      reindex(table);
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
      reindex(tables.get(taskExecutorId));
    }
  }

  /** Puts {@code table} in the offered index, or takes it out, as {@link #offered(String)} says now. */
  private void reindex(Table table) {
    if (offered(table.taskExecutorId)) {
      offered.add(table);
    } else {
      offered.remove(table);
    }
  }

  /** Gives a free slot of {@code table} to an allocation, keeping the free counts and the index right. */
  private void take(Table table, int index, String allocationId, long confirmedAtNanos) {
    boolean indexed = offered.remove(table);
    Slot slot = table.slots[index];
    slot.allocationId = allocationId;
    slot.confirmedAtNanos = confirmedAtNanos;
    table.free--;
    changes++;
    if (indexed) {
      freeSlots--;
      offered.add(table);
    }
  }

  /**
   * Drains a registered task executor: from now on none of its slots is offered (its allocations stay until they
   * are moved or released). Lasts until it leaves or is lost. Returns false if it is unknown.
   */
  boolean drain(String taskExecutorId) {
    Table table = tables.get(taskExecutorId);
    if (table == null) {
      return false;
    }
    boolean wasOffered = offered(taskExecutorId);
    draining.add(taskExecutorId);
    if (wasOffered) {
      freeSlots -= table.free;
      reindex(table);
    }
    return true;
  }

  /** Whether the free slots of a registered task executor are offered: not recovering, quarantined or drained. */
  private boolean offered(String taskExecutorId) {
    return !recovering.contains(taskExecutorId) && !quarantined.contains(taskExecutorId)
        && !draining.contains(taskExecutorId);
  }

  /** Removes the task executor's slots; returns the allocations (pending or not) that were on them. */
  List<Allocation> removeTaskExecutor(String taskExecutorId) {
    Table table = tables.remove(taskExecutorId);
    if (table == null) {
      return List.of();
    }
    changes++;
    boolean wasOffered = offered.remove(table);
    boolean counted = !recovering.remove(taskExecutorId);
    draining.remove(taskExecutorId);
    List<Allocation> removed = new ArrayList<>();
    for (Slot slot : table.slots) {
      if (slot.allocationId != null) {
        removed.add(allocations.remove(slot.allocationId));
      }
    }
    freeSlots -= wasOffered ? table.free : 0;
    totalSlots -= counted ? table.slots.length : 0;
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
    return reserve(jobId, count, createdAt, newAllocationId, null);
  }

  /** As {@link #reserve(String, int, long, Supplier)}, the allocations carrying {@code restart} (may be null). */
  List<Allocation> reserve(String jobId, int count, long createdAt, Supplier<String> newAllocationId,
      RestartPolicy restart) {
    if (count > freeSlots) {
      return null;
    }
    // Round-robin over the task executors in "most free first" order: the first pass takes one slot from
    // each, the next one more from those that still have one. No task executor past the first count ones
    // in that order can be reached, so only those are taken out of the index.
    List<Table> candidates = new ArrayList<>(Math.min(count, offered.size()));
    for (Table t : offered) {
      if (candidates.size() == count || t.free == 0) {
        break;
      }
      candidates.add(t);
    }
    List<Allocation> reserved = new ArrayList<>(count);
    while (reserved.size() < count) {
      boolean progressed = false;
      for (Table t : candidates) {
        if (reserved.size() == count) {
          break;
        }
        int i = firstFree(t);
        if (i >= 0) {
          Allocation a = new Allocation(newAllocationId.get(), jobId, t.taskExecutorId, i, Allocation.State.PENDING,
              createdAt, 1, restart);
          take(t, i, a.allocationId(), 0);
          allocations.put(a.allocationId(), a);
          reserved.add(a);
          progressed = true;
        }
      }
      if (!progressed) {
        throw new IllegalStateException("free slot count is " + freeSlots + " but no free slot was found");
      }
    }
    return reserved;
  }

  /**
   * Places a moving allocation (same id, no slot) in a free slot of the offered task executor with the most free
   * slots other than {@code excluded}, as {@code PENDING} with attempt {@code attempt}.
   *
   * @return the placement, or {@code null} (nothing changed) if no other task executor has a free slot
   */
  Allocation place(Allocation moving, String excluded, int attempt) {
    if (allocations.containsKey(moving.allocationId())) {
      throw new IllegalStateException("allocation " + moving.allocationId() + " already has a slot");
    }
    for (Table t : offered) {
      if (t.free == 0) {
        break;
      }
      if (!t.taskExecutorId.equals(excluded)) {
        int i = firstFree(t);
        Allocation a = moving.placedAt(t.taskExecutorId, i, attempt);
        take(t, i, a.allocationId(), 0);
        allocations.put(a.allocationId(), a);
        return a;
      }
    }
    return null;
  }

  private static int firstFree(Table t) {
    for (int i = 0; i < t.slots.length; i++) {
      if (t.slots[i].allocationId == null) {
        return i;
      }
    }
    return -1;
  }

  /** Marks a pending allocation as held by its task executor. */
  Allocation confirm(String allocationId, long nowNanos) {
    Allocation a = allocations.get(allocationId);
    if (a == null) {
      return null;
    }
    Allocation confirmed = a.withState(Allocation.State.ALLOCATED);
    allocations.put(allocationId, confirmed);
    tables.get(a.taskExecutorId()).slots[a.slotIndex()].confirmedAtNanos = nowNanos;
    changes++;
    return confirmed;
  }

  /** Frees the allocation's slot; returns the allocation, or {@code null} if unknown. */
  Allocation release(String allocationId) {
    return release(allocationId, 0);
  }

  /**
   * Frees the allocation's slot at {@code nowNanos} (monotonic): for a grace period after that, a report
   * that the task executor still holds it there is not an orphan (the request to free it may be on its
   * way). Returns the allocation, or {@code null} if unknown.
   */
  Allocation release(String allocationId, long nowNanos) {
    Allocation a = allocations.remove(allocationId);
    if (a == null) {
      return null;
    }
    Table table = tables.get(a.taskExecutorId());
    boolean indexed = offered.remove(table);
    Slot slot = table.slots[a.slotIndex()];
    slot.allocationId = null;
    slot.confirmedAtNanos = 0;
    slot.releasedAllocationId = allocationId;
    slot.releasedAtNanos = nowNanos;
    table.free++;
    changes++;
    if (indexed) {
      freeSlots++;
      offered.add(table);
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
    Table t = tables.get(taskExecutorId);
    if (t == null) {
      return Reconciliation.NONE;
    }
    Slot[] table = t.slots;
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
        if (r.allocationId().equals(slot.releasedAllocationId) && nowNanos - slot.releasedAtNanos < graceNanos) {
          // Released here a moment ago: the request to free it may be on its way. Same report later: orphan.
          unchangedUntil = Math.min(unchangedUntil, slot.releasedAtNanos + graceNanos);
        } else {
          orphans = append(orphans, r);
        }
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
   * Counts every change to any slot table (a task executor added or removed, a slot reserved, placed,
   * confirmed, restored or released). While it stays the same, and before {@link #unchangedUntil()},
   * reconciling the same report again changes nothing.
   */
  long changes() {
    return changes;
  }

  /**
   * Monotonic time until which the last {@link #reconcile}'s outcome holds for the same report and
   * tables: the end of the earliest grace it found running ({@link Long#MAX_VALUE} if none). Past it, a
   * confirmed allocation the report does not hold is lost, and a released one it still holds is an orphan.
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
    Table table = tables.get(taskExecutorId);
    return table == null ? 0 : table.slots.length;
  }

  int freeSlots(String taskExecutorId) {
    Table table = tables.get(taskExecutorId);
    return table == null ? 0 : table.free;
  }
}
