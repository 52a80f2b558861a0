package dev.pulse.rm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pulse.config.ConfigException;
import dev.pulse.config.Settings;
import dev.pulse.heartbeat.HeartbeatConfig;
import java.time.Duration;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

/** The {@code resourcemanager.loss-guard.*} and {@code resourcemanager.quarantine.*} keys: defaults, and errors naming the key. */
class LossGuardConfigTest {

  private static final HeartbeatConfig HEARTBEAT = HeartbeatConfig.of(Duration.ofSeconds(1), Duration.ofSeconds(5));

  @Test
  void defaults_areKubernetesZoneRule_andOneToSixtyMinuteQuarantine() {
    assertThat(LossGuardConfig.from(Settings.empty(), HEARTBEAT)).isEqualTo(
        new LossGuardConfig(true, 3, 0.55, 50, 0.01, Duration.ofMillis(500)));
    assertThat(LossGuardConfig.from(Settings.empty(), HeartbeatConfig.of(Duration.ofMillis(200),
        Duration.ofSeconds(1))).overloadTickLag()).isEqualTo(Duration.ofMillis(250));
    assertThat(QuarantineConfig.from(Settings.empty())).isEqualTo(
        new QuarantineConfig(3, Duration.ofMinutes(10), Duration.ofMinutes(1), Duration.ofHours(1)));
  }

  @Test
  void everyKey_isRead() {
    Settings s = Settings.of(LossGuardConfig.ENABLED, "false", LossGuardConfig.MIN_UNHEALTHY, "5",
        LossGuardConfig.UNHEALTHY_FRACTION, "0.7", LossGuardConfig.LARGE_CLUSTER_SIZE, "100",
        LossGuardConfig.SECONDARY_RELEASE_RATE, "0.5", LossGuardConfig.OVERLOAD_TICK_LAG, "2 s",
        QuarantineConfig.MAX_LOSSES, "-1", QuarantineConfig.WINDOW, "1 min", QuarantineConfig.INITIAL_BACKOFF, "5 s",
        QuarantineConfig.MAX_BACKOFF, "5 s");
    assertThat(LossGuardConfig.from(s, HEARTBEAT)).isEqualTo(
        new LossGuardConfig(false, 5, 0.7, 100, 0.5, Duration.ofSeconds(2)));
    assertThat(QuarantineConfig.from(s)).isEqualTo(
        new QuarantineConfig(-1, Duration.ofMinutes(1), Duration.ofSeconds(5), Duration.ofSeconds(5)));
  }

  @ParameterizedTest(name = "{0}: {1}")
  @CsvSource(delimiter = '|', value = {
      "resourcemanager.loss-guard.enabled | yes | 'yes' is not true or false",
      "resourcemanager.loss-guard.min-unhealthy | 0 | must be between 1 and 2147483647, was 0",
      "resourcemanager.loss-guard.unhealthy-fraction | 0 | must be above 0 and at most 1, was 0.0",
      "resourcemanager.loss-guard.unhealthy-fraction | 1.5 | must be above 0 and at most 1, was 1.5",
      "resourcemanager.loss-guard.unhealthy-fraction | half | 'half' is not a number",
      "resourcemanager.loss-guard.large-cluster-size | -1 | must be between 0 and 2147483647, was -1",
      "resourcemanager.loss-guard.secondary-release-rate | 0 | must be above 0 and at most 1000 (task executors per second), was 0.0",
      "resourcemanager.loss-guard.secondary-release-rate | NaN | must be above 0 and at most 1000 (task executors per second), was NaN",
      "resourcemanager.loss-guard.overload-tick-lag | 0 ms | must be positive, was 0 s",
      "resourcemanager.quarantine.max-losses | 0 | must be between 1 and 100, or -1 to disable, was 0",
      "resourcemanager.quarantine.max-losses | 101 | must be between -1 and 100, was 101",
      "resourcemanager.quarantine.window | 0 s | must be positive, was 0 s",
      "resourcemanager.quarantine.initial-backoff | soon | 'soon' is not a duration; use e.g. '500 ms', '10 s', '5 min' or a number of milliseconds",
      "resourcemanager.quarantine.max-backoff | 30 s | must be at least resourcemanager.quarantine.initial-backoff (1 min), was 30 s"})
  void badValue_isRefusedNamingTheKey(String key, String value, String problem) {
    Settings s = Settings.of(key, value);
    assertThatThrownBy(() -> {
      LossGuardConfig.from(s, HEARTBEAT);
      QuarantineConfig.from(s);
    }).isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.key()).isEqualTo(key))
        .hasMessage(key + ": " + problem);
  }
}
