package dev.pulse.rm.store;

import java.util.List;

/**
 * What {@link RegistryStore#open} found, with the epoch it has just taken.
 *
 * @param resourceManagerId the stored id (or the proposed one, for a new store)
 * @param epoch the new epoch, greater than every epoch this store handed out before
 * @param lastEventSeq the highest event sequence number ever appended (0 for a new store)
 * @param events the newest stored events, oldest first
 * @param quarantines loss histories and quarantines, by resource id
 */
public record StoredState(String resourceManagerId, long epoch, List<StoredAllocation> allocations,
    List<StoredTaskExecutor> taskExecutors, long lastEventSeq, List<StoredEvent> events,
    List<StoredQuarantine> quarantines) {

  public StoredState {
    allocations = List.copyOf(allocations);
    taskExecutors = List.copyOf(taskExecutors);
    events = List.copyOf(events);
    quarantines = List.copyOf(quarantines);
  }

  /** A state without loss histories or quarantines. */
  public StoredState(String resourceManagerId, long epoch, List<StoredAllocation> allocations,
      List<StoredTaskExecutor> taskExecutors, long lastEventSeq, List<StoredEvent> events) {
    this(resourceManagerId, epoch, allocations, taskExecutors, lastEventSeq, events, List.of());
  }
}
