package dev.pulse.heartbeat;

import dev.pulse.heartbeat.time.MainThreadExecutor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Hands heartbeat answers from transport threads to the main thread in batches: the sender's side of
 * {@link HeartbeatAnswer}.
 *
 * <p>An intrusive lock-free stack of the targets' reusable answer nodes, so queueing allocates
 * nothing. The report that finds the queue empty submits the drain task; every report after it, until
 * the main thread takes the queue, joins the same batch. So the main thread runs one task per batch,
 * not per answer, and every non-empty queue has a drain task on its way.
 *
 * <p>Thread-safe: {@link #offer} from any thread, {@link #takeAll} on the main thread only.
 */
final class AnswerQueue {

  /** A queued node: one target's answer, linked through {@link #next}. */
  abstract static class Node {
    /** The node queued before this one (in {@link #takeAll}'s result: after it). */
    Node next;
  }

  private final AtomicReference<Node> head = new AtomicReference<>();
  private final MainThreadExecutor mainThread;
  private final Runnable drainTask;

  /**
   * @param drainTask runs on {@code mainThread} after a report found the queue empty; it should
   *     {@link #takeAll} and apply the batch
   */
  AnswerQueue(MainThreadExecutor mainThread, Runnable drainTask) {
    this.mainThread = mainThread;
    this.drainTask = drainTask;
  }

  /**
   * Queues {@code node}, which must not be queued already. Any thread. When the main thread no longer
   * takes tasks (its owner is shutting down), the answer stays queued and is never applied.
   */
  void offer(Node node) {
    Node h;
    do {
      h = head.get();
      node.next = h;
    } while (!head.compareAndSet(h, node));
    if (h == null) {
      try {
        mainThread.execute(drainTask);
      } catch (RejectedExecutionException stopped) {
        // the owner is shutting down: nobody is left to tell
      }
    }
  }

  /** Takes every queued node, oldest first, linked through {@code next}; {@code null} if none. Main thread. */
  Node takeAll() {
    Node newestFirst = head.getAndSet(null);
    Node oldestFirst = null;
    while (newestFirst != null) {
      Node n = newestFirst;
      newestFirst = n.next;
      n.next = oldestFirst;
      oldestFirst = n;
    }
    return oldestFirst;
  }
}
