package dev.pulse.bench.fanout;

import java.net.InetSocketAddress;

/**
 * Where simulated task executor {@code i} listens: {@code 127.NET.B.1:basePort + i % 10000} with
 * {@code B = i / 10000}; {@code NET} is {@value #PULSE_NET} for the Pulse farm and {@value #PING_NET} for
 * the bare-ping farm, so that one never meets the other's lingering sockets. Fixed ports below Linux's ephemeral range keep the farm's listeners from
 * competing with the resource manager's outgoing connections for ephemeral ports, and one loopback
 * address per 10,000 endpoints keeps every port inside 16 bits at any farm size.
 */
final class Endpoints {

  static final int PER_ADDRESS = 10_000;
  static final int PULSE_NET = 77;
  static final int PING_NET = 78;
  /** Set once at start from {@code --net}; the farm and the driver of a run agree on it. */
  static volatile int net = PULSE_NET;

  private Endpoints() {}

  static String host(int i) {
    return "127." + net + "." + (i / PER_ADDRESS) + ".1";
  }

  static int port(int i, int basePort) {
    return basePort + i % PER_ADDRESS;
  }

  static InetSocketAddress address(int i, int basePort) {
    return new InetSocketAddress(host(i), port(i, basePort));
  }

  static String hostPort(int i, int basePort) {
    return host(i) + ":" + port(i, basePort);
  }

  static String resourceId(int i) {
    return "sim-te-" + i;
  }
}
