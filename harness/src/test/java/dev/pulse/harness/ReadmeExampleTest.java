package dev.pulse.harness;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * harness/README.md shows {@code com.example.FailoverTest} and {@code com.example.WorkMovesTest} (which run as
 * tests, in a package of their own so that they can only use the public API) exactly, from the first import to
 * the end.
 */
class ReadmeExampleTest {

  @Test
  void readmeShowsTheExampleTestExactly() throws IOException {
    assertReadmeShows("FailoverTest.java");
  }

  @Test
  void readmeShowsTheWorkMovesExampleExactly() throws IOException {
    assertReadmeShows("WorkMovesTest.java");
  }

  private static void assertReadmeShows(String file) throws IOException {
    String source = Files.readString(Path.of("src", "test", "java", "com", "example", file));
    String example = source.substring(source.indexOf("import ")).strip();

    assertThat(Files.readString(Path.of("README.md"))).contains(example);
  }
}
