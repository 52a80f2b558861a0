package dev.pulse.harness;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * harness/README.md shows {@code com.example.FailoverTest} (which runs as a test, in a package of its
 * own so that it can only use the public API) exactly, from its first import to its end.
 */
class ReadmeExampleTest {

  @Test
  void readmeShowsTheExampleTestExactly() throws IOException {
    String source = Files.readString(Path.of("src", "test", "java", "com", "example", "FailoverTest.java"));
    String example = source.substring(source.indexOf("import ")).strip();

    assertThat(Files.readString(Path.of("README.md"))).contains(example);
  }
}
