package dev.pulse.rm;

import java.time.Clock;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/**
 * The resource manager's bounded, append-only event log. Sequence numbers start at 1 and never
 * repeat; once more than {@code capacity} events were appended, the oldest are dropped, so a reader
 * that polls with {@code after} may see a gap in {@code seq} and knows it missed events.
 *
 * <p>Durability: {@link #next} takes a sequence number at once (on the main thread) and {@link #publish}
 * makes the event readable later, once the store holds it; events are published in sequence order, so a
 * reader never sees an event that a crash could take back, and never sees them out of order. After a
 * restart {@link #restore} continues the sequence from the stored one.
 *
 * <p>Thread-safe: appends come from the main thread, reads from REST threads.
 */
final class EventLog {

  private final int capacity;
  private final Clock wallClock;
  private final ArrayDeque<ResourceManagerEvent> events = new ArrayDeque<>();
  private long lastSeq;

  EventLog(int capacity, Clock wallClock) {
    if (capacity <= 0) {
      throw new IllegalArgumentException("capacity must be > 0");
    }
    this.capacity = capacity;
    this.wallClock = wallClock;
  }

  /** Takes the next sequence number and publishes the event at once (no store in between). */
  synchronized ResourceManagerEvent append(EventType type, String taskExecutorId, String allocationId, String jobId,
      LossReason reason, int slotsReleased, String detail) {
    ResourceManagerEvent event = next(type, taskExecutorId, allocationId, jobId, reason, slotsReleased, detail);
    publish(event);
    return event;
  }

  /** Takes the next sequence number; the event is not readable until {@link #publish}ed. */
  synchronized ResourceManagerEvent next(EventType type, String taskExecutorId, String allocationId, String jobId,
      LossReason reason, int slotsReleased, String detail) {
    return new ResourceManagerEvent(++lastSeq, wallClock.millis(), type, taskExecutorId, allocationId, jobId, reason,
        slotsReleased, detail);
  }

  /** Makes an event taken by {@link #next} readable; called in sequence order. */
  synchronized void publish(ResourceManagerEvent event) {
    if (events.size() == capacity) {
      events.removeFirst();
    }
    events.addLast(event);
  }

  /**
   * Continues after a restart: the stored tail becomes readable and the next event gets {@code lastSeq + 1}.
   * Called once, before any other append.
   */
  synchronized void restore(long storedLastSeq, List<ResourceManagerEvent> tail) {
    for (ResourceManagerEvent e : tail) {
      publish(e);
    }
    lastSeq = Math.max(lastSeq, storedLastSeq);
  }

  /** Events with {@code seq > after}, oldest first, at most {@code limit} of them. */
  synchronized List<ResourceManagerEvent> after(long after, int limit) {
    List<ResourceManagerEvent> result = new ArrayList<>();
    for (ResourceManagerEvent e : events) {
      if (e.seq() > after) {
        result.add(e);
        if (result.size() == limit) {
          break;
        }
      }
    }
    return result;
  }

  synchronized ResourceManagerEvent last() {
    return events.peekLast();
  }
}
