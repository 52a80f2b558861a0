package dev.pulse.heartbeat.time;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.PriorityQueue;

/**
 * A deterministic {@link MainThreadExecutor} for tests: time stands still until the test moves it, and
 * tasks run only when the test says so, on the test's own thread.
 *
 * <ul>
 *   <li>{@link #runPending()} runs everything submitted with {@code execute} or due by now;
 *   <li>{@link #advance(Duration)} moves time forward in steps, running each task at exactly its
 *       due time, as a healthy process would;
 *   <li>{@link #freeze(Duration)} moves time forward <em>without</em> running anything in between,
 *       then runs what is due, late: the owner's process was paused (GC, SIGSTOP).
 * </ul>
 * Tasks due at the same instant run in the order they were scheduled. Not thread-safe: one test
 * thread drives it; other threads may only {@code execute} (which is synchronized), as a transport's
 * callback would.
 */
public final class ManualMainThreadExecutor implements MainThreadExecutor {

  private final PriorityQueue<Scheduled> delayed = new PriorityQueue<>();
  private final ArrayDeque<Runnable> ready = new ArrayDeque<>();
  private long now;
  private long sequence;
  private long tasksRun;

  /** Starts at an arbitrary positive time, as real monotonic clocks do. */
  public ManualMainThreadExecutor() {
    this(1_000_000_000L);
  }

  public ManualMainThreadExecutor(long startNanos) {
    if (startNanos <= 0) {
      throw new IllegalArgumentException("monotonic readings must be > 0, was " + startNanos);
    }
    this.now = startNanos;
  }

  @Override
  public long nanoTime() {
    return now;
  }

  @Override
  public synchronized void execute(Runnable task) {
    ready.add(task);
  }

  @Override
  public Cancellable schedule(Runnable task, long delayNanos) {
    Scheduled s = new Scheduled(now + Math.max(0, delayNanos), sequence++, task);
    delayed.add(s);
    return () -> s.cancelled = true;
  }

  /** Runs every task that is ready or due now, including those they submit, until none is left. */
  public ManualMainThreadExecutor runPending() {
    while (true) {
      Runnable next = nextReady();
      if (next == null) {
        Scheduled due = delayed.peek();
        if (due == null || due.dueAt > now) {
          return this;
        }
        delayed.poll();
        if (!due.cancelled) {
          run(due.task);
        }
        continue;
      }
      run(next);
    }
  }

  /** Moves time forward by {@code d}, running each task at its due time; then runs what is pending. */
  public ManualMainThreadExecutor advance(Duration d) {
    return advanceNanos(d.toNanos());
  }

  /** As {@link #advance(Duration)}, in nanoseconds. */
  public ManualMainThreadExecutor advanceNanos(long nanos) {
    if (nanos < 0) {
      throw new IllegalArgumentException("time does not go back: " + nanos);
    }
    long target = now + nanos;
    runPending();
    while (true) {
      Scheduled due = delayed.peek();
      if (due == null || due.dueAt > target) {
        break;
      }
      now = Math.max(now, due.dueAt);
      runPending();
    }
    now = target;
    return runPending();
  }

  /** Moves time to {@code atNanos} (which must not be in the past), running tasks on the way. */
  public ManualMainThreadExecutor advanceTo(long atNanos) {
    return advanceNanos(atNanos - now);
  }

  /**
   * Simulates a pause of the owner's process: time jumps by {@code d} while nothing runs; then every
   * task that fell due during the pause runs, late.
   */
  public ManualMainThreadExecutor freeze(Duration d) {
    now += d.toNanos();
    return runPending();
  }

  /** Tasks scheduled and neither run nor cancelled. */
  public int scheduledTasks() {
    return (int) delayed.stream().filter(s -> !s.cancelled).count();
  }

  /** Due time of the earliest scheduled task, or -1 if none. */
  public long nextDueAt() {
    return delayed.stream().filter(s -> !s.cancelled).mapToLong(s -> s.dueAt).min().orElse(-1);
  }

  /** Total tasks run so far. */
  public long tasksRun() {
    return tasksRun;
  }

  private synchronized Runnable nextReady() {
    return ready.poll();
  }

  private void run(Runnable task) {
    tasksRun++;
    task.run();
  }

  private static final class Scheduled implements Comparable<Scheduled> {
    final long dueAt;
    final long seq;
    final Runnable task;
    boolean cancelled;

    Scheduled(long dueAt, long seq, Runnable task) {
      this.dueAt = dueAt;
      this.seq = seq;
      this.task = task;
    }

    @Override
    public int compareTo(Scheduled o) {
      int c = Long.compare(dueAt, o.dueAt);
      return c != 0 ? c : Long.compare(seq, o.seq);
    }
  }
}
