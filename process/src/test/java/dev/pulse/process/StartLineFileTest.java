package dev.pulse.process;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The start-up line's own channel: complete or absent, never half written, and nothing left beside it. */
class StartLineFileTest {

  @TempDir
  Path dir;

  @Test
  void read_beforeWrite_isNull_afterWrite_isTheLine() throws Exception {
    Path file = dir.resolve("rm.start-line");
    assertThat(StartLineFile.read(file)).isNull();

    StartLineFile.write(file, "resource-manager rm-1 (epoch 1) rpc 127.0.0.1:6123, rest http://127.0.0.1:8081/v1/overview");

    assertThat(StartLineFile.read(file))
        .isEqualTo("resource-manager rm-1 (epoch 1) rpc 127.0.0.1:6123, rest http://127.0.0.1:8081/v1/overview");
    try (var files = Files.list(dir)) {
      assertThat(files).containsExactly(file); // the partial file was moved, not left behind
    }
  }

  @Test
  void read_aFileWithoutItsNewline_isNotALineYet() throws Exception {
    Path file = Files.writeString(dir.resolve("te.start-line"), "task-executor te-1 (inst");

    assertThat(StartLineFile.read(file)).isNull();
  }
}
