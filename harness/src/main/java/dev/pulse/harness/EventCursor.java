package dev.pulse.harness;

import dev.pulse.rm.EventType;
import dev.pulse.rm.ResourceManagerEvent;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Predicate;
import java.util.function.Supplier;
import java.util.stream.Collectors;

/**
 * {@link MiniCluster#awaitEvent}'s memory of where a test is in the resource manager's event log: the
 * time of the latest fault (events before it are not awaited) and the events it has returned since
 * (each is returned once). Among the events after a fault the order does not matter: a test may await a
 * task executor's loss and then its allocations' losses, or the other way round, whichever the resource
 * manager stored first. A resource manager with another id starts a new log.
 *
 * <p>Thread-safe; the cursor is guarded by this object's lock, and the log is read outside it.
 */
final class EventCursor {

  private final Supplier<ResourceManagerNode> resourceManager;
  private final long pollNanos;
  private String resourceManagerId; // guarded by this
  /** Events up to this one were skipped by {@link #skipAll()}. Guarded by this. */
  private long floorSeq;
  /** The events {@link #await} returned, by seq, of {@link #resourceManagerId}'s log. Guarded by this. */
  private final Set<Long> returned = new HashSet<>();
  private long notBeforeMillis; // guarded by this

  /**
   * @param resourceManager the current resource manager
   * @param poll how often to read the log while waiting
   */
  EventCursor(Supplier<ResourceManagerNode> resourceManager, Duration poll) {
    this.resourceManager = resourceManager;
    this.pollNanos = poll.toNanos();
  }

  /** Skips every event recorded so far. */
  void skipAll() {
    List<ResourceManagerEvent> all = events();
    synchronized (this) {
      follow(resourceManager.get().id());
      floorSeq = all.isEmpty() ? 0 : all.get(all.size() - 1).seq();
    }
  }

  /** A fault is being injected: only later events are awaited. Does no I/O, so it works on a stopped process. */
  synchronized void faultInjected() {
    notBeforeMillis = System.currentTimeMillis();
  }

  /** Every event of the current resource manager, oldest first. */
  List<ResourceManagerEvent> events() {
    return eventsAfter(resourceManager.get(), 0);
  }

  ResourceManagerEvent await(EventType type, Predicate<ResourceManagerEvent> predicate, Duration timeout) {
    Objects.requireNonNull(type, "type");
    Objects.requireNonNull(predicate, "predicate");
    long deadline = System.nanoTime() + timeout.toNanos();
    List<ResourceManagerEvent> seen = new ArrayList<>();
    RuntimeException lastFailure = null;
    while (true) {
      seen.clear();
      try {
        ResourceManagerNode rm = resourceManager.get();
        String id = rm.id();
        long after;
        long notBefore;
        Set<Long> done;
        synchronized (this) {
          after = id.equals(resourceManagerId) ? floorSeq : 0;
          notBefore = notBeforeMillis;
          done = id.equals(resourceManagerId) ? Set.copyOf(returned) : Set.of();
        }
        for (ResourceManagerEvent e : eventsAfter(rm, after)) {
          if (e.time() < notBefore) {
            continue;
          }
          seen.add(e);
          if (!done.contains(e.seq()) && e.type() == type && predicate.test(e)) {
            synchronized (this) {
              follow(id);
              returned.add(e.seq());
            }
            return e;
          }
        }
      } catch (RuntimeException e) {
        lastFailure = e; // e.g. a resource manager process that is stopped: try again until the deadline
      }
      if (System.nanoTime() - deadline > 0) {
        AssertionError failure = new AssertionError("no " + type + " event matching the predicate within "
            + timeout.toMillis() + " ms; events since the last fault (those already returned too): "
            + seen.stream().map(EventCursor::describe).collect(Collectors.joining(", ", "[", "]")));
        if (lastFailure != null) {
          failure.initCause(lastFailure);
        }
        throw failure;
      }
      LockSupport.parkNanos(pollNanos);
    }
  }

  /** Starts a new log when the resource manager is another one. Under the lock. */
  private void follow(String id) {
    if (!id.equals(resourceManagerId)) {
      resourceManagerId = id;
      floorSeq = 0;
      returned.clear();
    }
  }

  private static List<ResourceManagerEvent> eventsAfter(ResourceManagerNode rm, long seq) {
    List<ResourceManagerEvent> all = new ArrayList<>();
    List<ResourceManagerEvent> page;
    long after = seq;
    do {
      page = rm.events(after);
      all.addAll(page);
      if (!page.isEmpty()) {
        after = page.get(page.size() - 1).seq();
      }
    } while (!page.isEmpty());
    return all;
  }

  private static String describe(ResourceManagerEvent e) {
    return "#" + e.seq() + " " + e.type() + (e.taskExecutorId() == null ? "" : " " + e.taskExecutorId())
        + (e.reason() == null ? "" : " " + e.reason());
  }
}
