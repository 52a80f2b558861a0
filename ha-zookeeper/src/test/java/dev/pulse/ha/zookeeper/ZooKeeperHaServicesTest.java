package dev.pulse.ha.zookeeper;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.pulse.rm.ha.LeaderAddress;
import dev.pulse.rm.store.Mutation;
import dev.pulse.rm.store.RegistryStore;
import dev.pulse.rm.store.StoreException;
import dev.pulse.rm.store.StoredAllocation;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.curator.test.TestingServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Election, stepping down and fencing on a real (in-process) ZooKeeper: Flink's
 * {@code ZooKeeperLeaderElectionTest} is the model. Each test uses its own cluster id, so they share one
 * server (it starts in about 2 s).
 */
class ZooKeeperHaServicesTest {

  private static final Duration BOUND = Duration.ofSeconds(20);
  private static final AtomicInteger CLUSTERS = new AtomicInteger();
  private static TestingServer zooKeeper;

  private final List<ZooKeeperHaServices> opened = new ArrayList<>();
  private final List<RegistryStore> stores = new ArrayList<>();
  private final String clusterId = "c" + CLUSTERS.incrementAndGet();
  private boolean stopped;

  @BeforeAll
  static void startZooKeeper() throws Exception {
    zooKeeper = ZooKeeperTesting.server();
  }

  @AfterAll
  static void stopZooKeeper() throws Exception {
    zooKeeper.close();
  }

  @AfterEach
  void closeAll() throws Exception {
    stores.forEach(RegistryStore::close);
    opened.forEach(ZooKeeperHaServices::close);
    if (stopped) {
      zooKeeper.restart();
    }
  }

  private void stopZooKeeperForThisTest() throws Exception {
    stopped = true;
    zooKeeper.stop();
  }

  private ZooKeeperHaServices services() {
    ZooKeeperHaServices s = ZooKeeperHaServices.connect(ZooKeeperTesting.config(zooKeeper.getConnectString(),
        clusterId));
    opened.add(s);
    return s;
  }

  private RegistryStore store(ZooKeeperHaServices services) {
    RegistryStore store = services.leaderStore();
    stores.add(store);
    return store;
  }

  @Test
  void election_amongThreeContenders_oneLeadsAtATime_andEachNewLeaderTakesAHigherEpoch() {
    List<ZooKeeperHaServices> services = List.of(services(), services(), services());
    List<Contender> contenders = List.of(new Contender("a"), new Contender("b"), new Contender("c"));
    for (int i = 0; i < 3; i++) {
      services.get(i).startElection(contenders.get(i));
    }
    long lastEpoch = 0;
    List<Integer> closed = new ArrayList<>();
    for (int round = 0; round < 3; round++) {
      await().atMost(BOUND).until(() -> contenders.stream().filter(Contender::leading).count() == 1);
      int leader = indexOfLeader(contenders);
      assertThat(closed).as("a closed contender leads").doesNotContain(leader);
      long epoch = store(services.get(leader)).open("rm-" + leader).epoch();
      assertThat(epoch).isGreaterThan(lastEpoch);
      lastEpoch = epoch;
      services.get(leader).close(); // steps down; the next one must follow
      closed.add(leader);
      await().atMost(BOUND).until(() -> !contenders.get(leader).leading());
    }
    assertThat(lastEpoch).isEqualTo(3);
    contenders.forEach(c -> assertThat(c.grants()).as(c.toString()).isEqualTo(1));
  }

  private static int indexOfLeader(List<Contender> contenders) {
    for (int i = 0; i < contenders.size(); i++) {
      if (contenders.get(i).leading()) {
        return i;
      }
    }
    throw new AssertionError("nobody leads: " + contenders);
  }

  @Test
  void store_keepsTheIdAndStateAcrossTerms_andLeaderAddressIsPublished() {
    ZooKeeperHaServices first = services();
    Contender contender = new Contender("first");
    first.startElection(contender);
    await().atMost(BOUND).until(contender::leading);
    RegistryStore store = store(first);
    assertThat(store.open("rm-first").resourceManagerId()).isEqualTo("rm-first");
    StoredAllocation allocation = new StoredAllocation("a-1", "job", "te-1", 0, "ALLOCATED", 5, 1, null);
    store.apply(new Mutation.Batch(List.of(new Mutation.PutAllocation(allocation),
        new Mutation.PutAllocation(new StoredAllocation("a-2", "job", "te-1", 1, "PENDING", 6, 1, null)),
        new Mutation.RemoveAllocation("a-2")))).join();
    first.publishLeader(new LeaderAddress("rm-first", 1, "127.0.0.1:6123", "http://127.0.0.1:8081"));

    ZooKeeperHaServices second = services();
    await().atMost(BOUND).until(() -> second.leader().isPresent());
    assertThat(second.leader()).contains(new LeaderAddress("rm-first", 1, "127.0.0.1:6123", "http://127.0.0.1:8081"));
    Contender next = new Contender("second");
    second.startElection(next);
    first.close();
    await().atMost(BOUND).until(next::leading);
    var state = store(second).open("rm-second");
    assertThat(state.resourceManagerId()).as("the cluster keeps its first id").isEqualTo("rm-first");
    assertThat(state.epoch()).isEqualTo(2);
    assertThat(state.allocations()).containsExactly(allocation);
  }

  @Test
  void deposedLeader_writeIsRefused_byTheEpochNodesVersion() throws Exception {
    ZooKeeperHaServices services = services();
    Contender contender = new Contender("only");
    services.startElection(contender);
    await().atMost(BOUND).until(contender::leading);
    ClusterPaths paths = new ClusterPaths(ZooKeeperTesting.config("127.0.0.1:1", clusterId).clusterPath());
    String latchNode = services.client().getChildren().forPath(paths.latch()).get(0);
    // Two stores behind the same latch node: the older term's writes must fail on the epoch alone.
    List<String> deposed = new CopyOnWriteArrayList<>();
    ZooKeeperRegistryStore older = new ZooKeeperRegistryStore(services.client(), paths,
        () -> paths.latch() + "/" + latchNode, deposed::add);
    stores.add(older);
    older.open("rm");
    older.apply(new Mutation.RemoveTaskExecutor("te-0")).join(); // fine while its term lasts
    older.confirmLeadership().join(); // and so is the check after a local pause
    ZooKeeperRegistryStore newer = new ZooKeeperRegistryStore(services.client(), paths,
        () -> paths.latch() + "/" + latchNode, why -> {});
    stores.add(newer);
    assertThat(newer.open("rm").epoch()).isEqualTo(2);

    var refused = older.apply(new Mutation.PutAllocation(
        new StoredAllocation("late", "job", "te-1", 0, "ALLOCATED", 5, 1, null)));
    assertThatThrownBy(refused::join).isInstanceOf(CompletionException.class)
        .hasCauseInstanceOf(StoreException.class)
        .hasRootCauseInstanceOf(org.apache.zookeeper.KeeperException.BadVersionException.class);
    assertThat(services.client().checkExists().forPath(ClusterPaths.child(paths.allocations(), "late")))
        .as("nothing of the refused write is applied").isNull();
    newer.apply(new Mutation.RemoveTaskExecutor("te-0")).join(); // the current term still writes
    newer.confirmLeadership().join();
    assertThat(deposed).isEmpty();
  }

  @Test
  void confirmLeadership_ofATermThatIsOver_failsAndTellsTheElection() throws Exception {
    ZooKeeperHaServices services = services();
    Contender contender = new Contender("only");
    services.startElection(contender);
    await().atMost(BOUND).until(contender::leading);
    ClusterPaths paths = new ZooKeeperHaServicesTestPaths(clusterId).paths();
    String latchNode = paths.latch() + "/" + services.client().getChildren().forPath(paths.latch()).get(0);
    List<String> deposed = new CopyOnWriteArrayList<>();
    ZooKeeperRegistryStore older = new ZooKeeperRegistryStore(services.client(), paths, () -> latchNode, deposed::add);
    stores.add(older);
    older.open("rm");
    ZooKeeperRegistryStore newer = new ZooKeeperRegistryStore(services.client(), paths, () -> latchNode, why -> {});
    stores.add(newer);
    newer.open("rm");

    assertThatThrownBy(() -> older.confirmLeadership().join()).hasCauseInstanceOf(StoreException.class)
        .hasRootCauseInstanceOf(org.apache.zookeeper.KeeperException.BadVersionException.class);
    assertThat(deposed).singleElement().asString().contains("deposed");
    assertThatThrownBy(() -> older.apply(new Mutation.RemoveTaskExecutor("te-0")).join())
        .as("a failed check breaks the store, as a refused write does").hasCauseInstanceOf(StoreException.class);
  }

  @Test
  void confirmLeadership_failing_revokesTheTerm_andRejoinsTheElection() throws Exception {
    ZooKeeperHaServices services = services();
    Contender contender = new Contender("only");
    services.startElection(contender);
    await().atMost(BOUND).until(contender::leading);
    RegistryStore store = store(services);
    store.open("rm");
    ClusterPaths paths = new ZooKeeperHaServicesTestPaths(clusterId).paths();
    // Another term takes the epoch behind this one's back, as a newer leader would.
    services.client().setData().forPath(paths.epoch(), "99".getBytes(StandardCharsets.UTF_8));

    assertThatThrownBy(() -> store.confirmLeadership().join()).hasCauseInstanceOf(StoreException.class);
    await().atMost(BOUND).until(() -> contender.heard.stream()
        .anyMatch(h -> h.startsWith("revoked: its leadership check after a local pause failed")));
    // It gave up its latch node and took a new place: alone in the election, it is elected again (a new term).
    await().atMost(BOUND).until(() -> contender.grants() == 2 && contender.leading());
  }

  @Test
  void sessionExpiry_revokesAtOnce_andTheOldTermCannotWrite() throws Exception {
    ZooKeeperHaServices a = services();
    Contender first = new Contender("a");
    a.startElection(first);
    await().atMost(BOUND).until(first::leading);
    RegistryStore aStore = store(a);
    aStore.open("rm");
    ZooKeeperHaServices b = services();
    Contender second = new Contender("b");
    b.startElection(second);

    a.client().getZookeeperClient().getZooKeeper().getTestable().injectSessionExpiration();

    await().atMost(BOUND).until(() -> !first.leading());
    await().atMost(BOUND).until(() -> second.leading() || first.leading());
    if (second.leading()) {
      store(b).open("rm");
    }
    assertThatThrownBy(() -> aStore.apply(new Mutation.RemoveTaskExecutor("x")).join())
        .hasCauseInstanceOf(StoreException.class);
  }

  @Test
  void zooKeeperStopped_leaderStepsDownAtOnce_andLeadsAgainAfterRestart_withANewEpoch() throws Exception {
    ZooKeeperHaServices services = services();
    Contender contender = new Contender("only");
    services.startElection(contender);
    await().atMost(BOUND).until(contender::leading);
    RegistryStore term1 = store(services);
    assertThat(term1.open("rm").epoch()).isEqualTo(1);

    long stoppedAt = System.nanoTime();
    stopZooKeeperForThisTest();
    await().atMost(BOUND).until(() -> !contender.leading());
    Duration steppedDownAfter = Duration.ofNanos(System.nanoTime() - stoppedAt);
    assertThat(steppedDownAfter).as("SUSPENDED ends the term before the session could expire")
        .isLessThan(ZooKeeperTesting.SESSION_TIMEOUT.multipliedBy(3));
    assertThatThrownBy(() -> term1.apply(new Mutation.RemoveTaskExecutor("x")).join())
        .hasCauseInstanceOf(StoreException.class);

    zooKeeper.restart();
    stopped = false;
    await().atMost(BOUND).until(contender::leading);
    assertThat(store(services).open("rm").epoch()).isEqualTo(2);
  }

  @Test
  void leaderStore_openedAfterLosingTheLatchNode_refusesToTakeAnEpoch() {
    ZooKeeperHaServices services = services();
    ClusterPaths paths = new ZooKeeperHaServicesTestPaths(clusterId).paths();
    ZooKeeperRegistryStore store = new ZooKeeperRegistryStore(services.client(), paths,
        () -> paths.latch() + "/gone", why -> {});
    stores.add(store);
    assertThatThrownBy(() -> store.open("rm")).isInstanceOf(StoreException.class).hasMessageContaining("no longer leads");
  }

  /** The paths of a cluster id, computed as the services compute them. */
  private record ZooKeeperHaServicesTestPaths(String clusterId) {
    ClusterPaths paths() {
      return new ClusterPaths(ZooKeeperTesting.config("127.0.0.1:1", clusterId).clusterPath());
    }
  }
}
