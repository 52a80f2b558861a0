package dev.pulse.config;

import java.net.InetSocketAddress;
import java.util.regex.Pattern;

/**
 * The one check of a {@code host:port} address, as a configuration value, a registration field or a
 * channel target: a host name or IPv4 address (or an IPv6 address in brackets), a colon, and a port
 * from 1 to 65535. Values are echoed cut ({@link Echo}). Stateless.
 */
public final class HostPort {

  private static final Pattern HOST_NAME = Pattern.compile("[A-Za-z0-9.-]{1,253}");
  private static final Pattern IPV6_LITERAL = Pattern.compile("[0-9A-Fa-f:.]{2,45}");

  private HostPort() {}

  /** What is wrong with {@code address} as {@code host:port}, or {@code null} if nothing. */
  public static String problem(String address) {
    if (address == null || address.isEmpty()) {
      return "is required";
    }
    int colon = address.lastIndexOf(':');
    if (colon <= 0 || colon == address.length() - 1) {
      return Echo.quote(address) + " is not host:port";
    }
    String host = address.substring(0, colon);
    if (host.indexOf(':') >= 0 && !host.startsWith("[") || !isHost(host)) {
      return Echo.quote(address) + " does not start with a host name or IP address";
    }
    String port = address.substring(colon + 1);
    if (port.length() > 5 || !port.chars().allMatch(Character::isDigit)
        || Integer.parseInt(port) < 1 || Integer.parseInt(port) > 65535) {
      return Echo.quote(address) + " does not end with a port between 1 and 65535";
    }
    return null;
  }

  /**
   * Whether {@code host} is a host name, an IPv4 address or an IPv6 address (bare or in brackets),
   * without a port.
   */
  public static boolean isHost(String host) {
    if (host == null) {
      return false;
    }
    String h = host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
    return h.indexOf(':') >= 0 ? IPV6_LITERAL.matcher(h).matches() : HOST_NAME.matcher(h).matches();
  }

  /** {@code host:port} of a socket address as it was given (not resolved), an IPv6 address in brackets. */
  public static String format(InetSocketAddress address) {
    return format(address.getHostString(), address.getPort());
  }

  /** {@code host:port}, with an IPv6 address in brackets. */
  public static String format(String host, int port) {
    return (host.indexOf(':') >= 0 && !host.startsWith("[") ? "[" + host + "]" : host) + ":" + port;
  }
}
