package dev.pulse.rpc;

import java.time.Duration;
import java.util.Objects;

/**
 * HTTP/2 keepalive settings of Pulse's channels and servers, chosen as a pair.
 *
 * <p>Why keepalive at all: heartbeats find a dead <em>process</em>, but not a dead <em>connection</em>.
 * When a peer's host vanishes or a middlebox drops the flow silently, nothing resets the TCP
 * connection; every heartbeat on it just runs into its deadline ({@code DEADLINE_EXCEEDED}, which does
 * not count as unreachable), and the channel never tries to reconnect. A keepalive ping that is not
 * acknowledged within {@link #timeout} closes the transport, so the next RPC reconnects and either
 * succeeds or fails fast as unreachable.
 *
 * <p>Why these numbers (the {@link #DEFAULT}):
 * <ul>
 *   <li>{@link #time} 20 s: a side pings only after that long without reading anything, so while
 *       heartbeats flow (default interval 10 s) no ping is ever sent. A silent peer is noticed within
 *       time + timeout = 30 s of the last byte read, before the default {@code heartbeat.timeout} of
 *       50 s. gRPC clients refuse to ping more often than every 10 s anyway.
 *   <li>{@link #timeout} 10 s: pings are answered by the peer's transport thread, not its main
 *       thread, so even a busy peer acknowledges well within it.
 *   <li>{@link #serverPermitTime} 10 s, half of {@code time}: a server closes connections whose client
 *       pings more often than this ({@code GOAWAY ENHANCE_YOUR_CALM "too_many_pings"}, after two
 *       strikes). The factor of two keeps timer jitter from ever making a ping look early. gRPC's own
 *       default of 5 minutes would reject our 20 s pings.
 *   <li>Pings without calls are sent and permitted: with an interval above 20 s a connection is idle
 *       between heartbeats, and that is exactly when a dead peer must be noticed.
 * </ul>
 * Servers ping their clients on the same schedule, so a server also drops connections of clients that
 * vanished.
 *
 * @param time how long a side waits without reading anything before it pings, at least 10 s
 * @param timeout how long a ping may go unacknowledged before the connection is closed
 * @param serverPermitTime the shortest ping interval a server accepts from a client; at most {@code time}
 */
public record KeepAlivePolicy(Duration time, Duration timeout, Duration serverPermitTime) {

  /** The smallest ping interval gRPC clients use; shorter settings are silently raised to it. */
  public static final Duration MIN_TIME = Duration.ofSeconds(10);

  /** 20 s time, 10 s timeout, 10 s permitted; see the class documentation. */
  public static final KeepAlivePolicy DEFAULT =
      new KeepAlivePolicy(Duration.ofSeconds(20), Duration.ofSeconds(10), Duration.ofSeconds(10));

  /**
   * @throws IllegalArgumentException if a client following this policy would trip the server's
   *     too-many-pings guard, or a value is out of range
   */
  public KeepAlivePolicy {
    Objects.requireNonNull(time, "time");
    Objects.requireNonNull(timeout, "timeout");
    Objects.requireNonNull(serverPermitTime, "serverPermitTime");
    if (time.compareTo(MIN_TIME) < 0) {
      throw new IllegalArgumentException("keepalive time must be >= " + MIN_TIME.toSeconds()
          + " s (gRPC clients do not ping more often), was " + time.toMillis() + " ms");
    }
    if (timeout.isNegative() || timeout.isZero()) {
      throw new IllegalArgumentException("keepalive timeout must be > 0, was " + timeout.toMillis() + " ms");
    }
    if (serverPermitTime.isNegative() || serverPermitTime.compareTo(time) > 0) {
      throw new IllegalArgumentException("the server's permitted keepalive time (" + serverPermitTime.toMillis()
          + " ms) must be between 0 and the clients' keepalive time (" + time.toMillis()
          + " ms), or servers would close every connection for pinging too often");
    }
  }
}
