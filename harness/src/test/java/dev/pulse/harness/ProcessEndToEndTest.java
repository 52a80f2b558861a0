package dev.pulse.harness;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;

/**
 * SPEC 8's detection bounds on real processes: the resource manager and task executors run as child
 * JVMs (the main classes {@code bin/} runs), and faults are real signals. Heartbeats every 200 ms,
 * timeout 1 s, 2 failed RPCs until unreachable.
 *
 * <p>Latencies are measured from the signal to the loss event's time (both wall-clock milliseconds on
 * this machine) and printed. The assertions allow one extra second over the SPEC bound for a shared,
 * loaded 2-core machine; the benchmarks report the distribution under control.
 */
class ProcessEndToEndTest {

  private static final long INTERVAL_MS = 200;
  private static final long TIMEOUT_MS = 1_000;
  private static final int THRESHOLD = 2;
  private static final long SLACK_MS = 1_000;
  private static final Map<String, String> SETTINGS = Map.of(
      "heartbeat.interval", INTERVAL_MS + " ms",
      "heartbeat.timeout", TIMEOUT_MS + " ms",
      "heartbeat.rpc-failure-threshold", Integer.toString(THRESHOLD),
      "taskexecutor.registration.timeout", "1 min");

  private ProcessCluster cluster;

  private ProcessCluster cluster(TestInfo test, Map<String, String> settings) throws IOException {
    cluster = new ProcessCluster(test.getTestMethod().orElseThrow().getName(), settings);
    return cluster.startResourceManager();
  }

  @AfterEach
  void tearDown() {
    if (cluster != null) {
      cluster.close();
    }
  }

  @Test
  void sigkill_isUnreachable_withinThresholdTimesIntervalPlusOne(TestInfo test) throws IOException {
    cluster(test, SETTINGS);
    ChildProcess victim = cluster.startTaskExecutor("te-1", 2);
    cluster.startTaskExecutor("te-2", 2);
    HttpAllocation.allocate(cluster, "job-1", 4);
    long seq = cluster.lastSeq();

    long killedAt = System.currentTimeMillis();
    victim.signal("KILL");

    JsonNode lost = cluster.awaitEvent("TASK_EXECUTOR_LOST", e -> e.path("taskExecutorId").asText().equals("te-1"),
        Duration.ofSeconds(30), seq);
    long latency = lost.path("time").asLong() - killedAt;
    System.out.printf("SIGKILL -> %s after %d ms (bound %d ms)%n", lost.path("reason").asText(), latency,
        THRESHOLD * INTERVAL_MS + INTERVAL_MS);
    assertThat(lost.path("reason").asText()).isEqualTo("UNREACHABLE");
    assertThat(latency).isLessThanOrEqualTo(THRESHOLD * INTERVAL_MS + INTERVAL_MS + SLACK_MS);
    assertThat(lost.path("slotsReleased").asInt()).isEqualTo(2);
    List<JsonNode> allocationsLost = cluster.events().stream()
        .filter(e -> e.path("type").asText().equals("ALLOCATION_LOST")).toList();
    assertThat(allocationsLost).hasSize(2).allSatisfy(e -> {
      assertThat(e.path("taskExecutorId").asText()).isEqualTo("te-1");
      assertThat(e.path("reason").asText()).isEqualTo("UNREACHABLE");
      assertThat(e.path("jobId").asText()).isEqualTo("job-1");
    });
    JsonNode te2 = cluster.get("/v1/taskexecutors/te-2");
    assertThat(te2.path("slotsFree").asInt()).isZero();
    assertThat(cluster.get("/v1/overview").path("taskExecutors").asInt()).isEqualTo(1);
  }

  @Test
  void sigstop_isHeartbeatTimeout_withinTimeoutPlusInterval_andSigcontReregisters(TestInfo test) throws IOException {
    cluster(test, SETTINGS);
    ChildProcess victim = cluster.startTaskExecutor("te-1", 1);
    cluster.startTaskExecutor("te-2", 1);
    long seq = cluster.lastSeq();

    long stoppedAt = System.currentTimeMillis();
    victim.signal("STOP");
    JsonNode lost = cluster.awaitEvent("TASK_EXECUTOR_LOST", e -> e.path("taskExecutorId").asText().equals("te-1"),
        Duration.ofSeconds(30), seq);
    long latency = lost.path("time").asLong() - stoppedAt;
    System.out.printf("SIGSTOP -> %s after %d ms (bound %d ms)%n", lost.path("reason").asText(), latency,
        TIMEOUT_MS + INTERVAL_MS);
    assertThat(lost.path("reason").asText()).isEqualTo("HEARTBEAT_TIMEOUT");
    assertThat(latency).isLessThanOrEqualTo(TIMEOUT_MS + INTERVAL_MS + SLACK_MS);

    long lostSeq = lost.path("seq").asLong();
    victim.signal("CONT");
    cluster.awaitEvent("TASK_EXECUTOR_REGISTERED", e -> e.path("taskExecutorId").asText().equals("te-1"),
        Duration.ofSeconds(30), lostSeq);
    await().atMost(Duration.ofSeconds(30)).ignoreExceptions()
        .until(() -> cluster.get("/v1/overview").path("taskExecutors").asInt() == 2);
    assertThat(cluster.events()).filteredOn(e -> e.path("type").asText().equals("TASK_EXECUTOR_LOST")).hasSize(1);
  }

  @Test
  void resourceManagerStoppedForThreeTimeouts_losesNoTaskExecutor(TestInfo test) throws IOException {
    cluster(test, SETTINGS);
    cluster.startTaskExecutor("te-1", 1);
    cluster.startTaskExecutor("te-2", 1);
    long seq = cluster.lastSeq();

    cluster.resourceManager().signal("STOP");
    long pausedAt = System.nanoTime();
    await().pollDelay(Duration.ofMillis(3 * TIMEOUT_MS)).atMost(Duration.ofSeconds(30))
        .until(() -> System.nanoTime() - pausedAt >= 3 * TIMEOUT_MS * 1_000_000);
    cluster.resourceManager().signal("CONT");

    cluster.awaitEvent("LOCAL_PAUSE_DETECTED", e -> true, Duration.ofSeconds(30), seq);
    // Several timeouts after the resume, both task executors are still there.
    long resumedAt = System.nanoTime();
    await().pollDelay(Duration.ofMillis(3 * TIMEOUT_MS)).atMost(Duration.ofSeconds(30))
        .until(() -> System.nanoTime() - resumedAt >= 3 * TIMEOUT_MS * 1_000_000);
    assertThat(cluster.events()).filteredOn(e -> e.path("type").asText().equals("TASK_EXECUTOR_LOST")).isEmpty();
    assertThat(cluster.get("/v1/overview").path("taskExecutors").asInt()).isEqualTo(2);
  }

  @Test
  void sigterm_isDisconnectedAtOnce_andTheProcessExitsZero(TestInfo test) throws Exception {
    cluster(test, SETTINGS);
    ChildProcess leaving = cluster.startTaskExecutor("te-1", 1);
    long seq = cluster.lastSeq();

    long terminatedAt = System.currentTimeMillis();
    leaving.signal("TERM");
    JsonNode lost = cluster.awaitEvent("TASK_EXECUTOR_LOST", e -> true, Duration.ofSeconds(30), seq);
    long latency = lost.path("time").asLong() - terminatedAt;
    System.out.printf("SIGTERM -> %s after %d ms%n", lost.path("reason").asText(), latency);
    assertThat(lost.path("reason").asText()).isEqualTo("DISCONNECTED");
    assertThat(latency).isLessThan(INTERVAL_MS + SLACK_MS);
    assertThat(leaving.onExit().get(30, java.util.concurrent.TimeUnit.SECONDS).exitValue()).isZero();
  }

  @Test
  void restartWithTheSameResourceId_losesTheOldInstanceAsRestarted(TestInfo test) throws IOException {
    // Failure detection off and a long timeout: only the new instance's registration can end the old one.
    cluster(test, Map.of("heartbeat.interval", "200 ms", "heartbeat.timeout", "60 s",
        "heartbeat.rpc-failure-threshold", "-1"));
    ChildProcess first = cluster.startTaskExecutor("te-1", 1);
    String oldInstance = cluster.get("/v1/taskexecutors/te-1").path("instanceId").asText();
    long seq = cluster.lastSeq();

    first.signal("KILL");
    cluster.startTaskExecutorProcess("te-1", 1).awaitStarted(Duration.ofSeconds(60));

    JsonNode lost = cluster.awaitEvent("TASK_EXECUTOR_LOST", e -> true, Duration.ofSeconds(30), seq);
    assertThat(lost.path("reason").asText()).isEqualTo("RESTARTED");
    assertThat(lost.path("detail").asText()).contains(oldInstance);
    cluster.awaitEvent("TASK_EXECUTOR_REGISTERED", e -> true, Duration.ofSeconds(30), lost.path("seq").asLong());
    assertThat(cluster.get("/v1/taskexecutors/te-1").path("instanceId").asText()).isNotEqualTo(oldInstance);
  }

  @Test
  void badConfiguration_exitsOneWithOneLineNamingTheKey(TestInfo test) throws Exception {
    cluster = new ProcessCluster(test.getTestMethod().orElseThrow().getName(), Map.of());
    ChildProcess rm = cluster.start("bad-rm", "dev.pulse.rm.ResourceManagerMain",
        Map.of("heartbeat.interval", "10 s", "heartbeat.timeout", "1 s", "rest.port", "0",
            "resourcemanager.rpc.port", "0"));
    assertThat(rm.onExit().get(60, java.util.concurrent.TimeUnit.SECONDS).exitValue()).isEqualTo(1);
    assertThat(java.nio.file.Files.readAllLines(rm.log())).filteredOn(l -> l.startsWith("resource-manager:"))
        .containsExactly("resource-manager: configuration error: heartbeat.timeout: must be >= heartbeat.interval"
            + " (10 s), was 1 s");

    ChildProcess te = cluster.start("bad-te", "dev.pulse.te.TaskExecutorMain",
        Map.of("taskexecutor.numberOfTaskSlots", "0"));
    assertThat(te.onExit().get(60, java.util.concurrent.TimeUnit.SECONDS).exitValue()).isEqualTo(1);
    assertThat(java.nio.file.Files.readAllLines(te.log())).filteredOn(l -> l.startsWith("task-executor:"))
        .singleElement().asString().contains("taskexecutor.numberOfTaskSlots");
  }

  @Test
  void badRestRequests_getTheDocumentedErrors_andChangeNothing(TestInfo test) throws IOException {
    cluster(test, SETTINGS);
    cluster.startTaskExecutor("te-1", 2);
    JsonNode before = cluster.get("/v1/overview");

    var tooMany = cluster.post("/v1/allocations", "{\"jobId\":\"job-1\",\"slots\":3}");
    assertThat(tooMany.statusCode()).isEqualTo(409);
    assertThat(tooMany.body()).contains("\"error\"");
    var malformed = cluster.post("/v1/allocations", "{\"jobId\":\"job 1\",\"slots\":1}");
    assertThat(malformed.statusCode()).isEqualTo(400);
    var notJson = cluster.post("/v1/allocations", "slots=1");
    assertThat(notJson.statusCode()).isEqualTo(400);

    assertThat(cluster.get("/v1/overview")).isEqualTo(before);
    assertThat(cluster.get("/v1/allocations").path("allocations")).isEmpty();
  }

  /** Allocation through the REST API, as an operator or a job client would. */
  static final class HttpAllocation {
    static void allocate(ProcessCluster cluster, String jobId, int slots) throws IOException {
      var response = cluster.post("/v1/allocations", "{\"jobId\":\"" + jobId + "\",\"slots\":" + slots + "}");
      assertThat(response.statusCode()).as(response.body()).isEqualTo(201);
    }
  }
}
