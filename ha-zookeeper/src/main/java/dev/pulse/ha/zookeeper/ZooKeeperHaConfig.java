package dev.pulse.ha.zookeeper;

import dev.pulse.config.ConfigException;
import dev.pulse.config.Durations;
import dev.pulse.config.Echo;
import dev.pulse.config.HostPort;
import dev.pulse.config.Settings;
import java.time.Duration;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * The checked {@code high-availability.zookeeper.*} and {@code high-availability.cluster-id} settings.
 *
 * @param quorum {@code host:port[,host:port...]}, each address checked (not resolved: ZooKeeper's client
 *     resolves them as it connects)
 * @param pathRoot an absolute ZooKeeper path without a trailing slash, e.g. {@code /pulse}
 * @param clusterId one path element below the root
 */
public record ZooKeeperHaConfig(String quorum, String pathRoot, String clusterId, Duration sessionTimeout,
    Duration connectionTimeout) {

  private static final Pattern PATH_ELEMENT = Pattern.compile("[A-Za-z0-9._-]+");

  public ZooKeeperHaConfig {
    Objects.requireNonNull(quorum, "quorum");
    Objects.requireNonNull(pathRoot, "pathRoot");
    Objects.requireNonNull(clusterId, "clusterId");
    Objects.requireNonNull(sessionTimeout, "sessionTimeout");
    Objects.requireNonNull(connectionTimeout, "connectionTimeout");
  }

  /**
   * Reads and checks the settings.
   *
   * @throws ConfigException naming the key of a missing or bad value
   */
  public static ZooKeeperHaConfig from(Settings settings) {
    String quorumKey = ZooKeeperHaConfigOptions.QUORUM.key();
    String quorum = settings.string(quorumKey, "").trim();
    if (quorum.isEmpty()) {
      throw new ConfigException(quorumKey, "is required when high-availability.type is zookeeper:"
          + " host:port[,host:port...] of the ZooKeeper ensemble");
    }
    StringBuilder normalized = new StringBuilder();
    for (String address : quorum.split(",", -1)) {
      String problem = HostPort.problem(address.trim());
      if (problem != null) {
        throw new ConfigException(quorumKey, Echo.quote(quorum) + " is not host:port[,host:port...]: " + problem);
      }
      normalized.append(normalized.length() == 0 ? "" : ",").append(address.trim());
    }
    String rootKey = ZooKeeperHaConfigOptions.PATH_ROOT.key();
    String root = settings.string(rootKey, ZooKeeperHaConfigOptions.PATH_ROOT.defaultValue()).trim();
    if (!root.startsWith("/") || root.equals("/") || root.endsWith("/")) {
      throw new ConfigException(rootKey, Echo.quote(root) + " is not an absolute ZooKeeper path below /,"
          + " e.g. /pulse");
    }
    for (String element : root.substring(1).split("/", -1)) {
      if (!PATH_ELEMENT.matcher(element).matches() || element.equals(".") || element.equals("..")) {
        throw new ConfigException(rootKey, Echo.quote(root) + " has the path element " + Echo.quote(element)
            + "; use letters, digits, '.', '_' and '-' between the slashes");
      }
    }
    String idKey = ZooKeeperHaConfigOptions.CLUSTER_ID.key();
    String clusterId = settings.string(idKey, ZooKeeperHaConfigOptions.CLUSTER_ID.defaultValue()).trim();
    if (!PATH_ELEMENT.matcher(clusterId).matches() || clusterId.equals(".") || clusterId.equals("..")) {
      throw new ConfigException(idKey, Echo.quote(clusterId) + " is not a cluster id: use letters, digits,"
          + " '.', '_' and '-'");
    }
    Duration session = positive(settings, ZooKeeperHaConfigOptions.SESSION_TIMEOUT.key(),
        ZooKeeperHaConfigOptions.SESSION_TIMEOUT.defaultValue());
    Duration connection = positive(settings, ZooKeeperHaConfigOptions.CONNECTION_TIMEOUT.key(),
        ZooKeeperHaConfigOptions.CONNECTION_TIMEOUT.defaultValue());
    return new ZooKeeperHaConfig(normalized.toString(), root, clusterId, session, connection);
  }

  /** The node below which this cluster keeps everything: {@code pathRoot/clusterId}. */
  public String clusterPath() {
    return pathRoot + "/" + clusterId;
  }

  private static Duration positive(Settings settings, String key, Duration defaultValue) {
    Duration value = Durations.requireAtMost(key, settings.duration(key, defaultValue));
    if (value.toMillis() < 1) {
      throw new ConfigException(key, "must be at least 1 ms, was " + Durations.format(value));
    }
    if (value.toMillis() > Integer.MAX_VALUE) {
      throw new ConfigException(key, "must be at most " + Integer.MAX_VALUE + " ms");
    }
    return value;
  }
}
