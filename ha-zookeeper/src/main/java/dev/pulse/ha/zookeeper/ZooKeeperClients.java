package dev.pulse.ha.zookeeper;

import dev.pulse.config.ConfigException;
import dev.pulse.config.Durations;
import java.util.concurrent.TimeUnit;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.ExponentialBackoffRetry;

/** Connects a Curator client as {@link ZooKeeperHaConfig} says, failing fast. Stateless. */
final class ZooKeeperClients {

  private ZooKeeperClients() {}

  /**
   * A started client, connected.
   *
   * @throws ConfigException naming {@code high-availability.zookeeper.quorum} if no server of it answers within
   *     the connection timeout (the client is closed then)
   */
  static CuratorFramework connect(ZooKeeperHaConfig config) {
    CuratorFramework client = CuratorFrameworkFactory.builder()
        .connectString(config.quorum())
        .sessionTimeoutMs((int) config.sessionTimeout().toMillis())
        .connectionTimeoutMs((int) config.connectionTimeout().toMillis())
        .retryPolicy(new ExponentialBackoffRetry(100, 5, 2_000))
        .build();
    client.start();
    boolean connected;
    try {
      connected = client.blockUntilConnected((int) config.connectionTimeout().toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      connected = false;
    }
    if (!connected) {
      client.close();
      throw new ConfigException(ZooKeeperHaConfigOptions.QUORUM.key(), "no ZooKeeper server of " + config.quorum()
          + " answered within " + ZooKeeperHaConfigOptions.CONNECTION_TIMEOUT.key() + " ("
          + Durations.format(config.connectionTimeout()) + "); check the addresses and that ZooKeeper runs");
    }
    return client;
  }
}
