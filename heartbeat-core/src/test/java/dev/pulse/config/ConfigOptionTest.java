package dev.pulse.config;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/** Declaring options with the builder, and what the registry does with their other names. */
class ConfigOptionTest {

  private enum Color { RED, DARK_BLUE }

  @Test
  void eachBuilderType_parsesAndPrintsItsValues() {
    assertThat(ConfigOptions.key("a").stringType().defaultValue("x").type().parse("a", "y")).isEqualTo("y");
    assertThat(ConfigOptions.key("b").intType().defaultValue(1).type().parse("b", "42")).isEqualTo(42);
    assertThat(ConfigOptions.key("c").booleanType().defaultValue(false).type().parse("c", "TRUE")).isTrue();
    assertThat(ConfigOptions.key("d").durationType().defaultValue(Duration.ZERO).type().parse("d", "3 min"))
        .isEqualTo(Duration.ofMinutes(3));
    assertThat(ConfigOptions.key("e").portType().defaultValue(0).type().parse("e", "6123")).isEqualTo(6123);
    assertThat(ConfigOptions.key("f").pathType().noDefaultValue().type().parse("f", "data/x")).isEqualTo(Path.of("data/x"));
    assertThat(ConfigOptions.key("g").hostType().defaultValue("127.0.0.1").type().parse("g", "example.org"))
        .isEqualTo("example.org");
    ConfigOption<Color> color = ConfigOptions.key("h").enumType(Color.class).defaultValue(Color.DARK_BLUE);
    assertThat(color.type().parse("h", "red")).isEqualTo(Color.RED);
    assertThat(color.defaultText()).isEqualTo("dark_blue");
    assertThat(color.type().name()).isEqualTo("one of red, dark_blue");
  }

  @Test
  void withers_keepEverythingElse_andTheReferenceShowsIt() {
    ConfigOption<Integer> option = ConfigOptions.key("taskexecutor.numberOfTaskSlots").intType().defaultValue(1)
        .withDescription("Slots offered.")
        .withAlternativeKeys("taskmanager.numberOfTaskSlots")
        .withDeprecatedKeys("taskexecutor.slots");

    assertThat(option.key()).isEqualTo("taskexecutor.numberOfTaskSlots");
    assertThat(option.hasDefaultValue()).isTrue();
    assertThat(option.defaultValue()).isEqualTo(1);
    assertThat(option.description()).isEqualTo("Slots offered.");
    assertThat(option.fallbackKeys()).containsExactly(
        new ConfigOption.FallbackKey("taskmanager.numberOfTaskSlots", false),
        new ConfigOption.FallbackKey("taskexecutor.slots", true));
    assertThat(option.toString()).isEqualTo("taskexecutor.numberOfTaskSlots (integer, default 1)");

    ConfigOption<Duration> described = ConfigOptions.key("x.timeout").durationType().noDefaultValue()
        .withDefaultDescription("heartbeat.timeout").withDescription("d");
    assertThat(described.hasDefaultValue()).isFalse();
    assertThat(described.defaultText()).isEqualTo("heartbeat.timeout");
    assertThat(described.description()).isEqualTo("d");
    assertThat(ConfigOptions.key("y").intType().noDefaultValue().defaultText()).isEqualTo("none");
  }

  @Test
  void registry_findsAnOptionUnderAnyOfItsNames_andWarnsOnlyForDeprecatedOnes() {
    ConfigOption<Integer> slots = ConfigOptions.key("taskexecutor.numberOfTaskSlots").intType().defaultValue(1)
        .withAlternativeKeys("taskmanager.numberOfTaskSlots").withDeprecatedKeys("taskexecutor.slots");
    ConfigRegistry registry = ConfigRegistry.of(List.of(slots));

    assertThat(registry.find("taskmanager.numberOfTaskSlots")).contains(slots);
    assertThat(registry.find("taskexecutor.slots")).contains(slots);
    assertThat(registry.find("taskexecutor.numberOfTaskSlot")).isEmpty();
    // Logback directly: this package's tests may not use dev.pulse.heartbeat's LogCapture (no package cycles).
    Logger logger = (Logger) LoggerFactory.getLogger(ConfigRegistry.class);
    ListAppender<ILoggingEvent> log = new ListAppender<>();
    log.start();
    logger.addAppender(log);
    try {
      assertThat(registry.validate(Settings.of(Map.of("taskmanager.numberOfTaskSlots", "2")), "-D").asMap())
          .containsExactly(Map.entry("taskexecutor.numberOfTaskSlots", "2"));
      assertThat(log.list).isEmpty();
      registry.validate(Settings.of(Map.of("taskexecutor.slots", "3")), "-D");
      assertThat(log.list).extracting(ILoggingEvent::getFormattedMessage).containsExactly(
          "taskexecutor.slots (in -D) is deprecated; use taskexecutor.numberOfTaskSlots");
    } finally {
      logger.detachAppender(log);
    }
  }

  @Test
  void withFallbackKeysResolved_setsTheKeyFromTheFirstFallbackGiven_unlessTheKeyIsSet() {
    ConfigOption<Integer> slots = ConfigOptions.key("taskexecutor.numberOfTaskSlots").intType().defaultValue(1)
        .withAlternativeKeys("taskmanager.numberOfTaskSlots", "slots");
    List<ConfigOption<?>> options = List.of(slots);

    Settings flink = Settings.of(Map.of("slots", "5", "taskmanager.numberOfTaskSlots", "4"));
    assertThat(flink.withFallbackKeysResolved(options).string("taskexecutor.numberOfTaskSlots", null)).isEqualTo("4");
    Settings second = Settings.of(Map.of("slots", "5"));
    assertThat(second.withFallbackKeysResolved(options).string("taskexecutor.numberOfTaskSlots", null)).isEqualTo("5");
    Settings own = Settings.of(Map.of("taskexecutor.numberOfTaskSlots", "2", "slots", "5"));
    assertThat(own.withFallbackKeysResolved(options)).isSameAs(own);
    Settings none = Settings.of(Map.of("other", "1"));
    assertThat(none.withFallbackKeysResolved(options)).isSameAs(none);
  }
}
