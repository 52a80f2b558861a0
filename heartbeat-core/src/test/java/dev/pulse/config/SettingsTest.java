package dev.pulse.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Typed getters, layering and the key named in every error. */
class SettingsTest {

  @Test
  void of_trimsKeysAndValues_andDropsNullValues() {
    Map<String, String> raw = new HashMap<>();
    raw.put(" a.key ", "  v  ");
    raw.put("dropped", null);

    Settings s = Settings.of(raw);

    assertThat(s.asMap()).containsExactly(Map.entry("a.key", "v"));
    assertThat(s.contains("a.key")).isTrue();
    assertThat(s.contains("dropped")).isFalse();
  }

  @Test
  void of_pairs_keepsEveryPair_andRefusesAnOddCount() {
    assertThat(Settings.of("a", "1", "b", "2", "c", "3").asMap())
        .containsExactlyInAnyOrderEntriesOf(Map.of("a", "1", "b", "2", "c", "3"));
    assertThat(Settings.of().asMap()).isEmpty();
    assertThatThrownBy(() -> Settings.of("a", "1", "b")).isInstanceOf(IllegalArgumentException.class)
        .hasMessage("keys and values must come in pairs");
  }

  @Test
  void empty_hasNothing() {
    assertThat(Settings.empty().asMap()).isEmpty();
    assertThat(Settings.empty()).isEqualTo(Settings.of());
  }

  @Test
  void overriddenBy_laterSourceWins_andKeepsTheRest() {
    Settings file = Settings.of("a", "file", "b", "file");

    Settings merged = file.overriddenBy(Settings.of("b", "cli", "c", "cli"));

    assertThat(merged.asMap()).isEqualTo(Map.of("a", "file", "b", "cli", "c", "cli"));
    assertThat(file.with("a", "code").string("a", null)).isEqualTo("code");
    assertThat(file.string("a", null)).isEqualTo("file");
  }

  @Test
  void string_missingOrEmpty_givesTheDefault() {
    Settings s = Settings.of("set", "x", "blank", "");
    assertThat(s.string("set", "d")).isEqualTo("x");
    assertThat(s.string("blank", "d")).isEqualTo("d");
    assertThat(s.string("missing", "d")).isEqualTo("d");
  }

  @Test
  void requiredString_missingOrEmpty_namesTheKey() {
    Settings s = Settings.of("set", "x", "blank", "");
    assertThat(s.requiredString("set")).isEqualTo("x");
    assertThatThrownBy(() -> s.requiredString("blank")).isInstanceOf(ConfigException.class)
        .hasMessage("blank: is required");
    assertThatThrownBy(() -> s.requiredString("missing")).hasMessage("missing: is required");
  }

  @Test
  void path_setOrNot() {
    Settings s = Settings.of("dir", " data/rm ", "blank", "");
    assertThat(s.path("dir")).isEqualTo(Path.of("data", "rm"));
    assertThat(s.path("missing")).isNull();
    assertThatThrownBy(() -> s.path("blank")).isInstanceOf(ConfigException.class)
        .hasMessage("blank: is empty; give a file path or remove the key");
    assertThatThrownBy(() -> Settings.path("k", null)).hasMessageStartingWith("k: is empty");
    assertThatThrownBy(() -> Settings.path("k", "  ")).hasMessageStartingWith("k: is empty");
    assertThatThrownBy(() -> Settings.path("k", "a\0b")).isInstanceOf(ConfigException.class)
        .hasMessageStartingWith("k: 'a\0b' is not a valid file path");
  }

  @Test
  void duration_parsedOrDefault() {
    Settings s = Settings.of("t", "2 s");
    assertThat(s.duration("t", Duration.ZERO)).isEqualTo(Duration.ofSeconds(2));
    assertThat(s.duration("missing", Duration.ofMillis(7))).isEqualTo(Duration.ofMillis(7));
  }

  @Test
  void intValue_inclusiveBounds_andErrorsNamingTheKey() {
    Settings s = Settings.of("low", "1", "high", "10", "under", "0", "over", "11", "word", "ten");
    assertThat(s.intValue("low", -1, 1, 10)).isEqualTo(1);
    assertThat(s.intValue("high", -1, 1, 10)).isEqualTo(10);
    assertThat(s.intValue("missing", -1, 1, 10)).isEqualTo(-1);
    assertThatThrownBy(() -> s.intValue("under", -1, 1, 10)).isInstanceOf(ConfigException.class)
        .hasMessage("under: must be between 1 and 10, was 0");
    assertThatThrownBy(() -> s.intValue("over", -1, 1, 10)).hasMessage("over: must be between 1 and 10, was 11");
    assertThatThrownBy(() -> s.intValue("word", -1, 1, 10)).hasMessage("word: 'ten' is not a whole number");
  }

  @Test
  void port_zeroTo65535() {
    Settings s = Settings.of("any", "0", "top", "65535", "over", "65536");
    assertThat(s.port("any", 1)).isZero();
    assertThat(s.port("top", 1)).isEqualTo(65_535);
    assertThat(s.port("missing", 6123)).isEqualTo(6123);
    assertThatThrownBy(() -> s.port("over", 1)).hasMessage("over: must be between 0 and 65535, was 65536");
  }

  @Test
  void bool_trueOrFalseInAnyCase_elseNamesTheKey() {
    Settings s = Settings.of("yes", "TRUE", "no", "False", "maybe", "yes");
    assertThat(s.bool("yes", false)).isTrue();
    assertThat(s.bool("no", true)).isFalse();
    assertThat(s.bool("missing", true)).isTrue();
    assertThat(s.bool("missing", false)).isFalse();
    assertThatThrownBy(() -> s.bool("maybe", false)).hasMessage("maybe: 'yes' is not true or false");
  }

  @Test
  void equalsAndHashCode_byContent_toStringShowsThem() {
    Settings a = Settings.of("k", "v");
    assertThat(a).isEqualTo(Settings.of(" k ", "v")).hasSameHashCodeAs(Settings.of("k", "v"))
        .isNotEqualTo(Settings.of("k", "w")).isNotEqualTo("k=v");
    assertThat(a.hashCode()).isNotEqualTo(Settings.of("k", "w").hashCode());
    assertThat(a).hasToString("{k=v}");
  }
}
