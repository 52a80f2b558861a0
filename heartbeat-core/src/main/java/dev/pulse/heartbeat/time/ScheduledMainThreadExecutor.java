package dev.pulse.heartbeat.time;

import java.time.Duration;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.RunnableScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A production {@link MainThreadExecutor}: one daemon-less platform thread with a delay queue.
 *
 * <p>Thread-safe: any thread may submit. Tasks that throw are logged and do not stop the thread.
 * Cancelled tasks leave the queue at once, so a heartbeat manager that schedules one wake-up at a
 * time leaves no garbage behind. {@link #close()} stops accepting tasks, lets running ones finish
 * and waits up to five seconds for the thread to end.
 */
public final class ScheduledMainThreadExecutor implements MainThreadExecutor, AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(ScheduledMainThreadExecutor.class);

  private final ScheduledThreadPoolExecutor scheduler;
  private final MonotonicClock clock = MonotonicClock.system();
  private volatile Thread thread;

  /**
   * @param threadName name of the main thread, shown in thread dumps and log lines
   */
  public ScheduledMainThreadExecutor(String threadName) {
    this.scheduler = new ScheduledThreadPoolExecutor(1, runnable -> {
      Thread t = new Thread(runnable, threadName);
      thread = t;
      return t;
    }) {
      @Override
      protected void afterExecute(Runnable r, Throwable t) {
        super.afterExecute(r, t);
        logFailure(r, t);
      }
    };
    scheduler.setRemoveOnCancelPolicy(true);
    scheduler.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
    scheduler.prestartCoreThread();
  }

  @Override
  public void execute(Runnable task) {
    scheduler.execute(task);
  }

  @Override
  public Cancellable schedule(Runnable task, long delayNanos) {
    var future = scheduler.schedule(task, Math.max(0, delayNanos), TimeUnit.NANOSECONDS);
    return () -> future.cancel(false);
  }

  @Override
  public long nanoTime() {
    return clock.nanoTime();
  }

  /** True when called from this executor's thread. */
  public boolean isInMainThread() {
    return Thread.currentThread() == thread;
  }

  /** Number of tasks waiting, due or delayed; for diagnostics and leak tests. */
  public int queuedTasks() {
    return scheduler.getQueue().size();
  }

  @Override
  public void close() {
    scheduler.shutdown();
    try {
      if (!scheduler.awaitTermination(Duration.ofSeconds(5).toNanos(), TimeUnit.NANOSECONDS)) {
        LOG.warn("main thread {} did not stop within 5 s; interrupting it", thread);
        scheduler.shutdownNow();
      }
    } catch (InterruptedException e) {
      scheduler.shutdownNow();
      Thread.currentThread().interrupt();
    }
  }

  // ScheduledThreadPoolExecutor wraps tasks in futures, which swallow exceptions: dig them out so that
  // a failing scheduled task is logged instead of vanishing.
  private static void logFailure(Runnable r, Throwable t) {
    Throwable failure = t;
    if (failure == null && r instanceof Future<?> f && f.isDone()
        && !(r instanceof RunnableScheduledFuture<?> s && s.isPeriodic())) {
      try {
        f.get();
      } catch (CancellationException ignored) {
        // cancelled on purpose
      } catch (ExecutionException e) {
        failure = e.getCause();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    if (failure != null) {
      LOG.error("task on the main thread failed", failure);
    }
  }
}
