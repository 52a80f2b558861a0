package dev.pulse.harness;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import dev.pulse.heartbeat.time.Quietly;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.io.TempDir;

/**
 * High availability with real processes (SPEC 12): a ZooKeeper child JVM ({@code bin/zookeeper}'s main), two
 * resource manager processes and three task executor processes. The leader is SIGKILLed: the standby must
 * lead, and every task executor must be ACTIVE with it, within the session timeout plus two heartbeat
 * intervals plus the new leader's start-up ({@link #START_UP_ALLOWANCE}), with no allocation and no task
 * executor lost. The measured time is printed. A leader SIGSTOPped past the session timeout and continued
 * must act no more (no epoch, no loss, no verdict in its log) and stand by. ZooKeeper itself SIGKILLed: nobody
 * leads until it is back on its data, then a leader has every task executor and allocation. Each test builds
 * the same cluster with the same helpers ({@link #startCluster()}).
 */
class HighAvailabilityProcessTest {

  private static final Duration INTERVAL = Duration.ofMillis(500);
  private static final Duration SESSION_TIMEOUT = Duration.ofSeconds(2);
  private static final Duration PATIENCE = Duration.ofSeconds(60);
  /**
   * The new leader's start-up (store read, gRPC server, first-time class loading), which SPEC 9's restart bound
   * adds too: 1.5 to 2.2 s measured here at load 15 to 17 on 2 cores, about 0.5 s on a quiet machine.
   */
  private static final Duration START_UP_ALLOWANCE = Duration.ofSeconds(3);
  private static final Pattern REST = Pattern.compile("rest (http://\\S+?)/v1/overview");
  private static final HttpClient HTTP = HttpClient.newHttpClient();
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir
  Path dir;
  private final List<ChildProcess> children = new ArrayList<>();

  @AfterEach
  void stopAll() throws IOException {
    for (int i = children.size() - 1; i >= 0; i--) {
      children.get(i).close();
    }
    // The logs outlive the temporary directory, for a failure's post-mortem.
    Path kept = Files.createDirectories(Path.of("target", "ha-process-test", testName));
    for (ChildProcess child : children) {
      Files.copy(child.log(), kept.resolve(child.log().getFileName()), StandardCopyOption.REPLACE_EXISTING);
    }
  }

  private ChildProcess zooKeeper;
  private int zooKeeperPort;
  private String quorum;

  private String testName;

  @BeforeEach
  void startZooKeeper(TestInfo test) throws IOException {
    testName = test.getTestMethod().map(m -> m.getName()).orElse("test");
    try (ServerSocket free = new ServerSocket(0)) {
      zooKeeperPort = free.getLocalPort();
    }
    quorum = "127.0.0.1:" + zooKeeperPort;
    zooKeeper = zooKeeper("zookeeper");
  }

  /** A ZooKeeper server on the test's port and data directory (again after a SIGKILL: it keeps its data). */
  private ChildProcess zooKeeper(String name) throws IOException {
    // ZooKeeper allows sessions of 2 to 20 ticks: a 100 ms tick allows the 2 s session used here.
    return start(name, "dev.pulse.ha.zookeeper.ZooKeeperMain", List.of("--port", Integer.toString(zooKeeperPort),
        "--dir", dir.resolve("zookeeper-data").toString(), "--tick-time", "100"));
  }

  private ChildProcess start(String name, String main, List<String> args) throws IOException {
    ChildProcess p = ChildProcess.start(name, main, List.of("-Dzookeeper.admin.enableServer=false",
            "-Dlogback.configurationFile=" + Path.of("..", "conf", "logback.xml").toAbsolutePath()), args,
        dir.resolve(name + ".log"));
    children.add(p);
    try {
      p.awaitStarted(PATIENCE);
    } catch (IOException | RuntimeException e) {
      throw new IOException(e.getMessage() + "; its log:\n" + Files.readString(p.log()), e);
    }
    return p;
  }

  private List<String> settings(String... more) {
    List<String> args = new ArrayList<>(List.of("-Dhigh-availability.type=zookeeper",
        "-Dhigh-availability.zookeeper.quorum=" + quorum,
        "-Dhigh-availability.zookeeper.client.session-timeout=" + SESSION_TIMEOUT.toMillis() + " ms",
        "-Dhigh-availability.zookeeper.client.connection-timeout=10 s",
        "-Dheartbeat.interval=" + INTERVAL.toMillis() + " ms", "-Dheartbeat.timeout=5 s"));
    args.addAll(List.of(more));
    return args;
  }

  private String resourceManager(String name) throws IOException {
    ChildProcess rm = start(name, "dev.pulse.rm.server.ResourceManagerMain", settings(
        "-Dresourcemanager.rpc.address=127.0.0.1", "-Dresourcemanager.rpc.port=0",
        "-Drest.bind-address=127.0.0.1", "-Drest.port=0"));
    Matcher m = REST.matcher(Files.readString(rm.log().resolveSibling(rm.log().getFileName() + ".start-line")));
    assertThat(m.find()).as("the standby's start-up line names its REST address").isTrue();
    return m.group(1);
  }

  /** Two resource managers and three task executors, all ACTIVE with the leader; returns the REST URLs. */
  private List<String> startCluster() throws Exception {
    List<String> rest = List.of(resourceManager("rm-a"), resourceManager("rm-b"));
    for (int i = 1; i <= 3; i++) {
      start("te-" + i, "dev.pulse.te.server.TaskExecutorMain", settings("-Dtaskexecutor.resource-id=te-" + i,
          "-Dtaskexecutor.numberOfTaskSlots=2", "-Dtaskexecutor.rpc.address=127.0.0.1", "-Dtaskexecutor.rpc.port=0"));
    }
    await().atMost(PATIENCE).ignoreExceptions().until(() -> leader(rest) >= 0 && active(rest.get(leader(rest))).size() == 3);
    return rest;
  }

  @Test
  void leaderSigkilled_standbyLeads_andEveryTaskExecutorIsActiveWithIt_withinSessionTimeoutPlusTwoIntervals()
      throws Exception {
    List<String> rest = startCluster();
    int first = leader(rest);
    String leaderUrl = rest.get(first);
    JsonNode before = get(leaderUrl, "/v1/overview");
    JsonNode created = post(leaderUrl, "/v1/allocations", "{\"jobId\":\"job-1\",\"slots\":4}");
    Set<String> allocations = ids(created.path("allocations"));
    assertThat(allocations).hasSize(4);
    long lastSeq = lastEventSeq(leaderUrl);

    ChildProcess leaderProcess = children.get(1 + first);
    long killedAt = System.nanoTime();
    leaderProcess.signal("KILL");
    String standbyUrl = rest.get(1 - first);
    await().atMost(PATIENCE).ignoreExceptions().pollInterval(Duration.ofMillis(20))
        .until(() -> leader(List.of(standbyUrl)) == 0 && active(standbyUrl).size() == 3);
    Duration failover = Duration.ofNanos(System.nanoTime() - killedAt);
    Duration bound = SESSION_TIMEOUT.plus(INTERVAL.multipliedBy(2));
    System.out.printf("HA failover: leader SIGKILLed -> standby leads with all 3 task executors ACTIVE in %d ms"
        + " (session timeout + 2 intervals = %d ms; allowed: + %d ms start-up)%n", failover.toMillis(), bound.toMillis(),
        START_UP_ALLOWANCE.toMillis());

    JsonNode after = get(standbyUrl, "/v1/overview");
    assertThat(after.path("resourceManagerId").asText()).isEqualTo(before.path("resourceManagerId").asText());
    assertThat(after.path("epoch").asLong()).isGreaterThan(before.path("epoch").asLong());
    assertThat(after.path("leader").path("restUrl").asText()).as("the leader names itself").isEqualTo(standbyUrl);
    assertThat(after.path("leader").path("epoch").asLong()).isEqualTo(after.path("epoch").asLong());
    assertThat(get(standbyUrl, "/healthz").path("role").asText()).isEqualTo("LEADER");
    assertThat(ids(get(standbyUrl, "/v1/allocations").path("allocations"))).isEqualTo(allocations);
    assertThat(losses(standbyUrl, lastSeq)).as("no task executor and no allocation lost over the failover").isEmpty();
    assertThat(failover).isLessThanOrEqualTo(bound.plus(START_UP_ALLOWANCE));
  }

  @Test
  void leaderSigstoppedPastTheSessionTimeout_thenContinued_actsNoMore_andStandsBy() throws Exception {
    List<String> rest = startCluster();
    int first = leader(rest);
    String oldUrl = rest.get(first);
    String newUrl = rest.get(1 - first);
    Set<String> allocations = ids(post(oldUrl, "/v1/allocations", "{\"jobId\":\"job-1\",\"slots\":3}")
        .path("allocations"));
    long lastSeq = lastEventSeq(oldUrl);
    ChildProcess old = children.get(1 + first);

    old.signal("STOP");
    await().atMost(PATIENCE).ignoreExceptions().until(() -> leader(List.of(newUrl)) == 0 && active(newUrl).size() == 3);
    long newEpoch = get(newUrl, "/v1/overview").path("epoch").asLong();
    old.signal("CONT");

    // It wakes up believing it leads for a moment; it must find out, step down and stand by.
    await().atMost(PATIENCE).ignoreExceptions().until(() -> get(oldUrl, "/v1/overview").path("role").asText().equals("STANDBY"));
    JsonNode overview = get(newUrl, "/v1/overview");
    assertThat(overview.path("epoch").asLong()).as("no third term: the old leader took no epoch").isEqualTo(newEpoch);
    assertThat(active(newUrl)).hasSize(3);
    assertThat(ids(get(newUrl, "/v1/allocations").path("allocations"))).isEqualTo(allocations);
    assertThat(losses(newUrl, lastSeq)).as("the old leader's pause cost no task executor and no allocation")
        .isEmpty();
    // The resumed old leader judged nobody: it re-checks its leadership (or hears it lost it) before any verdict.
    assertThat(Files.readString(old.log())).doesNotContainPattern("Task executor \\S+ (lost|left) \\(")
        .doesNotContain("held verdict(s) run now");
  }

  /**
   * What the design allows while no ZooKeeper answers (README, "What survives the loss of ZooKeeper"): the
   * leader steps down as soon as its connection is suspended (it could no longer fence its writes), so no
   * resource manager leads, no heartbeat is asked for and no loss is declared; the task executors keep their
   * slots and keep trying to register. ZooKeeper restarted on its data directory: a leader is elected with a
   * new epoch, every task executor is ACTIVE with it, no allocation and no task executor lost.
   */
  @Test
  void zooKeeperSigkilled_noResourceManagerLeadsOrJudges_andOnceItIsBack_aLeaderHasEveryTaskExecutorAndAllocation()
      throws Exception {
    List<String> rest = startCluster();
    String leaderUrl = rest.get(leader(rest));
    long epoch = get(leaderUrl, "/v1/overview").path("epoch").asLong();
    Set<String> allocations = ids(post(leaderUrl, "/v1/allocations", "{\"jobId\":\"job-1\",\"slots\":4}")
        .path("allocations"));
    long lastSeq = lastEventSeq(leaderUrl);
    List<ChildProcess> taskExecutors = List.copyOf(children.subList(3, 6));

    zooKeeper.signal("KILL");
    await().atMost(PATIENCE).ignoreExceptions().until(() -> rest.stream()
        .allMatch(url -> roleOf(url).equals("STANDBY")));
    // Longer than heartbeat.timeout: the task executors notice their resource manager is gone, and keep going.
    Quietly.during(Duration.ofSeconds(6), "no resource manager leads without ZooKeeper, and no task executor stops",
        () -> leader(rest) < 0 && taskExecutors.stream().allMatch(ChildProcess::isAlive));

    zooKeeper("zookeeper-restarted");
    await().atMost(PATIENCE).ignoreExceptions().pollInterval(Duration.ofMillis(100))
        .until(() -> leader(rest) >= 0 && active(rest.get(leader(rest))).size() == 3);
    String newUrl = rest.get(leader(rest));
    assertThat(get(newUrl, "/v1/overview").path("epoch").asLong()).isGreaterThan(epoch);
    assertThat(ids(get(newUrl, "/v1/allocations").path("allocations"))).isEqualTo(allocations);
    assertThat(losses(newUrl, lastSeq)).as("the outage cost no task executor and no allocation").isEmpty();
  }

  private static String roleOf(String rest) {
    try {
      return get(rest, "/v1/overview").path("role").asText();
    } catch (IOException e) {
      return "";
    }
  }

  private static List<String> losses(String rest, long afterSeq) throws IOException {
    List<String> losses = new ArrayList<>();
    for (JsonNode e : get(rest, "/v1/events?after=" + afterSeq).path("events")) {
      if (e.path("type").asText().endsWith("_LOST")) {
        losses.add(e.toString());
      }
    }
    return losses;
  }

  /** The index of the URL whose overview is the leader's ({@code role: LEADER}), or -1. */
  private static int leader(List<String> rest) {
    for (int i = 0; i < rest.size(); i++) {
      try {
        JsonNode overview = get(rest.get(i), "/v1/overview");
        if (overview.path("role").asText().equals("LEADER") && overview.has("epoch")) {
          return i;
        }
      } catch (IOException e) {
        // not answering: not the leader
      }
    }
    return -1;
  }

  private static Set<String> active(String rest) throws IOException {
    Set<String> ids = new TreeSet<>();
    for (JsonNode te : get(rest, "/v1/taskexecutors").path("taskExecutors")) {
      if (te.path("state").asText().equals("ACTIVE")) {
        ids.add(te.path("id").asText());
      }
    }
    return ids;
  }

  private static long lastEventSeq(String rest) throws IOException {
    long seq = 0;
    for (JsonNode e : get(rest, "/v1/events?after=0").path("events")) {
      seq = Math.max(seq, e.path("seq").asLong());
    }
    return seq;
  }

  private static Set<String> ids(JsonNode allocations) {
    Set<String> ids = new TreeSet<>();
    allocations.forEach(a -> ids.add(a.path("allocationId").asText()));
    return ids;
  }

  private static JsonNode get(String base, String path) throws IOException {
    return send(HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(5)).build());
  }

  private static JsonNode post(String base, String path, String body) throws IOException {
    return send(HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(10))
        .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build());
  }

  private static JsonNode send(HttpRequest request) throws IOException {
    try {
      HttpResponse<String> response = HTTP.send(request, HttpResponse.BodyHandlers.ofString());
      if (response.statusCode() / 100 != 2) {
        throw new IOException(request.uri() + " answered " + response.statusCode() + ": " + response.body());
      }
      return JSON.readTree(response.body());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException(e);
    }
  }
}
