package dev.pulse.rm;

/** Checks {@code host:port} strings. */
final class HostPort {

  private HostPort() {}

  /** {@code null} if {@code address} is a {@code host:port} with a port in 1..65535, else why not. */
  static String validate(String address) {
    if (address == null || address.isBlank()) {
      return "address is missing";
    }
    int colon = address.lastIndexOf(':');
    if (colon <= 0 || colon == address.length() - 1) {
      return "'" + address + "' is not host:port";
    }
    String host = address.substring(0, colon);
    if (host.length() > 253 || !host.matches("[A-Za-z0-9.\\-\\[\\]:]+")) {
      return "'" + host + "' is not a host name or address";
    }
    try {
      int port = Integer.parseInt(address.substring(colon + 1));
      if (port < 1 || port > 65_535) {
        return "port " + port + " is outside 1..65535";
      }
    } catch (NumberFormatException e) {
      return "'" + address.substring(colon + 1) + "' is not a port number";
    }
    return null;
  }
}
