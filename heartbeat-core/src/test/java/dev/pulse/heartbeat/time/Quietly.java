package dev.pulse.heartbeat.time;

import java.time.Duration;
import java.util.concurrent.Callable;
import org.awaitility.Awaitility;
import org.awaitility.core.ConditionTimeoutException;

/**
 * A window of real time in which nothing may happen, named as such: for tests on real sockets and
 * processes that must show that something (a loss, a re-registration) does <em>not</em> occur.
 *
 * <pre>{@code
 * Quietly.during(Duration.ofSeconds(5), "no task executor is lost",
 *     () -> rm.events(0, 1_000).stream().noneMatch(e -> e.type() == EventType.TASK_EXECUTOR_LOST));
 * }</pre>
 *
 * The condition is checked every {@link #POLL} from the start of the window to its end, and the test
 * fails at the first check that finds it false, even if it would hold again later: a flap is a
 * failure, unlike {@code await().during(...)}, which waits for the condition to hold again. A window
 * is a fixed cost in wall time; keep it as short as the claim allows. Tests on the fake clock need
 * none of this: they advance {@link ManualMainThreadExecutor} and look.
 *
 * <p>Stateless; call it from the test thread.
 */
public final class Quietly {

  /** How often the condition is checked inside the window. */
  public static final Duration POLL = Duration.ofMillis(50);
  /** Slack for a slow check at the end of the window, on a loaded machine. */
  private static final Duration GRACE = Duration.ofSeconds(30);

  private Quietly() {}

  /**
   * Returns after {@code window} if {@code stillQuiet} held at every check; throws an
   * {@link AssertionError} naming {@code expectation} at the first check where it did not.
   */
  public static void during(Duration window, String expectation, Callable<Boolean> stillQuiet) {
    long end = System.nanoTime() + window.toNanos();
    try {
      Awaitility.await(expectation)
          .pollDelay(Duration.ZERO)
          .pollInterval(POLL)
          .atMost(window.plus(GRACE))
          .failFast(expectation + " (it did happen within " + window.toMillis() + " ms)", () -> !stillQuiet.call())
          .until(() -> System.nanoTime() - end >= 0);
      if (!stillQuiet.call()) {
        throw new AssertionError("not quiet for " + window.toMillis() + " ms: " + expectation);
      }
    } catch (ConditionTimeoutException e) {
      throw new AssertionError("the window of " + window.toMillis() + " ms did not end in time: " + expectation, e);
    } catch (Exception e) {
      throw new AssertionError("not quiet for " + window.toMillis() + " ms: " + expectation, e);
    }
  }
}
