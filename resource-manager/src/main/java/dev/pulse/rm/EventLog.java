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

  synchronized ResourceManagerEvent append(EventType type, String taskExecutorId, String allocationId, String jobId,
      LossReason reason, int slotsReleased, String detail) {
    ResourceManagerEvent event = new ResourceManagerEvent(++lastSeq, wallClock.millis(), type, taskExecutorId,
        allocationId, jobId, reason, slotsReleased, detail);
    if (events.size() == capacity) {
      events.removeFirst();
    }
    events.addLast(event);
    return event;
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
