package dev.pulse.process;

import org.slf4j.bridge.SLF4JBridgeHandler;

/**
 * Routes {@code java.util.logging} to SLF4J, so that a process writes one log format: grpc-java and
 * SnakeYAML log through {@code java.util.logging}, Pulse through SLF4J. Installed by
 * {@link ProcessRunner#main} before anything logs; an embedding program decides for itself.
 *
 * <p>Thread-safe and idempotent.
 */
public final class LogBridge {

  private LogBridge() {}

  /**
   * Removes the JDK's console handler from the root {@code java.util.logging} logger and installs the
   * bridge in its place. Levels stay those of {@code java.util.logging} (INFO by default); records below
   * that never reach SLF4J, so that the bridge costs nothing for disabled FINE logging.
   */
  public static synchronized void install() {
    if (SLF4JBridgeHandler.isInstalled()) {
      return;
    }
    SLF4JBridgeHandler.removeHandlersForRootLogger();
    SLF4JBridgeHandler.install();
  }
}
