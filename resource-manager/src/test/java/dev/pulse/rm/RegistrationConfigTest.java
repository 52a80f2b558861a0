package dev.pulse.rm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pulse.config.ConfigException;
import dev.pulse.config.Settings;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The {@code resourcemanager.registration.*} keys: defaults, every key read, and errors naming the key. */
class RegistrationConfigTest {

  @Test
  void defaults_lagRuleOnForTheProcess_offEmbedded() {
    assertThat(RegistrationConfig.from(Settings.empty(), true)).isEqualTo(
        new RegistrationConfig(256, Duration.ofMillis(100), Duration.ofMillis(100), Duration.ofSeconds(1),
            Duration.ofSeconds(10)));
    assertThat(RegistrationConfig.from(Settings.empty())).isEqualTo(
        new RegistrationConfig(256, Duration.ZERO, Duration.ZERO, Duration.ofSeconds(1), Duration.ofSeconds(10)));
    assertThat(RegistrationConfig.defaults(true)).isEqualTo(RegistrationConfig.from(Settings.empty(), true));
  }

  @Test
  void everyKey_isRead() {
    Settings s = Settings.of(RegistrationConfig.MAX_IN_PROGRESS, "1", RegistrationConfig.MAX_TICK_LAG, "20 ms",
        RegistrationConfig.MAX_EVENT_LOOP_LAG, "30 ms", RegistrationConfig.RETRY_AFTER, "1 min",
        RegistrationConfig.START_UP_GRACE, "0 s");

    assertThat(RegistrationConfig.from(s)).isEqualTo(
        new RegistrationConfig(1, Duration.ofMillis(20), Duration.ofMillis(30), Duration.ofMinutes(1), Duration.ZERO));
  }

  @ParameterizedTest(name = "{0}: {1}")
  @CsvSource(delimiter = '|', value = {
      "resourcemanager.registration.max-in-progress | 0 | must be between 1 and 2147483647, was 0",
      "resourcemanager.registration.retry-after | 0 s | must be positive, was 0 s",
      "resourcemanager.registration.retry-after | 61 s | must be at most 1 min, was 61 s",
      "resourcemanager.registration.start-up-grace | soon | is not a duration"})
  void badValue_isRefusedNamingTheKey(String key, String value, String problem) {
    assertThatThrownBy(() -> RegistrationConfig.from(Settings.of(key, value)))
        .isInstanceOfSatisfying(ConfigException.class, e -> {
          assertThat(e.key()).isEqualTo(key);
          assertThat(e.getMessage()).contains(problem);
        });
  }

  @Test
  void constructor_refusesAZeroBound_namingTheKey() {
    assertThatThrownBy(() -> new RegistrationConfig(0, Duration.ofMillis(1), Duration.ofMillis(1), Duration.ofSeconds(1),
        Duration.ZERO))
        .isInstanceOfSatisfying(ConfigException.class,
            e -> assertThat(e.key()).isEqualTo(RegistrationConfig.MAX_IN_PROGRESS));
  }
}
