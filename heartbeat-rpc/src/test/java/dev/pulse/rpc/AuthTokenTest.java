package dev.pulse.rpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pulse.config.ConfigException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AuthTokenTest {

  @TempDir
  Path dir;

  @Test
  void read_stripsWhitespace_andMatchesBearerHeader() throws Exception {
    AuthToken token = AuthToken.read(Files.writeString(dir.resolve("token"), "  0123456789abcdef0123\n"));

    assertThat(token.matches("Bearer 0123456789abcdef0123")).isTrue();
    assertThat(token.matches("Bearer 0123456789abcdef0124")).isFalse();
    assertThat(token.matches("Bearer 0123456789abcdef012")).isFalse();
    assertThat(token.matches("0123456789abcdef0123")).isFalse();
    assertThat(token.matches("")).isFalse();
    assertThat(token.toString()).doesNotContain("0123");
    assertThat(token.headerValue()).isEqualTo("Bearer 0123456789abcdef0123");
  }

  @Test
  void read_missingFile_namesKey() {
    assertThatThrownBy(() -> AuthToken.read(dir.resolve("absent")))
        .isInstanceOf(ConfigException.class)
        .hasMessageStartingWith("security.auth.token-file: cannot read");
  }

  @Test
  void read_emptyFile_namesKey() throws Exception {
    Path file = Files.writeString(dir.resolve("token"), "\n");

    assertThatThrownBy(() -> AuthToken.read(file))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("security.auth.token-file: ").hasMessageContaining("is empty");
  }

  @Test
  void read_shortToken_refused() throws Exception {
    Path file = Files.writeString(dir.resolve("token"), "secret");

    assertThatThrownBy(() -> AuthToken.read(file))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("has 6 characters, at least 16 are required");
  }

  @Test
  void read_tokenWithSpace_refused() throws Exception {
    Path file = Files.writeString(dir.resolve("token"), "0123456789 abcdef0123");

    assertThatThrownBy(() -> AuthToken.read(file))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("character 11 is not one")
        .hasMessageNotContaining("abcdef");
  }
}
