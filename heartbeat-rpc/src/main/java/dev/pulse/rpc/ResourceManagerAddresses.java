package dev.pulse.rpc;

import dev.pulse.config.ConfigException;
import dev.pulse.config.Echo;
import dev.pulse.config.HostPort;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * {@code resourcemanager.rpc.address} as a task executor may give it: one host (its port is
 * {@code resourcemanager.rpc.port}), or a comma-separated list of {@code host:port}, the resource managers that
 * stand by for one another (SPEC 12) for a task executor that has no access to ZooKeeper. A value with a comma
 * is a list; a single {@code host:port} is not (it is the common slip of giving the port there, and is refused
 * naming {@code resourcemanager.rpc.port}). Stateless.
 */
public final class ResourceManagerAddresses {

  private ResourceManagerAddresses() {}

  /** Whether {@code value} is a list of {@code host:port} rather than one host. */
  public static boolean isList(String value) {
    return value.indexOf(',') >= 0;
  }

  /**
   * The addresses of a list, in their order, each once.
   *
   * @throws ConfigException naming {@code key} when an entry is not {@code host:port}, or the list is empty
   */
  public static List<String> parse(String key, String value) {
    Set<String> addresses = new LinkedHashSet<>();
    for (String entry : value.split(",", -1)) {
      String address = entry.trim();
      String problem = address.isEmpty() ? Echo.quote(value) + " has an empty entry" : HostPort.problem(address);
      if (problem != null) {
        throw new ConfigException(key, "a list of resource managers is host:port[,host:port...]; " + problem);
      }
      addresses.add(address);
    }
    return new ArrayList<>(addresses);
  }

  /** {@code value} checked as one host, or as a list of addresses; returned as given. */
  static String check(String key, String value) {
    if (isList(value)) {
      parse(key, value);
    } else if (!HostPort.isHost(value) || value.indexOf(':') >= 0 && value.indexOf(':') == value.lastIndexOf(':')) {
      // One colon is host:port; an IPv6 address has at least two.
      throw new ConfigException(key, "'" + value + "' is not a host name or IP address (without a port), nor a"
          + " list host:port,host:port[,...] of resource managers");
    }
    return value;
  }
}
