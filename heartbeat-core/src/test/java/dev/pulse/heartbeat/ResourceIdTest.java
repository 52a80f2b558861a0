package dev.pulse.heartbeat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ResourceIdTest {

  /** The rule as SPEC 3 words it, as an independent oracle for the hand-written check. */
  private static final Pattern SPEC = Pattern.compile("[A-Za-z0-9._-]{1,128}");

  @ParameterizedTest
  @ValueSource(strings = {"te-1", "A.b_c-9", "has space", "slash/", "ümlaut", "", "x", "tab\t", "dollar$", "a:b",
      "a", "z", "A", "Z", "0", "9", "`", "{", "@", "[", "/"})
  void isValid_agreesWithTheSpecsRule(String value) {
    assertThat(ResourceId.isValid(value)).isEqualTo(SPEC.matcher(value).matches());
    assertThat(ResourceId.validate(value) == null).isEqualTo(SPEC.matcher(value).matches());
  }

  @Test
  void isValid_atMost128Characters() {
    assertThat(ResourceId.isValid("i".repeat(128))).isTrue();
    assertThat(ResourceId.isValid("i".repeat(129))).isFalse();
    assertThat(ResourceId.isValid(null)).isFalse();
  }

  @Test
  void validate_saysWhy_andEchoesTheValueCut() {
    assertThat(ResourceId.validate(null)).isEqualTo("id is missing");
    assertThat(ResourceId.validate("")).isEqualTo("id is empty");
    assertThat(ResourceId.validate("j".repeat(129))).isEqualTo("id has 129 characters, at most 128 are allowed");
    assertThat(ResourceId.validate("bad job")).isEqualTo("id 'bad job' may contain only letters, digits, '.', '_' and '-'");
    assertThat(ResourceId.validate(" ".repeat(100))).hasSizeLessThan(140).contains("...");
    // 128 characters is a length that is allowed: what is wrong is the space.
    assertThat(ResourceId.validate("k".repeat(127) + " ")).endsWith("may contain only letters, digits, '.', '_' and '-'");
  }

  @Test
  void constructor_refusesAnInvalidId() {
    assertThatThrownBy(() -> ResourceId.of("te 1")).isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("invalid resource id: id 'te 1'");
  }
}
