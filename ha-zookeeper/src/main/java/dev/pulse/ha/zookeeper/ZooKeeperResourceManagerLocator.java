package dev.pulse.ha.zookeeper;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.pulse.config.Settings;
import dev.pulse.rm.ha.LeaderAddress;
import dev.pulse.te.ha.ResourceManagerLocator;
import dev.pulse.te.ha.ResourceManagerLocatorFactory;
import java.io.IOException;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.recipes.cache.ChildData;
import org.apache.curator.framework.recipes.cache.CuratorCache;
import org.apache.curator.framework.recipes.cache.CuratorCacheListener;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Leader retrieval for task executors: a {@link CuratorCache} of the cluster's leader node, which the leader
 * writes ({@link ZooKeeperHaServices#publishLeader}) once it serves. Thread-safe; {@link #leaderAddress()}
 * reads the cache and never blocks.
 */
public final class ZooKeeperResourceManagerLocator implements ResourceManagerLocator {

  private static final Logger LOG = LoggerFactory.getLogger(ZooKeeperResourceManagerLocator.class);

  private final ZooKeeperHaConfig config;
  private final ClusterPaths paths;
  private final CuratorFramework client;
  private final CuratorCache cache;
  private final ObjectMapper json = new ObjectMapper();

  private ZooKeeperResourceManagerLocator(ZooKeeperHaConfig config, CuratorFramework client) {
    this.config = config;
    this.paths = new ClusterPaths(config.clusterPath());
    this.client = client;
    this.cache = CuratorCache.build(client, paths.leader(), CuratorCache.Options.SINGLE_NODE_CACHE);
    CountDownLatch loaded = new CountDownLatch(1);
    cache.listenable().addListener(CuratorCacheListener.builder().forInitialized(loaded::countDown).build());
    cache.start();
    try {
      // So that the first registration attempt already knows the leader (it is retried anyway if not).
      loaded.await(config.connectionTimeout().toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /**
   * Connects and starts following the leader node.
   *
   * @throws dev.pulse.config.ConfigException naming the quorum key if ZooKeeper cannot be reached in time
   */
  public static ZooKeeperResourceManagerLocator connect(ZooKeeperHaConfig config) {
    return new ZooKeeperResourceManagerLocator(config, ZooKeeperClients.connect(config));
  }

  @Override
  public Optional<String> leaderAddress() {
    Optional<ChildData> node = cache.get(paths.leader());
    if (node.isEmpty() || node.get().getData() == null) {
      return Optional.empty();
    }
    try {
      return Optional.ofNullable(json.readValue(node.get().getData(), LeaderAddress.class).rpcAddress());
    } catch (IOException e) {
      LOG.warn("Cannot read the leader node {}", paths.leader(), e);
      return Optional.empty();
    }
  }

  @Override
  public String describe() {
    return "zookeeper " + config.quorum() + " " + paths.leader();
  }

  @Override
  public void close() {
    cache.close();
    client.close();
  }

  /** {@code high-availability.type: zookeeper} for task executors. Stateless. */
  public static final class Factory implements ResourceManagerLocatorFactory {

    @Override
    public String type() {
      return "zookeeper";
    }

    @Override
    public Prepared prepare(Settings settings) {
      ZooKeeperHaConfig config = ZooKeeperHaConfig.from(settings);
      return () -> connect(config);
    }
  }
}
