package dev.pulse.config;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class EchoTest {

  @Test
  void quote_shortValue_whole() {
    assertThat(Echo.quote("rm/1")).isEqualTo("'rm/1'");
  }

  @Test
  void quote_longValue_cutTo64CharactersAndEllipsis() {
    assertThat(Echo.quote("a".repeat(8000))).isEqualTo("'" + "a".repeat(64) + "...'");
    assertThat(Echo.quote("b".repeat(64))).isEqualTo("'" + "b".repeat(64) + "'");
  }

  @Test
  void cut_controlCharacters_replaced_soTheDescriptionIsOneLine() {
    assertThat(Echo.cut("a\nb\r\tc", 64)).isEqualTo("a?b??c");
  }

  @Test
  void cut_neverSplitsASurrogatePair() {
    String text = "x".repeat(63) + "\uD83D\uDE00" + "y";

    assertThat(Echo.cut(text, 64)).isEqualTo("x".repeat(63) + "...");
  }

  @Test
  void cut_controlCharacterAndTooLong_bothHandled() {
    assertThat(Echo.cut("a\n" + "b".repeat(100), 64)).isEqualTo("a?" + "b".repeat(62) + "...");
  }

  @Test
  void cut_empty_staysEmpty() {
    assertThat(Echo.cut("", 64)).isEmpty();
    assertThat(Echo.quote("")).isEqualTo("''");
  }

  @Test
  void cut_null_saysNull() {
    assertThat(Echo.cut(null, 10)).isEqualTo("null");
  }
}
