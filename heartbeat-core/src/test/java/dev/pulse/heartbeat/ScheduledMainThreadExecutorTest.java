package dev.pulse.heartbeat;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import dev.pulse.heartbeat.time.Cancellable;
import dev.pulse.heartbeat.time.MainThreadExecutor;
import dev.pulse.heartbeat.time.MonotonicClock;
import dev.pulse.heartbeat.time.ScheduledMainThreadExecutor;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The production main thread (kept in this package, not in {@code time}: it uses {@link LogCapture}, and the
 * test-jar's packages must not depend on each other in a cycle, which harness's ArchitectureTest checks), on a real thread: where tasks run, cancelling, closing, and failures
 * that are logged instead of lost. Waits are on latches and futures with generous bounds; nothing
 * sleeps.
 */
class ScheduledMainThreadExecutorTest {

  private static final long PATIENCE_SECONDS = 30;

  private final ScheduledMainThreadExecutor main = new ScheduledMainThreadExecutor("test-main");
  private final LogCapture log = LogCapture.of(ScheduledMainThreadExecutor.class);

  @AfterEach
  void tearDown() {
    main.close();
    log.close();
  }

  @Test
  void execute_runsOnTheNamedMainThread_whichKnowsItself() throws Exception {
    CompletableFuture<String> where = new CompletableFuture<>();
    main.execute(() -> where.complete(Thread.currentThread().getName() + " " + main.isInMainThread()));

    assertThat(where.get(PATIENCE_SECONDS, TimeUnit.SECONDS)).isEqualTo("test-main true");
    assertThat(main.isInMainThread()).isFalse();
  }

  @Test
  void schedule_runsNoEarlierThanTheDelay_onTheExecutorsOwnClock() throws Exception {
    long delay = TimeUnit.MILLISECONDS.toNanos(20);
    long scheduledAt = main.nanoTime();
    CompletableFuture<Long> ranAt = new CompletableFuture<>();

    main.schedule(() -> ranAt.complete(main.nanoTime()), delay);

    assertThat(scheduledAt).isPositive();
    assertThat(ranAt.get(PATIENCE_SECONDS, TimeUnit.SECONDS) - scheduledAt).isGreaterThanOrEqualTo(delay);
  }

  @Test
  void cancel_removesTheTaskFromTheQueue() {
    Cancellable handle = main.schedule(() -> {}, TimeUnit.HOURS.toNanos(1));
    assertThat(main.queuedTasks()).isEqualTo(1);

    handle.cancel();

    assertThat(main.queuedTasks()).isZero();
  }

  @Test
  void close_dropsDelayedTasks_andStopsAtOnceWithoutAWarning() {
    main.schedule(() -> {}, TimeUnit.HOURS.toNanos(1));

    main.close();

    // Had the delayed task been kept, close would have waited its 5 s and warned.
    assertThat(log.warnings()).isEmpty();
  }

  @Test
  void close_interrupted_stopsTheMainThreadNow_andKeepsTheInterrupt() throws Exception {
    CountDownLatch running = new CountDownLatch(1);
    CompletableFuture<Boolean> interrupted = new CompletableFuture<>();
    main.execute(() -> {
      running.countDown();
      try {
        new CountDownLatch(1).await(PATIENCE_SECONDS, TimeUnit.SECONDS);
        interrupted.complete(false);
      } catch (InterruptedException e) {
        interrupted.complete(true);
      }
    });
    assertThat(running.await(PATIENCE_SECONDS, TimeUnit.SECONDS)).isTrue();

    Thread.currentThread().interrupt();
    main.close();

    assertThat(Thread.interrupted()).isTrue();
    assertThat(interrupted.get(PATIENCE_SECONDS, TimeUnit.SECONDS)).isTrue();
  }

  @Test
  void aTaskThatThrows_isLoggedAsAnError_andTheMainThreadCarriesOn() throws Exception {
    IllegalStateException boom = new IllegalStateException("test: boom");
    main.execute(() -> {
      throw boom;
    });
    CompletableFuture<Void> next = new CompletableFuture<>();
    main.execute(() -> next.complete(null));
    next.get(PATIENCE_SECONDS, TimeUnit.SECONDS);
    main.close();

    assertThat(log.atLeast(Level.WARN)).singleElement().satisfies(e -> {
      assertThat(e.getLevel()).isEqualTo(Level.ERROR);
      assertThat(e.getFormattedMessage()).isEqualTo("task on the main thread failed");
      assertThat(e.getThrowableProxy().getMessage()).isEqualTo("test: boom");
    });
  }

  @Test
  void tasksThatSucceed_logNothing() throws Exception {
    CompletableFuture<Void> done = new CompletableFuture<>();
    main.schedule(() -> {}, 0);
    main.execute(() -> done.complete(null));
    done.get(PATIENCE_SECONDS, TimeUnit.SECONDS);
    main.close();

    assertThat(log.events()).isEmpty();
  }

  @Test
  void wrap_delegatesToTheSchedulerAndTheGivenClock() throws Exception {
    ScheduledExecutorService scheduler = new ScheduledThreadPoolExecutor(1);
    try {
      MainThreadExecutor wrapped = MainThreadExecutor.wrap(scheduler, () -> 42L);
      CompletableFuture<String> ran = new CompletableFuture<>();
      wrapped.execute(() -> ran.complete("executed"));
      CompletableFuture<String> scheduled = new CompletableFuture<>();
      Cancellable never = wrapped.schedule(() -> scheduled.complete("too early"), TimeUnit.HOURS.toNanos(1));
      never.cancel();
      wrapped.schedule(() -> scheduled.complete("scheduled"), -5);

      assertThat(ran.get(PATIENCE_SECONDS, TimeUnit.SECONDS)).isEqualTo("executed");
      assertThat(scheduled.get(PATIENCE_SECONDS, TimeUnit.SECONDS)).isEqualTo("scheduled");
      assertThat(wrapped.nanoTime()).isEqualTo(42L);
      assertThat(MainThreadExecutor.wrap(scheduler).nanoTime()).isPositive();
    } finally {
      scheduler.shutdownNow();
      assertThat(scheduler.awaitTermination(PATIENCE_SECONDS, TimeUnit.SECONDS)).isTrue();
    }
  }

  @Test
  void systemClock_positiveAndNeverGoingBack() {
    MonotonicClock clock = MonotonicClock.system();
    long first = clock.nanoTime();
    long second = clock.nanoTime();
    assertThat(first).isPositive();
    assertThat(second).isGreaterThanOrEqualTo(first);
    assertThat(MonotonicClock.system()).isSameAs(clock);
  }
}
