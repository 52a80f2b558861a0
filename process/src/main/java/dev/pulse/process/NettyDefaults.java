package dev.pulse.process;

import java.util.Properties;

/**
 * Netty settings a Pulse process starts with unless the operator chose otherwise.
 *
 * <p>Netty's buffer leak detector samples about one buffer in a hundred and records where each sampled
 * buffer was touched: a stack trace per record, on the transport threads, for every call a resource
 * manager sends or receives. That is a development aid, so a process turns it off
 * ({@code io.netty.leakDetection.level=disabled}) before any Netty class is loaded, unless the JVM was
 * started with either of Netty's properties for it ({@code -Dio.netty.leakDetection.level=...}, or the
 * older {@code io.netty.leakDetectionLevel}), which then win. Tests that build the servers in-process
 * keep Netty's default.
 *
 * <p>Not thread-safe: {@link #apply} runs once, first thing in {@code main}.
 */
final class NettyDefaults {

  static final String LEAK_DETECTION = "io.netty.leakDetection.level";
  static final String LEAK_DETECTION_LEGACY = "io.netty.leakDetectionLevel";

  private NettyDefaults() {}

  /** Sets the defaults in {@code properties} (the system properties in {@code main}) where none is set. */
  static void apply(Properties properties) {
    if (properties.getProperty(LEAK_DETECTION) == null && properties.getProperty(LEAK_DETECTION_LEGACY) == null) {
      properties.setProperty(LEAK_DETECTION, "disabled");
    }
  }
}
