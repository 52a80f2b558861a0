package dev.pulse.te;

import java.util.ArrayList;
import java.util.List;

/**
 * A {@link TaskExecutorListener} that writes each callback as one line to {@link #events()}, e.g.
 * {@code registered rm-1 reg-1}, {@code freed slot 0 (allocation a-1 of job job-1)}. Thread-safe,
 * so loopback tests can read it while the task executor's main thread writes.
 */
final class RecordingListener implements TaskExecutorListener {

  private final List<String> events = new ArrayList<>();

  synchronized List<String> events() {
    return List.copyOf(events);
  }

  synchronized List<String> eventsStartingWith(String prefix) {
    return events.stream().filter(e -> e.startsWith(prefix)).toList();
  }

  @Override
  public synchronized void registered(String resourceManagerId, String registrationId) {
    events.add("registered " + resourceManagerId + " " + registrationId);
  }

  @Override
  public synchronized void resourceManagerLost(String resourceManagerId, String reason) {
    events.add("lost " + resourceManagerId + ": " + reason);
  }

  @Override
  public synchronized void slotAllocated(TaskSlot slot) {
    events.add("allocated " + slot);
  }

  @Override
  public synchronized void slotFreed(TaskSlot slot, String cause) {
    events.add("freed " + slot + ": " + cause);
  }

  @Override
  public synchronized void failStopped(String reason) {
    events.add("fail-stop: " + reason);
  }
}
