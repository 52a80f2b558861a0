package dev.pulse.process;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * The start-up line on a channel of its own: when the system property {@value #PROPERTY} names a file,
 * {@link ProcessRunner} writes the line there as well as on stdout. A program that starts Pulse processes
 * (the harness) reads it from the file, so that whatever else reaches stdout (a logging configuration of
 * the caller's that logs to the console) cannot be taken for it.
 *
 * <p>The file appears complete or not at all: it is written next to its final name and then moved there.
 * Stateless and thread-safe.
 */
public final class StartLineFile {

  /** System property naming the file to write the start-up line to. */
  public static final String PROPERTY = "pulse.process.start-line-file";

  private StartLineFile() {}

  /**
   * Writes {@code line} and a newline to {@code file}, replacing it atomically.
   *
   * @throws IOException if the file cannot be written
   */
  public static void write(Path file, String line) throws IOException {
    Path dir = file.toAbsolutePath().getParent();
    Path partial = Files.createTempFile(dir, file.getFileName().toString(), ".partial");
    try {
      Files.writeString(partial, line + "\n", StandardCharsets.UTF_8);
      Files.move(partial, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } finally {
      Files.deleteIfExists(partial);
    }
  }

  /** The line {@link #write} wrote to {@code file}, or {@code null} while there is none. */
  public static String read(Path file) throws IOException {
    if (!Files.exists(file)) {
      return null;
    }
    String content = Files.readString(file, StandardCharsets.UTF_8);
    return content.endsWith("\n") ? content.substring(0, content.length() - 1) : null;
  }
}
