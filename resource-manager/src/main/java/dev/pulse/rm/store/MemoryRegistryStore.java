package dev.pulse.rm.store;

import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * A {@link RegistryStore} in memory: every write is "durable" at once, and nothing survives the process.
 * The default of an embedded resource manager; also what tests on the fake clock use, since its futures
 * complete before {@link #apply} returns. Thread-safe (synchronized; writes are cheap).
 */
public final class MemoryRegistryStore implements RegistryStore {

  /** How many events the tail keeps, as the SQLite store does. */
  public static final int EVENT_TAIL = 10_000;

  private final Map<String, StoredAllocation> allocations = new LinkedHashMap<>();
  private final Map<String, StoredTaskExecutor> taskExecutors = new LinkedHashMap<>();
  private final Map<String, StoredQuarantine> quarantines = new LinkedHashMap<>();
  private final Deque<StoredEvent> events = new ArrayDeque<>();
  private String resourceManagerId;
  private long epoch;
  private long lastEventSeq;

  @Override
  public synchronized StoredState open(String proposedResourceManagerId) {
    if (resourceManagerId == null) {
      resourceManagerId = proposedResourceManagerId;
    }
    epoch++;
    return new StoredState(resourceManagerId, epoch, new ArrayList<>(allocations.values()),
        new ArrayList<>(taskExecutors.values()), lastEventSeq, new ArrayList<>(events),
        new ArrayList<>(quarantines.values()));
  }

  @Override
  public synchronized CompletableFuture<Void> apply(Mutation mutation) {
    if (mutation instanceof Mutation.Batch b) {
      b.mutations().forEach(this::apply); // nothing can interrupt it half-way: all or none
    } else if (mutation instanceof Mutation.PutAllocation p) {
      allocations.put(p.allocation().allocationId(), p.allocation());
    } else if (mutation instanceof Mutation.RemoveAllocation r) {
      allocations.remove(r.allocationId());
    } else if (mutation instanceof Mutation.PutTaskExecutor p) {
      taskExecutors.put(p.taskExecutor().resourceId(), p.taskExecutor());
    } else if (mutation instanceof Mutation.RemoveTaskExecutor r) {
      taskExecutors.remove(r.resourceId());
    } else if (mutation instanceof Mutation.PutQuarantine p) {
      quarantines.put(p.quarantine().resourceId(), p.quarantine());
    } else if (mutation instanceof Mutation.RemoveQuarantine r) {
      quarantines.remove(r.resourceId());
    } else if (mutation instanceof Mutation.AppendEvent e && e.event().seq() > lastEventSeq) {
      lastEventSeq = e.event().seq();
      events.addLast(e.event());
      while (events.size() > EVENT_TAIL) {
        events.removeFirst();
      }
    }
    return CompletableFuture.completedFuture(null);
  }

  @Override
  public CompletableFuture<Path> backup(Path file) {
    return CompletableFuture.failedFuture(new StoreException("an in-memory store has nothing on disk to back up;"
        + " set resourcemanager.store.type: sqlite"));
  }

  @Override
  public void close() {}
}
