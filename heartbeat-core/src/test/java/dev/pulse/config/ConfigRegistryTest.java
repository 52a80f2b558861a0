package dev.pulse.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The one registry of keys: unknown keys with "did you mean", types, other names, and reading an option. */
class ConfigRegistryTest {

  enum Mode { FAST, SAFE }

  static final ConfigOption<Duration> INTERVAL = ConfigOptions.key("heartbeat.interval").durationType()
      .defaultValue(Duration.ofSeconds(10)).withDescription("how often");
  static final ConfigOption<Integer> SLOTS = ConfigOptions.key("taskexecutor.numberOfTaskSlots").intType()
      .defaultValue(1).withAlternativeKeys("taskmanager.numberOfTaskSlots").withDescription("slots");
  static final ConfigOption<Integer> PORT = ConfigOptions.key("rest.port").portType().defaultValue(8081)
      .withDeprecatedKeys("rest.listen-port").withDescription("port");
  static final ConfigOption<Boolean> SPREAD = ConfigOptions.key("heartbeat.spread").booleanType()
      .defaultValue(true).withDescription("spread");
  static final ConfigOption<Mode> MODE = ConfigOptions.key("store.mode").enumType(Mode.class).defaultValue(Mode.SAFE)
      .withDescription("mode");
  static final ConfigOption<Path> TOKEN = ConfigOptions.key("security.auth.token-file").pathType().noDefaultValue()
      .withDescription("token");
  static final ConfigOption<String> HOST = ConfigOptions.key("taskexecutor.bind-host").hostType().noDefaultValue()
      .withDefaultDescription("taskexecutor.rpc.address").withDescription("bind");

  private final ConfigRegistry registry = ConfigRegistry.of(List.of(INTERVAL, SLOTS, PORT, SPREAD, MODE, TOKEN, HOST));

  @Test
  void validate_unknownKey_namesItWithTheClosestKnownKey() {
    assertThatThrownBy(() -> registry.validate(Settings.of("heartbeat.intervall", "1 s"), "config.yaml"))
        .isInstanceOf(ConfigException.class)
        .hasMessage("heartbeat.intervall: unknown configuration key (in config.yaml); did you mean heartbeat.interval?")
        .extracting(e -> ((ConfigException) e).key()).isEqualTo("heartbeat.intervall");
    assertThatThrownBy(() -> registry.validate(Settings.of("taskexecutor.numberoftaskslot", "4"), "-D"))
        .hasMessageEndingWith("did you mean taskexecutor.numberOfTaskSlots?");
    // Close to an alternative name: the suggestion is the key itself.
    assertThatThrownBy(() -> registry.validate(Settings.of("taskmanager.numberOfTaskSlot", "4"), "-D"))
        .hasMessageEndingWith("did you mean taskexecutor.numberOfTaskSlots?");
  }

  @Test
  void validate_unknownKeyNothingLike_pointsToTheReference() {
    assertThatThrownBy(() -> registry.validate(Settings.of("jobmanager.memory.process.size", "1g"), "-D"))
        .hasMessage("jobmanager.memory.process.size: unknown configuration key (in -D); see the configuration"
            + " reference for every key");
  }

  @Test
  void validate_wrongType_namesTheKeyAsWritten() {
    assertThatThrownBy(() -> registry.validate(Settings.of("taskmanager.numberOfTaskSlots", "four"), "-D"))
        .hasMessage("taskmanager.numberOfTaskSlots: 'four' is not a whole number");
    assertThatThrownBy(() -> registry.validate(Settings.of("heartbeat.spread", "yes"), "-D"))
        .hasMessage("heartbeat.spread: 'yes' is not true or false");
    assertThatThrownBy(() -> registry.validate(Settings.of("heartbeat.interval", "10 parsecs"), "-D"))
        .hasMessageStartingWith("heartbeat.interval: '10 parsecs' is not a duration");
    assertThatThrownBy(() -> registry.validate(Settings.of("rest.port", "70000"), "-D"))
        .hasMessage("rest.port: must be between 0 and 65535, was 70000");
    assertThatThrownBy(() -> registry.validate(Settings.of("store.mode", "quick"), "-D"))
        .hasMessage("store.mode: 'quick' is not fast or safe");
    assertThatThrownBy(() -> registry.validate(Settings.of("taskexecutor.bind-host", "10.0.0.1:6122"), "-D"))
        .hasMessage("taskexecutor.bind-host: '10.0.0.1:6122' is not a host name or IP address (without a port)");
    assertThatThrownBy(() -> registry.validate(Settings.of("security.auth.token-file", " "), "-D"))
        .hasMessageStartingWith("security.auth.token-file: is empty");
  }

  @Test
  void validate_renamesAlternativeAndDeprecatedKeysToTheKey() {
    Settings valid = registry.validate(Settings.of("taskmanager.numberOfTaskSlots", "4", "rest.listen-port", "9000",
        "heartbeat.interval", "2 s", "store.mode", "FAST"), "-D");

    assertThat(valid.asMap()).containsOnly(
        java.util.Map.entry("taskexecutor.numberOfTaskSlots", "4"), java.util.Map.entry("rest.port", "9000"),
        java.util.Map.entry("heartbeat.interval", "2 s"), java.util.Map.entry("store.mode", "FAST"));
  }

  @Test
  void validate_keyGivenUnderTwoNames_isRefused() {
    assertThatThrownBy(() -> registry.validate(Settings.of("taskmanager.numberOfTaskSlots", "4",
        "taskexecutor.numberOfTaskSlots", "2"), "config.yaml"))
        .hasMessage("taskmanager.numberOfTaskSlots: is another name of taskexecutor.numberOfTaskSlots, which"
            + " config.yaml also sets as taskexecutor.numberOfTaskSlots; keep one");
  }

  @Test
  void of_sameNameDeclaredTwice_isRefused() {
    ConfigOption<Integer> clash = ConfigOptions.key("taskmanager.numberOfTaskSlots").intType().defaultValue(2);
    assertThatThrownBy(() -> ConfigRegistry.of(List.of(SLOTS, clash)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("configuration key taskmanager.numberOfTaskSlots is declared twice");
  }

  @Test
  void closestKey_onlyForLikelyMisspellings() {
    assertThat(registry.closestKey("rest.prot")).isEqualTo("rest.port");
    assertThat(registry.closestKey("HEARTBEAT.INTERVAL")).isEqualTo("heartbeat.interval");
    assertThat(registry.closestKey("heartbeat.interval.ms")).isEqualTo("heartbeat.interval");
    assertThat(registry.closestKey("rest.address")).isNull();
    assertThat(ConfigRegistry.editDistance("kitten", "sitting")).isEqualTo(3);
    assertThat(ConfigRegistry.editDistance("", "abc")).isEqualTo(3);
    assertThat(ConfigRegistry.editDistance("abc", "abc")).isZero();
  }

  @Test
  void settingsGet_readsTheKeyThenItsOtherNamesThenTheDefault() {
    assertThat(Settings.empty().get(SLOTS)).isEqualTo(1);
    assertThat(Settings.of("taskmanager.numberOfTaskSlots", "3").get(SLOTS)).isEqualTo(3);
    assertThat(Settings.of("taskmanager.numberOfTaskSlots", "3", "taskexecutor.numberOfTaskSlots", "5").get(SLOTS))
        .isEqualTo(5);
    assertThat(Settings.of("heartbeat.interval", "2 min").get(INTERVAL)).isEqualTo(Duration.ofMinutes(2));
    assertThat(Settings.of("store.mode", "fast").get(MODE)).isEqualTo(Mode.FAST);
    assertThat(Settings.empty().get(TOKEN)).isNull();
    assertThatThrownBy(() -> Settings.of("taskmanager.numberOfTaskSlots", "x").get(SLOTS))
        .hasMessage("taskmanager.numberOfTaskSlots: 'x' is not a whole number");
  }

  @Test
  void option_describesItsDefault() {
    assertThat(INTERVAL.defaultText()).isEqualTo("10 s");
    assertThat(MODE.defaultText()).isEqualTo("safe");
    assertThat(TOKEN.defaultText()).isEqualTo("none");
    assertThat(HOST.defaultText()).isEqualTo("taskexecutor.rpc.address");
    assertThat(MODE.type().name()).isEqualTo("one of fast, safe");
    assertThat(SLOTS.fallbackKeys()).containsExactly(new ConfigOption.FallbackKey("taskmanager.numberOfTaskSlots", false));
    assertThat(PORT.fallbackKeys()).containsExactly(new ConfigOption.FallbackKey("rest.listen-port", true));
  }

  @Test
  void fromClasspath_collectsThisModulesHeartbeatKeys() {
    assertThat(ConfigRegistry.fromClasspath().options()).extracting(ConfigOption::key)
        .contains("heartbeat.interval", "heartbeat.timeout", "heartbeat.rpc-failure-threshold", "heartbeat.spread");
  }
}
