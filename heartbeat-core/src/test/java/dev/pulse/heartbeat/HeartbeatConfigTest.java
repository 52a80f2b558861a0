package dev.pulse.heartbeat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pulse.config.ConfigException;
import dev.pulse.config.Durations;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** SPEC 2 point 9 and SPEC 5: validation names the key; durations in every documented form. */
class HeartbeatConfigTest {

  @Test
  void defaults_matchTheSpec() {
    HeartbeatConfig c = HeartbeatConfig.fromMap(Map.of());
    assertThat(c.interval()).isEqualTo(Duration.ofSeconds(10));
    assertThat(c.timeout()).isEqualTo(Duration.ofSeconds(50));
    assertThat(c.rpcFailureThreshold()).isEqualTo(2);
    assertThat(c.spread()).isTrue();
    assertThat(c).isEqualTo(HeartbeatConfig.DEFAULTS);
  }

  @Test
  void intervalMustBePositive() {
    assertThatThrownBy(() -> HeartbeatConfig.of(Duration.ZERO, Duration.ofSeconds(1)))
        .isInstanceOf(ConfigException.class)
        .hasMessage("heartbeat.interval: must be > 0, was 0 s")
        .extracting(e -> ((ConfigException) e).key()).isEqualTo("heartbeat.interval");
    assertThatThrownBy(() -> HeartbeatConfig.of(Duration.ofMillis(-5), Duration.ofSeconds(1)))
        .hasMessageStartingWith("heartbeat.interval: must be > 0");
  }

  @Test
  void timeoutMustBeLongerThanInterval() {
    assertThatThrownBy(() -> HeartbeatConfig.of(Duration.ofSeconds(2), Duration.ofSeconds(1)))
        .isInstanceOf(ConfigException.class)
        .hasMessageStartingWith("heartbeat.timeout: must be > heartbeat.interval (2 s), was 1 s");
    assertThat(HeartbeatConfig.of(Duration.ofSeconds(2), Duration.ofMillis(2001)).timeout()).hasMillis(2001);
  }

  @Test
  void timeoutEqualToInterval_isRejected_sayingWhyAndWhatToUse() {
    // With timeout == interval every task executor flapped: any answer a moment late lost it.
    assertThatThrownBy(() -> HeartbeatConfig.of(Duration.ofSeconds(2), Duration.ofSeconds(2)))
        .isInstanceOf(ConfigException.class)
        .hasMessage("heartbeat.timeout: must be > heartbeat.interval (2 s), was 2 s; otherwise any late answer"
            + " loses a healthy target; use at least twice the interval, e.g. 4 s")
        .extracting(e -> ((ConfigException) e).key()).isEqualTo("heartbeat.timeout");
    assertThatThrownBy(() -> HeartbeatConfig.fromMap(Map.of("heartbeat.interval", "10 s", "heartbeat.timeout", "10 s")))
        .isInstanceOf(ConfigException.class)
        .hasMessageStartingWith("heartbeat.timeout: must be > heartbeat.interval (10 s), was 10 s");
  }

  @Test
  void timeoutUnderTwoIntervals_isAccepted_butWarnedAboutOnce() {
    HeartbeatConfig tight = HeartbeatConfig.of(Duration.ofSeconds(2), Duration.ofSeconds(3));
    assertThat(tight.toleratesOneMissedRequest()).isFalse();
    assertThat(HeartbeatConfig.of(Duration.ofSeconds(2), Duration.ofSeconds(4)).toleratesOneMissedRequest()).isTrue();
    try (LogCapture log = LogCapture.of(HeartbeatServices.class)) {
      HeartbeatServices.of(tight);
      HeartbeatServices.of(HeartbeatConfig.DEFAULTS);
      assertThat(log.warnings()).singleElement().asString()
          .isEqualTo("heartbeat.timeout (3 s) is less than twice heartbeat.interval (2 s): a single late heartbeat"
              + " answer loses a healthy target; use at least 4 s");
    }
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "heartbeat.timeout | 9999999999999",
      "heartbeat.timeout | 9223372036854775 us",
      "heartbeat.timeout | 8761 h",
      "heartbeat.interval | 525601 min",
      "heartbeat.interval | 999999999999999999 s",
  })
  void fromMap_durationOverAYear_isRejectedNamingTheKey(String key, String value) {
    // 9999999999999 ms used to pass validation and overflow later, in Duration.toNanos().
    assertThatThrownBy(() -> HeartbeatConfig.fromMap(Map.of(key, value)))
        .isInstanceOf(ConfigException.class)
        .hasMessage(key + ": '" + value + "' is too large; at most 365 days is allowed")
        .extracting(e -> ((ConfigException) e).key()).isEqualTo(key);
  }

  @Test
  void durationsUpToAYear_areAccepted() {
    HeartbeatConfig c = HeartbeatConfig.fromMap(Map.of("heartbeat.interval", "8759 h", "heartbeat.timeout", "8760 h"));
    assertThat(c.timeout()).isEqualTo(Durations.MAX).isEqualTo(Duration.ofDays(365));
  }

  @Test
  void embedderDurationOverAYear_isRejectedNamingTheKey() {
    assertThatThrownBy(() -> HeartbeatConfig.of(Duration.ofSeconds(1), Duration.ofDays(366)))
        .isInstanceOf(ConfigException.class)
        .hasMessage("heartbeat.timeout: 527040 min is too large; at most 365 days is allowed");
    assertThatThrownBy(() -> HeartbeatConfig.of(Duration.ofSeconds(1), Duration.ofSeconds(Long.MAX_VALUE)))
        .isInstanceOf(ConfigException.class)
        .hasMessageEndingWith("is too large; at most 365 days is allowed");
    assertThatThrownBy(() -> HeartbeatConfig.of(Duration.ofSeconds(Long.MAX_VALUE, 5), Duration.ofSeconds(1)))
        .isInstanceOf(ConfigException.class)
        .extracting(e -> ((ConfigException) e).key()).isEqualTo("heartbeat.interval");
  }

  @Test
  void thresholdMustBePositiveOrMinusOne() {
    HeartbeatConfig base = HeartbeatConfig.DEFAULTS;
    assertThatThrownBy(() -> base.withRpcFailureThreshold(0))
        .hasMessage("heartbeat.rpc-failure-threshold: must be > 0, or -1 to disable, was 0");
    assertThatThrownBy(() -> base.withRpcFailureThreshold(-2)).hasMessageContaining("was -2");
    assertThat(base.withRpcFailureThreshold(-1).failureDetectionEnabled()).isFalse();
    assertThat(base.withRpcFailureThreshold(1).failureDetectionEnabled()).isTrue();
  }

  @Test
  void fromMap_readsEveryKey() {
    HeartbeatConfig c = HeartbeatConfig.fromMap(Map.of(
        "heartbeat.interval", "200 ms", "heartbeat.timeout", "1s",
        "heartbeat.rpc-failure-threshold", "-1", "heartbeat.spread", "FALSE", "unrelated.key", "x"));
    assertThat(c).isEqualTo(new HeartbeatConfig(Duration.ofMillis(200), Duration.ofSeconds(1), -1, false));
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "heartbeat.interval | ten seconds | heartbeat.interval: 'ten seconds' is not a duration",
      "heartbeat.timeout | 5 fortnights | heartbeat.timeout: '5 fortnights' is not a duration",
      "heartbeat.rpc-failure-threshold | two | heartbeat.rpc-failure-threshold: 'two' is not a whole number",
      "heartbeat.spread | yes | heartbeat.spread: 'yes' is not true or false",
      "heartbeat.timeout | 1 s | heartbeat.timeout: must be > heartbeat.interval (10 s), was 1 s",
  })
  void fromMap_badValue_namesTheKey(String key, String value, String message) {
    assertThatThrownBy(() -> HeartbeatConfig.fromMap(Map.of(key, value)))
        .isInstanceOf(ConfigException.class)
        .hasMessageStartingWith(message)
        .extracting(e -> ((ConfigException) e).key()).isEqualTo(key);
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "500 ms | 500000000", "500ms | 500000000", "10 s | 10000000000", "10s | 10000000000",
      "5 min | 300000000000", "250 | 250000000", " 2 h | 7200000000000", "3 seconds | 3000000000",
      "7 us | 7000", "9 ns | 9"})
  void durations_acceptEveryDocumentedForm(String text, long nanos) {
    assertThat(Durations.parse("k", text)).isEqualTo(Duration.ofNanos(nanos));
  }

  @Test
  void durations_rejectWithTheKey() {
    assertThatThrownBy(() -> Durations.parse("heartbeat.interval", "")).hasMessage(
        "heartbeat.interval: a duration is required, e.g. '10 s'");
    assertThatThrownBy(() -> Durations.parse("heartbeat.interval", "-5 s"))
        .hasMessageStartingWith("heartbeat.interval: '-5 s' is not a duration");
    assertThatThrownBy(() -> Durations.parse("k", "999999999999999999 h")).hasMessage("k: '999999999999999999 h' is too large; at most 365 days is allowed");
  }

  @Test
  void durations_formatInTheLargestWholeUnit() {
    assertThat(Durations.format(Duration.ofSeconds(10))).isEqualTo("10 s");
    assertThat(Durations.format(Duration.ofMillis(1500))).isEqualTo("1500 ms");
    assertThat(Durations.format(Duration.ofMinutes(5))).isEqualTo("5 min");
    assertThat(Durations.format(Duration.ZERO)).isEqualTo("0 s");
    assertThat(Durations.format(Duration.ofMillis(-5))).isEqualTo("-5 ms");
    assertThat(Durations.format(Duration.ofSeconds(Long.MAX_VALUE))).isEqualTo(Long.MAX_VALUE + " s");
    assertThat(Durations.format(Duration.ofSeconds(Long.MAX_VALUE, 5))).isEqualTo("PT2562047788015215H30M7.000000005S");
  }

  @Test
  void resourceId_rules() {
    assertThat(ResourceId.of("te-1.host_A").value()).isEqualTo("te-1.host_A");
    assertThat(ResourceId.validate("x".repeat(128))).isNull();
    assertThat(ResourceId.validate("x".repeat(129))).isEqualTo("id has 129 characters, at most 128 are allowed");
    assertThat(ResourceId.validate("")).isEqualTo("id is empty");
    assertThat(ResourceId.validate(null)).isEqualTo("id is missing");
    assertThatThrownBy(() -> ResourceId.of("te 1/x"))
        .hasMessage("invalid resource id: id 'te 1/x' may contain only letters, digits, '.', '_' and '-'");
    assertThat(ResourceId.of("a")).isEqualTo(ResourceId.of("a")).hasSameHashCodeAs(ResourceId.of("a"));
  }

  @Test
  void heartbeatRpcException_kindIsFoundThroughWrappers() {
    Throwable wrapped = new java.util.concurrent.CompletionException(
        new HeartbeatRpcException(RpcFailureKind.UNREACHABLE, "refused"));
    assertThat(HeartbeatRpcException.kindOf(wrapped)).isEqualTo(RpcFailureKind.UNREACHABLE);
    assertThat(HeartbeatRpcException.kindOf(new IllegalStateException())).isEqualTo(RpcFailureKind.OTHER);
  }

  @Test
  void withers_changeOneSetting_andToStringNamesEveryKey() {
    HeartbeatConfig c = HeartbeatConfig.DEFAULTS.withInterval(Duration.ofSeconds(2)).withTimeout(Duration.ofSeconds(9));
    assertThat(c).isEqualTo(new HeartbeatConfig(Duration.ofSeconds(2), Duration.ofSeconds(9),
        HeartbeatConfig.DEFAULTS.rpcFailureThreshold(), HeartbeatConfig.DEFAULTS.spread()));
    assertThat(c.withRpcFailureThreshold(-1)).hasToString(
        "heartbeat.interval=2 s, heartbeat.timeout=9 s, heartbeat.rpc-failure-threshold=-1, heartbeat.spread=true");
  }

  @Test
  void heartbeatRpcException_carriesItsKind() {
    assertThat(new HeartbeatRpcException(RpcFailureKind.RESTARTED, "new instance").kind())
        .isEqualTo(RpcFailureKind.RESTARTED);
  }
}

