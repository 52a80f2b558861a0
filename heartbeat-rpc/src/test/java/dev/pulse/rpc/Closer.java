package dev.pulse.rpc;

import java.util.ArrayDeque;
import java.util.Deque;

/**
 * Closes what a test opened, last opened first, even when some closes fail; the failures are thrown
 * together afterwards. Tests call {@link #close()} from {@code @AfterEach}.
 */
final class Closer implements AutoCloseable {

  private final Deque<AutoCloseable> resources = new ArrayDeque<>();

  /** Registers {@code resource} and returns it. */
  synchronized <T extends AutoCloseable> T register(T resource) {
    resources.push(resource);
    return resource;
  }

  @Override
  public void close() {
    IllegalStateException failures = null;
    while (true) {
      AutoCloseable next;
      synchronized (this) {
        next = resources.poll();
      }
      if (next == null) {
        break;
      }
      try {
        next.close();
      } catch (Exception e) {
        if (failures == null) {
          failures = new IllegalStateException("closing test resources failed", e);
        } else {
          failures.addSuppressed(e);
        }
      }
    }
    if (failures != null) {
      throw failures;
    }
  }
}
