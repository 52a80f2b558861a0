package dev.pulse.rm.store;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * What a store holds, order aside (the SQLite store returns rows in its own order): the value tests compare.
 * Also the model tests keep of what they wrote: {@link #apply} mirrors the contract of each mutation.
 */
record StoreContents(Map<String, StoredAllocation> allocations, Map<String, StoredTaskExecutor> taskExecutors,
    long lastEventSeq, List<StoredEvent> events) {

  static StoreContents empty() {
    return new StoreContents(new TreeMap<>(), new TreeMap<>(), 0, List.of());
  }

  static StoreContents of(StoredState state) {
    Map<String, StoredAllocation> allocations = new TreeMap<>();
    state.allocations().forEach(a -> allocations.put(a.allocationId(), a));
    Map<String, StoredTaskExecutor> taskExecutors = new TreeMap<>();
    state.taskExecutors().forEach(t -> taskExecutors.put(t.resourceId(), t));
    return new StoreContents(allocations, taskExecutors, state.lastEventSeq(), List.copyOf(state.events()));
  }

  /** The contents after {@code mutation}, keeping the newest {@code tail} events. */
  StoreContents apply(Mutation mutation, int tail) {
    if (mutation instanceof Mutation.Batch b) {
      StoreContents after = this;
      for (Mutation m : b.mutations()) {
        after = after.apply(m, tail);
      }
      return after;
    }
    Map<String, StoredAllocation> a = new TreeMap<>(allocations);
    Map<String, StoredTaskExecutor> t = new TreeMap<>(taskExecutors);
    long seq = lastEventSeq;
    List<StoredEvent> e = events;
    if (mutation instanceof Mutation.PutAllocation p) {
      a.put(p.allocation().allocationId(), p.allocation());
    } else if (mutation instanceof Mutation.RemoveAllocation r) {
      a.remove(r.allocationId());
    } else if (mutation instanceof Mutation.PutTaskExecutor p) {
      t.put(p.taskExecutor().resourceId(), p.taskExecutor());
    } else if (mutation instanceof Mutation.RemoveTaskExecutor r) {
      t.remove(r.resourceId());
    } else if (mutation instanceof Mutation.AppendEvent append && append.event().seq() > seq) {
      seq = append.event().seq();
      ArrayList<StoredEvent> grown = new ArrayList<>(e);
      grown.add(append.event());
      e = List.copyOf(grown.subList(Math.max(0, grown.size() - tail), grown.size()));
    }
    return new StoreContents(a, t, seq, e);
  }
}
