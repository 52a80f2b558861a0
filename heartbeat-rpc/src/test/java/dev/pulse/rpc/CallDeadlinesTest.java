package dev.pulse.rpc;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.CallOptions;
import io.grpc.Deadline;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Heartbeat call options: shared within {@link CallDeadlines#REUSE}, deadline never beyond the interval. */
class CallDeadlinesTest {

  private static final Duration INTERVAL = Duration.ofSeconds(1);

  /** A ticker the test moves. */
  private static final class ManualTicker extends Deadline.Ticker {
    long now = 5_000_000_000L;

    @Override
    public long nanoTime() {
      return now;
    }
  }

  @Test
  void current_withinReuse_sharesOneOptionsObject_thenBuildsANewOne() {
    ManualTicker ticker = new ManualTicker();
    CallDeadlines deadlines = new CallDeadlines(INTERVAL, ticker);

    CallOptions first = deadlines.current();
    ticker.now += CallDeadlines.REUSE.toNanos() - 1;
    CallOptions sameWindow = deadlines.current();
    ticker.now += 1;
    CallOptions next = deadlines.current();

    assertThat(sameWindow).isSameAs(first);
    assertThat(next).isNotSameAs(first);
    assertThat(next.getDeadline().timeRemaining(TimeUnit.NANOSECONDS)).isEqualTo(INTERVAL.toNanos());
  }

  @Test
  void current_deadline_isNeverLongerThanTheInterval_norShorterByMoreThanReuse() {
    ManualTicker ticker = new ManualTicker();
    CallDeadlines deadlines = new CallDeadlines(INTERVAL, ticker);
    deadlines.current();

    for (long step = 0; step < 5 * CallDeadlines.REUSE.toNanos(); step += 97_000) {
      ticker.now += 97_000;
      long remaining = deadlines.current().getDeadline().timeRemaining(TimeUnit.NANOSECONDS);
      assertThat(remaining).isLessThanOrEqualTo(INTERVAL.toNanos())
          .isGreaterThan(INTERVAL.minus(CallDeadlines.REUSE).toNanos());
    }
  }

  @Test
  void current_runsAnswersOnTheTransportThread() {
    Runnable[] ran = new Runnable[1];
    new CallDeadlines(INTERVAL).current().getExecutor().execute(() -> ran[0] = () -> {});
    assertThat(ran[0]).as("the executor runs the task in the calling thread, at once").isNotNull();
  }
}
