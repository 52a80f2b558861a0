package dev.pulse.te;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class RetryBackoffTest {

  @Test
  void forRegistration_doublesFrom100MillisAndCapsAt30Seconds() {
    RetryBackoff backoff = RetryBackoff.forRegistration();

    assertThat(delaysInMillis(backoff, 13)).containsExactly(
        100L, 200L, 400L, 800L, 1_600L, 3_200L, 6_400L, 12_800L, 25_600L, 30_000L, 30_000L, 30_000L, 30_000L);
  }

  @Test
  void reset_startsOverAtTheInitialDelay() {
    RetryBackoff backoff = RetryBackoff.forRegistration();
    delaysInMillis(backoff, 12);

    backoff.reset();

    assertThat(delaysInMillis(backoff, 3)).containsExactly(100L, 200L, 400L);
  }

  @Test
  void nextDelay_neverExceedsACapThatIsNoPowerOfTwoOfTheInitial() {
    RetryBackoff backoff = new RetryBackoff(Duration.ofMillis(300), Duration.ofMillis(1_000));

    assertThat(delaysInMillis(backoff, 4)).containsExactly(300L, 600L, 1_000L, 1_000L);
  }

  @Test
  void constructor_refusesNonPositiveInitialOrInitialAboveCap() {
    assertThatThrownBy(() -> new RetryBackoff(Duration.ZERO, Duration.ofSeconds(1)))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new RetryBackoff(Duration.ofSeconds(2), Duration.ofSeconds(1)))
        .isInstanceOf(IllegalArgumentException.class);
  }

  private static List<Long> delaysInMillis(RetryBackoff backoff, int n) {
    List<Long> delays = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      delays.add(backoff.nextDelay().toMillis());
    }
    return delays;
  }
}
