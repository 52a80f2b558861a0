package dev.pulse.heartbeat.time;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class QuietlyTest {

  @Test
  void during_conditionHoldsThroughout_returnsAfterTheWindow_checkingItAllAlong() {
    AtomicInteger checks = new AtomicInteger();
    long start = System.nanoTime();

    Quietly.during(Duration.ofMillis(300), "nothing happens", () -> checks.incrementAndGet() > 0);

    assertThat(System.nanoTime() - start).isGreaterThanOrEqualTo(Duration.ofMillis(300).toNanos());
    assertThat(checks.get()).isGreaterThanOrEqualTo(3);
  }

  @Test
  void during_conditionFailsOnce_failsAtOnce_evenIfItHoldsAgainLater() {
    AtomicInteger checks = new AtomicInteger();
    long start = System.nanoTime();

    assertThatThrownBy(() -> Quietly.during(Duration.ofSeconds(60), "no loss", () -> checks.incrementAndGet() != 2))
        .isInstanceOf(AssertionError.class).hasMessageContaining("no loss");
    // Well before the 60 s window ended: at the second check.
    assertThat(System.nanoTime() - start).isLessThan(Duration.ofSeconds(30).toNanos());
  }

  @Test
  void during_conditionThrows_failsNamingTheExpectation() {
    assertThatThrownBy(() -> Quietly.during(Duration.ofSeconds(60), "the store answers", () -> {
      throw new IllegalStateException("closed");
    })).isInstanceOf(AssertionError.class).hasMessageContaining("the store answers");
  }
}
