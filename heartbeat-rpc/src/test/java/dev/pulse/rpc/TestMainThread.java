package dev.pulse.rpc;

import dev.pulse.heartbeat.time.Cancellable;
import dev.pulse.heartbeat.time.MainThreadExecutor;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * A real single-threaded {@link MainThreadExecutor} for loopback tests, on the system's monotonic
 * clock.
 *
 * <p>Why not heartbeat-core's {@code ScheduledMainThreadExecutor}: on the commit this branch is based
 * on, {@code MonotonicClock.SystemClock} creates its {@code INSTANCE} before its {@code SOURCE} is
 * set, so every use of {@code MonotonicClock.system()} fails with an {@code ExceptionInInitializerError}.
 * heartbeat-core is fixed on main (swapped declarations); use {@code ScheduledMainThreadExecutor} here
 * once this branch is merged.
 */
final class TestMainThread implements MainThreadExecutor, AutoCloseable {

  private final ScheduledThreadPoolExecutor scheduler;
  private final long origin = System.nanoTime() - 1;
  private volatile Thread thread;

  TestMainThread(String name) {
    this.scheduler = new ScheduledThreadPoolExecutor(1, runnable -> {
      Thread t = new Thread(runnable, name);
      t.setDaemon(true);
      thread = t;
      return t;
    });
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
    return System.nanoTime() - origin;
  }

  boolean isInMainThread() {
    return Thread.currentThread() == thread;
  }

  @Override
  public void close() {
    scheduler.shutdown();
    try {
      if (!scheduler.awaitTermination(5, TimeUnit.SECONDS)) {
        scheduler.shutdownNow();
      }
    } catch (InterruptedException e) {
      scheduler.shutdownNow();
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public String toString() {
    return "TestMainThread{" + thread + "}";
  }
}
