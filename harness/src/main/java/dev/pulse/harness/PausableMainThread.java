package dev.pulse.harness;

import dev.pulse.heartbeat.time.Cancellable;
import dev.pulse.heartbeat.time.MainThreadExecutor;
import dev.pulse.heartbeat.time.MonotonicClock;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The main thread the harness gives an in-process resource manager or task executor, so that it can
 * be frozen and killed from outside. {@link #pause()} queues a task that blocks the thread until
 * {@link #resume()}: everything the component does (answering heartbeats, sending them, timeouts)
 * waits behind it, as in a process that was stopped. {@link #kill()} stops the thread at once,
 * dropping queued tasks, as in a process that died.
 *
 * <p>Thread-safe: any thread may submit, pause, resume or kill. Tasks that throw are logged.
 */
final class PausableMainThread implements MainThreadExecutor, AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(PausableMainThread.class);

  private final ScheduledThreadPoolExecutor scheduler;
  private final MonotonicClock clock = MonotonicClock.system();
  private final Object lock = new Object();
  /** Released by {@link #resume()}; {@code null} while not paused. Guarded by {@link #lock}. */
  private CountDownLatch pause;

  PausableMainThread(String threadName) {
    this.scheduler = new ScheduledThreadPoolExecutor(1, r -> new Thread(r, threadName));
    scheduler.setRemoveOnCancelPolicy(true);
    scheduler.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
  }

  @Override
  public void execute(Runnable task) {
    scheduler.execute(logged(task));
  }

  @Override
  public Cancellable schedule(Runnable task, long delayNanos) {
    var future = scheduler.schedule(logged(task), Math.max(0, delayNanos), TimeUnit.NANOSECONDS);
    return () -> future.cancel(false);
  }

  @Override
  public long nanoTime() {
    return clock.nanoTime();
  }

  /** Blocks the thread (after the task it is running, if any) until {@link #resume()}. Idempotent. */
  void pause() {
    CountDownLatch latch;
    synchronized (lock) {
      if (pause != null) {
        return;
      }
      pause = latch = new CountDownLatch(1);
    }
    scheduler.execute(() -> {
      try {
        latch.await();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt(); // killed while paused
      }
    });
  }

  /** Lets the thread run again. Idempotent. */
  void resume() {
    CountDownLatch latch;
    synchronized (lock) {
      latch = pause;
      pause = null;
    }
    if (latch != null) {
      latch.countDown();
    }
  }

  boolean isPaused() {
    synchronized (lock) {
      return pause != null;
    }
  }

  /** Stops the thread at once: queued tasks are dropped, later submissions are rejected. */
  void kill() {
    scheduler.shutdownNow();
    awaitEnd();
  }

  /** Resumes if paused, lets queued due tasks run, and stops the thread. Idempotent. */
  @Override
  public void close() {
    resume();
    scheduler.shutdown();
    awaitEnd();
  }

  private void awaitEnd() {
    try {
      if (!scheduler.awaitTermination(5, TimeUnit.SECONDS)) {
        LOG.warn("main thread did not stop within 5 s; interrupting it");
        scheduler.shutdownNow();
        scheduler.awaitTermination(5, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      scheduler.shutdownNow();
      Thread.currentThread().interrupt();
    }
  }

  private static Runnable logged(Runnable task) {
    return () -> {
      try {
        task.run();
      } catch (RuntimeException | Error e) {
        LOG.error("task on the main thread failed", e);
      }
    };
  }
}
