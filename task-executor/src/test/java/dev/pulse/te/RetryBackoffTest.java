package dev.pulse.te;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Random;
import java.util.List;
import org.junit.jupiter.api.Test;

class RetryBackoffTest {

  @Test
  void forRegistration_doublesFrom100MillisAndCapsAt30Seconds() {
    RetryBackoff backoff = RetryBackoff.forRegistration(() -> 1.0); // the ceilings themselves

    assertThat(delaysInMillis(backoff, 13)).containsExactly(
        100L, 200L, 400L, 800L, 1_600L, 3_200L, 6_400L, 12_800L, 25_600L, 30_000L, 30_000L, 30_000L, 30_000L);
  }

  @Test
  void reset_startsOverAtTheInitialDelay() {
    RetryBackoff backoff = RetryBackoff.forRegistration(() -> 1.0);
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

  @Test
  void forRegistration_jittersEachDelayOverItsWholeCeiling() {
    long seed = new Random().nextLong();
    Random random = new Random(seed);
    RetryBackoff backoff = RetryBackoff.forRegistration(random::nextDouble);
    List<Long> ceilings = List.of(100L, 200L, 400L, 800L, 1_600L, 3_200L, 6_400L, 12_800L, 25_600L, 30_000L);

    List<Long> delays = delaysInMillis(backoff, ceilings.size());

    for (int i = 0; i < ceilings.size(); i++) {
      assertThat(delays.get(i)).as("attempt %d, seed %d", i + 1, seed).isBetween(0L, ceilings.get(i));
    }
  }

  @Test
  void healedPartition_spreadsTheRegistrationsOfManyExecutors_overTheCeiling() {
    long seed = new Random().nextLong();
    Random random = new Random(seed);
    // 1,000 task executors cut off together, each at its 10th attempt (ceiling 30 s) when the cut heals.
    double[] delays = new double[1_000];
    for (int te = 0; te < delays.length; te++) {
      RetryBackoff backoff = RetryBackoff.forRegistration(random::nextDouble);
      delaysInMillis(backoff, 9);
      delays[te] = backoff.nextDelay().toMillis();
    }
    Arrays.sort(delays);

    // Spread evenly over [0, 30 s]: each decile holds about a tenth (a storm would put them all in one).
    for (int decile = 1; decile < 10; decile++) {
      assertThat(delays[decile * 100]).as("decile %d, seed %d", decile, seed)
          .isBetween(decile * 3_000.0 - 1_500, decile * 3_000.0 + 1_500);
    }
  }

  @Test
  void forRegistration_byDefault_drawsRandomFractions() {
    RetryBackoff backoff = RetryBackoff.forRegistration();
    List<Long> ceilings = List.of(100L, 200L, 400L, 800L, 1_600L, 3_200L, 6_400L, 12_800L, 25_600L, 30_000L);

    List<Long> delays = delaysInMillis(backoff, ceilings.size());

    for (int i = 0; i < ceilings.size(); i++) {
      assertThat(delays.get(i)).isBetween(0L, ceilings.get(i));
    }
    // Ten fractions that all round to 0 ms would take odds of about 1 in 10^20.
    assertThat(delays).anyMatch(d -> d > 0);
  }

  @Test
  void jitterOutsideZeroToOne_isClamped() {
    assertThat(delaysInMillis(new RetryBackoff(Duration.ofMillis(100), Duration.ofSeconds(1), () -> 7.0), 2))
        .containsExactly(100L, 200L);
    assertThat(delaysInMillis(new RetryBackoff(Duration.ofMillis(100), Duration.ofSeconds(1), () -> -1.0), 2))
        .containsExactly(0L, 0L);
  }

  private static List<Long> delaysInMillis(RetryBackoff backoff, int n) {
    List<Long> delays = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      delays.add(backoff.nextDelay().toMillis());
    }
    return delays;
  }
}
