package dev.pulse.ha.zookeeper;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.pulse.config.HostPort;
import dev.pulse.config.Settings;
import dev.pulse.rm.Allocation;
import dev.pulse.rm.ResourceManager;
import dev.pulse.rm.TaskExecutorInfo;
import dev.pulse.rm.server.ResourceManagerServer;
import dev.pulse.proto.v1.RegisterTaskExecutorRequest;
import dev.pulse.proto.v1.ResourceManagerGatewayGrpc;
import dev.pulse.rpc.LeaderHint;
import dev.pulse.te.server.TaskExecutorServer;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.curator.test.TestingServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Two resource managers and two task executors in this JVM, on a real ZooKeeper: when the leader goes, the
 * standby leads with a higher epoch and the same id, and the task executors follow it with their
 * allocations kept.
 */
class ResourceManagerFailoverTest {

  private static final Duration BOUND = Duration.ofSeconds(30);
  private static final HttpClient HTTP = HttpClient.newHttpClient();

  private TestingServer zooKeeper;
  private final List<AutoCloseable> opened = new ArrayList<>();

  @BeforeEach
  void startZooKeeper() throws Exception {
    zooKeeper = ZooKeeperTesting.server();
  }

  @AfterEach
  void closeAll() throws Exception {
    for (int i = opened.size() - 1; i >= 0; i--) {
      opened.get(i).close();
    }
    zooKeeper.close();
  }

  private Settings settings() {
    return common().with("resourcemanager.rpc.address", "127.0.0.1").with("resourcemanager.rpc.port", "0")
        .with("rest.bind-address", "127.0.0.1").with("rest.port", "0");
  }

  /** What resource managers and task executors share: they find each other through ZooKeeper. */
  private Settings common() {
    return Settings.of("high-availability.type", "zookeeper",
        "high-availability.zookeeper.quorum", zooKeeper.getConnectString(),
        "high-availability.zookeeper.client.session-timeout", "2 s", // the most 100 ms ticks allow; 1 s is fragile under load
        "high-availability.zookeeper.client.connection-timeout", "2 s",
        "heartbeat.interval", "200 ms", "heartbeat.timeout", "2 s");
  }

  private ResourceManagerServer resourceManager() {
    ResourceManagerServer server = ResourceManagerServer.builder().settings(settings()).build().start();
    opened.add(server);
    return server;
  }

  private TaskExecutorServer taskExecutor(String id) {
    TaskExecutorServer te = TaskExecutorServer.builder().settings(common()
        .with("taskexecutor.resource-id", id).with("taskexecutor.numberOfTaskSlots", "2")
        .with("taskexecutor.rpc.address", "127.0.0.1").with("taskexecutor.rpc.port", "0")).build();
    opened.add(te);
    te.start();
    return te;
  }

  @Test
  void leaderGone_standbyLeadsWithAHigherEpoch_andTaskExecutorsFollowWithTheirAllocations() throws Exception {
    ResourceManagerServer first = resourceManager();
    ResourceManagerServer second = resourceManager();
    await().atMost(BOUND).until(() -> first.isLeading() || second.isLeading());
    ResourceManagerServer leader = first.isLeading() ? first : second;
    ResourceManagerServer standby = leader == first ? second : first;
    assertThat(standby.isLeading()).isFalse();
    ResourceManager rm = leader.resourceManager();
    taskExecutor("te-1");
    taskExecutor("te-2");
    await().atMost(BOUND).until(() -> active(rm).size() == 2);
    List<Allocation> allocations = rm.allocateSlots("job-1", 3).get(10, TimeUnit.SECONDS);
    String id = rm.id();
    String leaderRpc = HostPort.format(leader.rpcAddress());
    await().atMost(BOUND).until(() -> get(standby, "/v1/overview").body().contains(leaderRpc));
    HttpResponse<String> overview = get(standby, "/v1/overview");
    assertThat(overview.statusCode()).isEqualTo(200);
    assertThat(overview.body()).contains("\"role\":\"STANDBY\"").contains("\"resourceManagerId\":\"" + id + "\"");
    assertThat(get(standby, "/healthz").body()).contains("\"role\":\"STANDBY\"");
    await().atMost(BOUND).until(() -> leader.restUrl() != null);
    String leaderOverview = get(leader, "/v1/overview").body();
    assertThat(leaderOverview).contains("\"role\":\"LEADER\"").contains("\"rpcAddress\":\"" + leaderRpc + "\"")
        .contains("\"restUrl\":\"" + leader.restUrl() + "\"").contains("\"taskExecutors\":2");
    assertThat(get(leader, "/healthz").body()).contains("\"role\":\"LEADER\"");
    HttpResponse<String> refused = HTTP.send(HttpRequest.newBuilder(URI.create("http://"
            + HostPort.format(standby.restAddress()) + "/v1/allocations"))
        .POST(HttpRequest.BodyPublishers.ofString("{\"jobId\":\"j\",\"slots\":1}")).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(refused.statusCode()).isEqualTo(503);
    assertThat(refused.headers().firstValue("Location")).contains(leader.restUrl() + "/v1/allocations");
    long epoch = rm.fencing().epoch();

    leader.close();

    await().atMost(BOUND).until(standby::isLeading);
    ResourceManager next = standby.resourceManager();
    assertThat(next.id()).as("the cluster keeps its id, so task executors re-sync at once").isEqualTo(id);
    assertThat(next.fencing().epoch()).isGreaterThan(epoch);
    await().atMost(BOUND).until(() -> active(next).size() == 2);
    assertThat(next.allocations("job-1").get(10, TimeUnit.SECONDS))
        .extracting(Allocation::allocationId)
        .containsExactlyInAnyOrderElementsOf(allocations.stream().map(Allocation::allocationId).toList());
  }

  @Test
  void leaderSessionExpires_itStepsDown_theStandbyLeads_andTheOldOneStandsByAgain() throws Exception {
    ResourceManagerServer first = resourceManager();
    await().atMost(BOUND).until(first::isLeading);
    ResourceManagerServer second = resourceManager();
    taskExecutor("te-1");
    await().atMost(BOUND).until(() -> active(first.resourceManager()).size() == 1);
    long epoch = first.resourceManager().fencing().epoch();

    ((ZooKeeperHaServices) first.highAvailability()).client().getZookeeperClient().getZooKeeper().getTestable()
        .injectSessionExpiration();

    await().atMost(BOUND).until(() -> !first.isLeading() || second.isLeading());
    await().atMost(BOUND).until(() -> first.isLeading() != second.isLeading()
        && leaderOf(first, second).fencing().epoch() > epoch && active(leaderOf(first, second)).size() == 1);
  }

  @Test
  void taskExecutorGivenAList_standbyFirst_registersWithTheLeader_andFollowsTheNextOne() throws Exception {
    ResourceManagerServer first = resourceManager();
    await().atMost(BOUND).until(first::isLeading);
    ResourceManagerServer second = resourceManager();
    String leaderRpc = HostPort.format(first.rpcAddress());
    String standbyRpc = HostPort.format(second.rpcAddress());
    await().atMost(BOUND).until(() -> second.highAvailability().leader().isPresent());

    // What a standby answers on its gRPC port: "not the leader", and where the leader is.
    ManagedChannel channel = ManagedChannelBuilder.forTarget(standbyRpc).usePlaintext().build();
    try {
      assertThatThrownBy(() -> ResourceManagerGatewayGrpc.newBlockingStub(channel)
          .withDeadlineAfter(10, TimeUnit.SECONDS)
          .registerTaskExecutor(RegisterTaskExecutorRequest.getDefaultInstance()))
          .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
            assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
            assertThat(e.getStatus().getDescription()).contains("stands by").contains(leaderRpc);
            assertThat(LeaderHint.of(e)).contains(leaderRpc);
          });
    } finally {
      channel.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
    }

    // No ZooKeeper for these task executors: one lists the standby first, then the leader; the other the standby
    // and a port nobody listens on, so that only the standby's answer can lead it to the leader.
    listedTaskExecutor("te-listed", standbyRpc + "," + leaderRpc);
    listedTaskExecutor("te-pointed", standbyRpc + ",127.0.0.1:1");
    await().atMost(BOUND).until(() -> active(first.resourceManager()).containsAll(List.of("te-listed", "te-pointed")));
    Allocation held = first.resourceManager().allocateSlots("job-1", 1).get(10, TimeUnit.SECONDS).get(0);

    first.close();

    await().atMost(BOUND).until(second::isLeading);
    await().atMost(BOUND).until(() -> active(second.resourceManager()).containsAll(List.of("te-listed", "te-pointed")));
    assertThat(second.resourceManager().allocations("job-1").get(10, TimeUnit.SECONDS))
        .extracting(Allocation::allocationId).containsExactly(held.allocationId());
  }

  private void listedTaskExecutor(String id, String resourceManagers) {
    TaskExecutorServer te = TaskExecutorServer.builder().settings(Settings.of(
        "heartbeat.interval", "200 ms", "heartbeat.timeout", "2 s", "resourcemanager.rpc.address", resourceManagers,
        "taskexecutor.resource-id", id, "taskexecutor.numberOfTaskSlots", "2",
        "taskexecutor.rpc.address", "127.0.0.1", "taskexecutor.rpc.port", "0")).build();
    opened.add(te);
    te.start();
  }

  private static HttpResponse<String> get(ResourceManagerServer server, String path) throws Exception {
    return HTTP.send(HttpRequest.newBuilder(URI.create("http://" + HostPort.format(server.restAddress()) + path))
        .build(), HttpResponse.BodyHandlers.ofString());
  }

  private static ResourceManager leaderOf(ResourceManagerServer a, ResourceManagerServer b) {
    return a.isLeading() ? a.resourceManager() : b.resourceManager();
  }

  private static List<String> active(ResourceManager rm) throws Exception {
    return rm.taskExecutors().get(10, TimeUnit.SECONDS).stream().filter(te -> te.state().equals("ACTIVE"))
        .map(TaskExecutorInfo::id).collect(Collectors.toList());
  }
}
