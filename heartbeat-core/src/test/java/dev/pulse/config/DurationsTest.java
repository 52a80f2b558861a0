package dev.pulse.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Durations accept Flink's units, in any case, singular or plural, with or without a space. */
class DurationsTest {

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "2 d | PT48H", "1day | PT24H", "3 days | PT72H",
      "1 h | PT1H", "2 hours | PT2H",
      "5 min | PT5M", "5m | PT5M", "1 minute | PT1M", "10 mins | PT10M",
      "10 s | PT10S", "10sec | PT10S", "1 second | PT1S", "30 secs | PT30S",
      "500 ms | PT0.5S", "500 milli | PT0.5S", "250 millis | PT0.25S", "1 millisecond | PT0.001S",
      "1500 µs | PT0.0015S", "1500 μs | PT0.0015S", "1500 us | PT0.0015S", "2 micro | PT0.000002S",
      "7 microseconds | PT0.000007S",
      "10 ns | PT0.00000001S", "10 nanos | PT0.00000001S", "1 nanosecond | PT0.000000001S",
      "750 | PT0.75S", "2 S | PT2S", "1 MIN | PT1M"})
  void parse_flinkUnits(String text, String expected) {
    assertThat(Durations.parse("k", text)).isEqualTo(Duration.parse(expected));
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "5 fortnights | k: '5 fortnights' is not a duration: unknown unit 'fortnights'; use d, h, min, s, ms, us or ns",
      "10 mss | k: '10 mss' is not a duration: unknown unit 'mss'; use d, h, min, s, ms, us or ns",
      "1.5 s | k: '1.5 s' is not a duration; use e.g. '500 ms', '10 s', '5 min' or a number of milliseconds",
      "366 d | k: '366 d' is too large; at most 365 days is allowed"})
  void parse_refusesWithTheKey(String text, String message) {
    assertThatThrownBy(() -> Durations.parse("k", text)).isInstanceOf(ConfigException.class).hasMessage(message);
  }

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
