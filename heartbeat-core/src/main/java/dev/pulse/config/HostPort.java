package dev.pulse.config;

import java.util.regex.Pattern;

/**
 * The one check of a {@code host:port} address, as a configuration value, a registration field or a
 * channel target: a host name or IPv4 address (or an IPv6 address in brackets), a colon, and a port
 * from 1 to 65535. Values are echoed cut ({@link Echo}). Stateless.
 */
public final class HostPort {

  private static final Pattern HOST = Pattern.compile("[A-Za-z0-9.-]{1,253}|\\[[0-9A-Fa-f:.]{2,45}]");

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
    if (!HOST.matcher(address.substring(0, colon)).matches()) {
      return Echo.quote(address) + " does not start with a host name or IP address";
    }
    String port = address.substring(colon + 1);
    if (port.length() > 5 || !port.chars().allMatch(Character::isDigit)
        || Integer.parseInt(port) < 1 || Integer.parseInt(port) > 65535) {
      return Echo.quote(address) + " does not end with a port between 1 and 65535";
    }
    return null;
  }
}
