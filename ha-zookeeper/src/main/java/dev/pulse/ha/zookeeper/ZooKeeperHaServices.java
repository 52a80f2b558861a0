package dev.pulse.ha.zookeeper;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.pulse.config.Durations;
import dev.pulse.rm.ha.HighAvailabilityServices;
import dev.pulse.rm.ha.LeaderAddress;
import dev.pulse.rm.ha.LeaderContender;
import dev.pulse.rm.store.RegistryStore;
import dev.pulse.rm.store.StoreException;
import java.io.IOException;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.recipes.cache.ChildData;
import org.apache.curator.framework.recipes.cache.CuratorCache;
import org.apache.curator.framework.recipes.leader.LeaderLatch;
import org.apache.curator.framework.recipes.leader.LeaderLatchListener;
import org.apache.curator.framework.state.ConnectionState;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link HighAvailabilityServices} on ZooKeeper through Apache Curator: a {@link LeaderLatch} elects the
 * leader, a {@link ZooKeeperRegistryStore} per term holds the state (fenced by the epoch counter), an
 * ephemeral node tells where the leader is and a {@link CuratorCache} keeps a copy of it.
 *
 * <h2>Stepping down</h2>
 * The contender hears {@link LeaderContender#revokeLeadership} as soon as the latch says it lost, and also at
 * once when the connection is {@link ConnectionState#SUSPENDED} or {@link ConnectionState#LOST}: a cut-off
 * leader cannot know whether its session still exists, so it stops before ZooKeeper gives its place away.
 * When the connection is back and the latch elects it again, it hears a new grant (a new term, a new epoch).
 *
 * <p>Threading: the contender is called on one thread ({@code pulse-ha-election}), in order; every other
 * method may be called from any thread.
 */
public final class ZooKeeperHaServices implements HighAvailabilityServices {

  private static final Logger LOG = LoggerFactory.getLogger(ZooKeeperHaServices.class);

  private final ZooKeeperHaConfig config;
  private final ClusterPaths paths;
  private final CuratorFramework client;
  private final CuratorCache leaderCache;
  private final ExecutorService election = Executors.newSingleThreadExecutor(r -> {
    Thread t = new Thread(r, "pulse-ha-election");
    t.setDaemon(true);
    return t;
  });
  private final ObjectMapper json = new ObjectMapper();
  private final String participantId = UUID.randomUUID().toString();
  private final AtomicBoolean closing = new AtomicBoolean();
  private volatile LeaderLatch latch;
  private volatile ZooKeeperRegistryStore currentStore;
  // Confined to the election thread:
  private LeaderContender contender;
  private boolean leading;
  private boolean closed;

  private ZooKeeperHaServices(ZooKeeperHaConfig config, CuratorFramework client) {
    this.config = config;
    this.paths = new ClusterPaths(config.clusterPath());
    this.client = client;
    this.leaderCache = CuratorCache.build(client, paths.leader(), CuratorCache.Options.SINGLE_NODE_CACHE);
  }

  /**
   * Connects to the quorum; returns once connected.
   *
   * @throws dev.pulse.config.ConfigException naming {@code high-availability.zookeeper.quorum} if no server of it answers within
   *     the connection timeout
   */
  public static ZooKeeperHaServices connect(ZooKeeperHaConfig config) {
    CuratorFramework client = ZooKeeperClients.connect(config);
    ZooKeeperHaServices services = new ZooKeeperHaServices(config, client);
    client.getConnectionStateListenable().addListener((c, state) -> services.connectionChanged(state),
        services.election);
    services.leaderCache.start();
    LOG.info("Connected to ZooKeeper {} (cluster {}, session timeout {})", config.quorum(), config.clusterPath(),
        Durations.format(config.sessionTimeout()));
    return services;
  }

  /** The Curator client, for tests. */
  CuratorFramework client() {
    return client;
  }

  @Override
  public void startElection(LeaderContender contender) {
    Objects.requireNonNull(contender, "contender");
    election.execute(() -> this.contender = contender);
    join();
  }

  /** Takes a place in the election: a new latch node, behind those already there. */
  private void join() {
    LeaderLatch l = new LeaderLatch(client, paths.latch(), participantId);
    l.addListener(new LeaderLatchListener() {
      @Override
      public void isLeader() {
        if (latch == l) {
          granted();
        }
      }

      @Override
      public void notLeader() {
        revoked("the leader latch lost leadership (the connection was suspended, or the node was deleted)");
      }
    }, election);
    latch = l;
    try {
      l.start();
    } catch (Exception e) {
      throw new StoreException("cannot join the election at " + paths.latch() + ": " + e.getMessage(), e);
    }
  }

  /**
   * The term's store found it deposed (its leadership check after a local pause failed): stop, and give up
   * the latch node should it still exist, so that it cannot keep the others from leading; then take a new
   * place in the election. Election thread.
   */
  private void deposed(ZooKeeperRegistryStore store, String why) {
    if (closed || currentStore != store) {
      return; // an older term's check: that term is over already
    }
    revoked("its leadership check after a local pause failed: " + why);
    LeaderLatch old = latch;
    try {
      old.close(LeaderLatch.CloseMode.SILENT);
    } catch (IOException | RuntimeException e) {
      LOG.warn("Leaving the election after being deposed failed", e);
    }
    try {
      join();
    } catch (StoreException e) {
      LOG.error("Cannot take a new place in the election; this resource manager stands by for good", e);
    }
  }

  private void granted() {
    LeaderLatch l = latch;
    if (closed || leading || l == null || !l.hasLeadership()) {
      return; // a stale callback: the latch changed its mind since it was queued
    }
    leading = true;
    LOG.info("This resource manager leads the cluster {} now", config.clusterPath());
    contender.grantLeadership();
  }

  private void revoked(String why) {
    if (!leading) {
      return;
    }
    leading = false;
    LOG.warn("This resource manager no longer leads the cluster {}: {}", config.clusterPath(), why);
    contender.revokeLeadership(why);
  }

  private void connectionChanged(ConnectionState state) {
    if (state == ConnectionState.SUSPENDED || state == ConnectionState.LOST) {
      revoked("the connection to ZooKeeper is " + state);
    } else if (state == ConnectionState.RECONNECTED && !leading) {
      granted(); // the latch may have kept our node: then it says nothing, and we lead again
    }
  }

  @Override
  public RegistryStore leaderStore() {
    LeaderLatch l = latch;
    AtomicReference<ZooKeeperRegistryStore> self = new AtomicReference<>();
    ZooKeeperRegistryStore store = new ZooKeeperRegistryStore(client, paths, () -> l == null ? null : l.getOurPath(),
        why -> election.execute(() -> deposed(self.get(), why)));
    self.set(store);
    currentStore = store;
    return store;
  }

  @Override
  public void publishLeader(LeaderAddress address) {
    ZooKeeperRegistryStore store = currentStore;
    if (store == null) {
      throw new IllegalStateException("publishLeader before leaderStore()");
    }
    try {
      store.publishLeader(json.writeValueAsBytes(address)).join();
    } catch (IOException e) {
      throw new StoreException("cannot encode " + address, e);
    }
  }

  @Override
  public Optional<LeaderAddress> leader() {
    Optional<ChildData> node = leaderCache.get(paths.leader());
    if (node.isEmpty() || node.get().getData() == null) {
      return Optional.empty();
    }
    try {
      return Optional.of(json.readValue(node.get().getData(), LeaderAddress.class));
    } catch (IOException e) {
      LOG.warn("Cannot read the leader node {}", paths.leader(), e);
      return Optional.empty();
    }
  }

  @Override
  public String describe() {
    return "zookeeper " + config.quorum() + " " + config.clusterPath();
  }

  @Override
  public void close() {
    if (!closing.compareAndSet(false, true)) {
      return;
    }
    election.execute(() -> closed = true);
    LeaderLatch l = latch;
    if (l != null) {
      try {
        l.close(LeaderLatch.CloseMode.NOTIFY_LEADER);
      } catch (IOException | RuntimeException e) {
        LOG.warn("Leaving the election failed", e);
      }
    }
    leaderCache.close();
    client.close();
    election.shutdown();
    try {
      election.awaitTermination(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
