package dev.pulse.heartbeat.time;

import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The owner's single "main thread": runs tasks one at a time, in submission order, schedules delayed
 * tasks, and tells the monotonic time its schedule is measured in.
 *
 * <p>Heartbeat managers confine all their state to this executor: every timeout, every sender tick
 * and every listener callback runs on it, so the core needs no locks. Putting the clock on the same
 * interface keeps the two consistent: a test's fake executor advances the time that it schedules by.
 *
 * <p>Production code uses {@link ScheduledMainThreadExecutor} or {@link #wrap} around an existing
 * single-threaded scheduler; tests use {@code ManualMainThreadExecutor} from heartbeat-core's test-jar.
 */
public interface MainThreadExecutor extends Executor, MonotonicClock {

  /**
   * Runs {@code task} on this executor once {@code delayNanos} have passed on {@link #nanoTime()}.
   * A delay of zero or less runs it as soon as possible, after tasks already due.
   *
   * @return a handle that cancels the task if it has not started
   */
  Cancellable schedule(Runnable task, long delayNanos);

  /**
   * Adapts an existing scheduler. The caller promises that {@code scheduler} runs one task at a time
   * (a single-threaded executor); the heartbeat core relies on it.
   */
  static MainThreadExecutor wrap(ScheduledExecutorService scheduler) {
    return wrap(scheduler, MonotonicClock.system());
  }

  /** As {@link #wrap(ScheduledExecutorService)}, with the clock the scheduler's delays are measured on. */
  static MainThreadExecutor wrap(ScheduledExecutorService scheduler, MonotonicClock clock) {
    return new MainThreadExecutor() {
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
    };
  }
}
