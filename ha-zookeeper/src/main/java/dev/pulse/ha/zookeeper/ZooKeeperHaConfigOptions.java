package dev.pulse.ha.zookeeper;

import dev.pulse.config.ConfigOption;
import dev.pulse.config.ConfigOptions;
import java.time.Duration;

/**
 * The {@code high-availability.*} keys of the ZooKeeper type (named as Flink names them), declared for the
 * {@link dev.pulse.config.ConfigRegistry}; {@code high-availability.type} itself is the resource manager's
 * ({@link dev.pulse.rm.ha.HighAvailabilityConfigOptions}). Read and checked by {@link ZooKeeperHaConfig}.
 * Stateless.
 */
public final class ZooKeeperHaConfigOptions {

  public static final ConfigOption<String> QUORUM = ConfigOptions.key("high-availability.zookeeper.quorum")
      .stringType()
      .noDefaultValue()
      .withDescription("The ZooKeeper ensemble, host:port[,host:port...]; required when high-availability.type is"
          + " zookeeper. A resource manager that cannot reach it within the connection timeout exits with code 1.");

  public static final ConfigOption<String> PATH_ROOT = ConfigOptions.key("high-availability.zookeeper.path.root")
      .stringType()
      .defaultValue("/pulse")
      .withDescription("The ZooKeeper node under which every Pulse cluster keeps its election, epoch counter,"
          + " leader address and state (one child per high-availability.cluster-id).");

  public static final ConfigOption<String> CLUSTER_ID = ConfigOptions.key("high-availability.cluster-id")
      .stringType()
      .defaultValue("default")
      .withDescription("Names this cluster below the path root: resource managers with the same id elect one leader"
          + " among them and share its state. Letters, digits, '.', '_' and '-'.");

  public static final ConfigOption<Duration> SESSION_TIMEOUT =
      ConfigOptions.key("high-availability.zookeeper.client.session-timeout")
          .durationType()
          .defaultValue(Duration.ofSeconds(60))
          .withDescription("How long ZooKeeper keeps a silent resource manager's session: a leader that vanishes is"
              + " replaced after about this long. ZooKeeper bounds it to 2 to 20 of its ticks (by default 4 s to"
              + " 40 s).");

  public static final ConfigOption<Duration> CONNECTION_TIMEOUT =
      ConfigOptions.key("high-availability.zookeeper.client.connection-timeout")
          .durationType()
          .defaultValue(Duration.ofSeconds(15))
          .withDescription("How long a resource manager waits for ZooKeeper when it starts (then it exits with code"
              + " 1), and how long a leader stays cut off from ZooKeeper before it stops leading.");

  private ZooKeeperHaConfigOptions() {}
}
