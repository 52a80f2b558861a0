package dev.pulse.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/** Printing durations, and the one-year bound for values built in code (parsing: HeartbeatConfigTest). */
class DurationsTest {

  @Test
  void format_largestUnitThatKeepsTheValueWhole() {
    assertThat(Durations.format(Duration.ofMinutes(5))).isEqualTo("5 min");
    assertThat(Durations.format(Duration.ofSeconds(90))).isEqualTo("90 s");
    assertThat(Durations.format(Duration.ZERO)).isEqualTo("0 s");
    assertThat(Durations.format(Duration.ofMillis(1500))).isEqualTo("1500 ms");
    assertThat(Durations.format(Duration.ofNanos(2_500_000_000L + 1_000))).isEqualTo("2500001 us");
    assertThat(Durations.format(Duration.ofNanos(7))).isEqualTo("7 ns");
  }

  @Test
  void format_tooLongForNanoseconds_stillFormats() {
    Duration huge = Duration.ofSeconds(Long.MAX_VALUE / 2, 1);
    assertThat(Durations.format(huge)).isEqualTo(huge.toString());
  }

  @Test
  void requireAtMost_aYear_passesItThrough_moreNamesTheKey() {
    assertThat(Durations.requireAtMost("heartbeat.timeout", Duration.ofDays(365))).isEqualTo(Duration.ofDays(365));
    assertThatThrownBy(() -> Durations.requireAtMost("heartbeat.timeout", Duration.ofDays(366)))
        .isInstanceOf(ConfigException.class)
        .hasMessage("heartbeat.timeout: 527040 min is too large; at most 365 days is allowed"); // 366 x 1440
  }
}
