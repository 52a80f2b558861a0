package dev.pulse.rm.store;

import java.util.List;

/**
 * One change to the stored state. Applied in the order given; each is idempotent (applying it twice
 * leaves the same state), so a replay after a crash is harmless.
 */
public sealed interface Mutation {

  /** Creates or replaces an allocation (by id). */
  record PutAllocation(StoredAllocation allocation) implements Mutation {}

  /** Removes an allocation (released, lost, failed or undone); nothing if it is not there. */
  record RemoveAllocation(String allocationId) implements Mutation {}

  /** Creates or replaces a task executor record (by resource id). */
  record PutTaskExecutor(StoredTaskExecutor taskExecutor) implements Mutation {}

  /** Removes a task executor record; nothing if it is not there. */
  record RemoveTaskExecutor(String resourceId) implements Mutation {}

  /** Creates or replaces a resource id's loss history and quarantine (by resource id). */
  record PutQuarantine(StoredQuarantine quarantine) implements Mutation {}

  /** Forgets a resource id's loss history and quarantine; nothing if there is none. */
  record RemoveQuarantine(String resourceId) implements Mutation {}

  /** Appends an event; the store keeps the newest {@code tail} and remembers the highest sequence number. */
  record AppendEvent(StoredEvent event) implements Mutation {}

  /**
   * Several mutations applied in order and atomically: after a crash the store holds all of them or none
   * (a loss is its events and its removals together). A batch may not contain a batch.
   */
  record Batch(List<Mutation> mutations) implements Mutation {
    public Batch {
      mutations = List.copyOf(mutations);
      if (mutations.stream().anyMatch(m -> m instanceof Batch)) {
        throw new IllegalArgumentException("a batch may not contain a batch");
      }
    }
  }
}
