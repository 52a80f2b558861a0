package dev.pulse.rpc;

import dev.pulse.config.Echo;
import dev.pulse.heartbeat.time.MonotonicClock;
import java.util.logging.LogRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * grpc-netty logs every inbound message it cannot read before parsing (larger than
 * {@code rpc.max-message-size}, or badly compressed) as a java.util.logging WARNING with a stack
 * trace, although the caller is already answered ({@code RESOURCE_EXHAUSTED}, {@code INTERNAL}...).
 * A client could fill the log that way. This filter drops those records and writes instead, through
 * a {@link LogThrottle}, at most one WARN line a minute with the number dropped and the latest reason.
 *
 * <p>Process-wide, as grpc-netty's logger is: {@link RpcServer} installs it once. Thread-safe.
 */
final class DeframeFailureLog {

  private static final Logger LOG = LoggerFactory.getLogger(DeframeFailureLog.class);
  /** What grpc-netty 1.81's {@code NettyServerStream} logs on a deframing failure, and nothing else. */
  static final String GRPC_MESSAGE = "Exception processing message";
  /** Held here: java.util.logging keeps loggers only weakly, and a collected one loses its filter. */
  private static final java.util.logging.Logger GRPC_LOGGER =
      java.util.logging.Logger.getLogger("io.grpc.netty.NettyServerStream");
  private static final LogThrottle THROTTLE = new LogThrottle(RefusalLog.DEFAULT_PERIOD, MonotonicClock.system());
  private static boolean installed;

  private DeframeFailureLog() {}

  /** Puts the filter on grpc-netty's logger; idempotent. */
  static synchronized void install() {
    if (!installed) {
      GRPC_LOGGER.setFilter(DeframeFailureLog::admit);
      installed = true;
    }
  }

  /** Whether java.util.logging may log {@code record}: everything but deframing failures. */
  static boolean admit(LogRecord record) {
    if (!GRPC_MESSAGE.equals(record.getMessage())) {
      return true;
    }
    long count = THROTTLE.record();
    if (count > 0) {
      LOG.warn("Refused {} inbound message(s) that could not be read (larger than rpc.max-message-size, or badly"
          + " compressed) since the last such line; latest: {} (logged at most once per {} s)", count,
          Echo.cut(String.valueOf(record.getThrown()), 200), THROTTLE.periodSeconds());
    }
    return false;
  }
}
