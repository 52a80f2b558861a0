package dev.pulse.process;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Properties;

/** The version of Pulse this was built as, for {@code --version}. Stateless. */
public final class PulseVersion {

  private static final String VERSION = read();

  private PulseVersion() {}

  /** The project version, e.g. {@code 0.1.0-SNAPSHOT}. */
  public static String get() {
    return VERSION;
  }

  /** What {@code --version} prints for {@code program}: its name, the Pulse version and the Java runtime. */
  public static String line(String program) {
    return program + " (Pulse) " + VERSION + ", Java " + Runtime.version() + " (" + System.getProperty("java.vendor")
        + ")";
  }

  private static String read() {
    try (InputStream in = PulseVersion.class.getResourceAsStream("version.properties")) {
      if (in == null) {
        return "unknown";
      }
      Properties p = new Properties();
      p.load(in);
      return p.getProperty("version", "unknown");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
