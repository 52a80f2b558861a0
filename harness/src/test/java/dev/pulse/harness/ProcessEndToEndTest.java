package dev.pulse.harness;

import static dev.pulse.harness.Bounds.assertDetectedWithin;
import static org.assertj.core.api.Assertions.assertThat;

import dev.pulse.harness.MiniCluster.Mode;
import dev.pulse.heartbeat.time.Quietly;
import dev.pulse.rm.EventType;
import dev.pulse.rm.LossReason;
import dev.pulse.rm.ResourceManagerEvent;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * SPEC 8's detection bounds on real processes: a {@link MiniCluster} in {@link Mode#PROCESSES} runs
 * the resource manager and task executors as child JVMs (the main classes {@code bin/} runs), and
 * faults are real signals. Heartbeats every 200 ms, timeout 1 s, 2 failed RPCs until unreachable.
 *
 * <p>Latencies are measured from the signal to the loss event's time (both wall-clock milliseconds on
 * this machine) and printed; the assertions allow {@link Bounds#SLACK} over the SPEC bound.
 */
class ProcessEndToEndTest {

  private static final Duration PATIENCE = Duration.ofSeconds(30);

  @RegisterExtension
  final MiniClusterExtension extension = MiniClusterExtension.perTest(MiniCluster.builder()
      .mode(Mode.PROCESSES)
      .taskExecutors(2)
      .slotsPerTaskExecutor(2)
      .logDirectory(java.nio.file.Path.of("target", "e2e-logs"))
      .setting("taskexecutor.registration.timeout", "1 min"));

  @Test
  void sigkill_isUnreachable_withinThresholdTimesIntervalPlusOne(MiniCluster cluster) {
    cluster.slotPool().allocate("job-1", 4);
    cluster.awaitEvent(EventType.ALLOCATION_CREATED, e -> true, PATIENCE);

    long killedAt = System.currentTimeMillis();
    cluster.taskExecutor(0).kill();

    ResourceManagerEvent lost = cluster.awaitEvent(EventType.TASK_EXECUTOR_LOST, "te-0", PATIENCE);
    assertThat(lost.reason()).isEqualTo(LossReason.UNREACHABLE);
    assertDetectedWithin("SIGKILL", killedAt, lost, Bounds.unreachable(cluster));
    assertThat(lost.slotsReleased()).isEqualTo(2);
    assertThat(cluster.events()).filteredOn(e -> e.type() == EventType.ALLOCATION_LOST).hasSize(2).allSatisfy(e -> {
      assertThat(e.taskExecutorId()).isEqualTo("te-0");
      assertThat(e.reason()).isEqualTo(LossReason.UNREACHABLE);
      assertThat(e.jobId()).isEqualTo("job-1");
    });
    assertThat(cluster.resourceManager().overview()).satisfies(o -> {
      assertThat(o.taskExecutors()).isEqualTo(1);
      assertThat(o.slotsFree()).isZero();
    });
  }

  @Test
  void sigstop_isHeartbeatTimeout_withinTimeoutPlusInterval_andSigcontReregisters(MiniCluster cluster) {
    TaskExecutorNode victim = cluster.taskExecutor(0);
    long stoppedAt = System.currentTimeMillis();
    victim.pause();

    ResourceManagerEvent lost = cluster.awaitEvent(EventType.TASK_EXECUTOR_LOST, "te-0", PATIENCE);
    assertThat(lost.reason()).isEqualTo(LossReason.HEARTBEAT_TIMEOUT);
    assertDetectedWithin("SIGSTOP", stoppedAt, lost, Bounds.hung(cluster));

    victim.resume();
    cluster.awaitEvent(EventType.TASK_EXECUTOR_REGISTERED, "te-0", PATIENCE);
    cluster.awaitRegistered(2, PATIENCE);
    assertThat(cluster.events()).filteredOn(e -> e.type() == EventType.TASK_EXECUTOR_LOST).hasSize(1);
  }

  @Test
  void resourceManagerStoppedForThreeTimeouts_losesNoTaskExecutor(MiniCluster cluster) {
    Duration pause = cluster.heartbeatTimeout().multipliedBy(3);
    cluster.resourceManager().pause();
    try {
      Quietly.during(pause, "every task executor keeps running while the resource manager is stopped",
          () -> cluster.taskExecutors().stream().allMatch(TaskExecutorNode::isRunning));
    } finally {
      cluster.resourceManager().resume();
    }

    cluster.awaitEvent(EventType.LOCAL_PAUSE_DETECTED, e -> true, PATIENCE);
    Quietly.during(pause, "no task executor is lost after the resume",
        () -> cluster.events().stream().noneMatch(e -> e.type() == EventType.TASK_EXECUTOR_LOST));
    assertThat(cluster.resourceManager().overview().taskExecutors()).isEqualTo(2);
  }

  @Test
  void sigterm_isDisconnectedAtOnce_andTheProcessExitsZero(MiniCluster cluster) throws Exception {
    ChildProcess leaving = ((ProcessTaskExecutor) cluster.taskExecutor(0)).process();
    long terminatedAt = System.currentTimeMillis();
    leaving.signal("TERM");

    ResourceManagerEvent lost = cluster.awaitEvent(EventType.TASK_EXECUTOR_LOST, "te-0", PATIENCE);
    System.out.printf("SIGTERM -> %s after %d ms%n", lost.reason(), lost.time() - terminatedAt);
    assertThat(lost.reason()).isEqualTo(LossReason.DISCONNECTED);
    assertThat(lost.time() - terminatedAt).isLessThan(cluster.heartbeatInterval().plus(Bounds.SLACK).toMillis());
    assertThat(leaving.onExit().get(30, TimeUnit.SECONDS).exitValue()).isZero();
  }

  @Test
  void resourceManagerKilledAndRestarted_onItsStore_taskExecutorsRegisterAgainAtOnce(MiniCluster cluster) {
    String oldId = cluster.resourceManager().id();
    long oldEpoch = cluster.resourceManager().overview().epoch();
    long restartedAt = System.currentTimeMillis();
    cluster.resourceManager().restart();

    assertThat(cluster.resourceManager().id()).isEqualTo(oldId);
    assertThat(cluster.resourceManager().overview().epoch()).isGreaterThan(oldEpoch);
    ResourceManagerEvent first = cluster.awaitEvent(EventType.TASK_EXECUTOR_REGISTERED, e -> true, PATIENCE);
    cluster.awaitRegistered(2, PATIENCE);
    // The bound counts from the new resource manager's start line: its JVM start-up is not the TEs' doing.
    long startLine = ((ProcessResourceManager) cluster.resourceManager()).startLineMillis();
    System.out.printf("resource manager SIGKILL + restart on its store -> start line after %d ms, first task"
        + " executor registered again %d ms after the start line%n", startLine - restartedAt, first.time() - startLine);
    assertThat(first.time() - startLine).isLessThan(cluster.heartbeatTimeout().toMillis() + 1_000);
  }

  @Test
  void badRestRequests_getTheDocumentedErrors_andChangeNothing(MiniCluster cluster) throws Exception {
    HttpClient http = HttpClient.newHttpClient();
    String before = get(http, cluster, "/v1/overview").body();

    assertThat(post(http, cluster, "{\"jobId\":\"job-1\",\"slots\":5}")).satisfies(r -> {
      assertThat(r.statusCode()).isEqualTo(409);
      assertThat(r.body()).contains("\"error\"");
    });
    assertThat(post(http, cluster, "{\"jobId\":\"job 1\",\"slots\":1}").statusCode()).isEqualTo(400);
    assertThat(post(http, cluster, "slots=1").statusCode()).isEqualTo(400);

    assertThat(get(http, cluster, "/v1/overview").body()).isEqualTo(before);
    assertThat(get(http, cluster, "/v1/allocations").body()).contains("\"allocations\":[]");
  }

  private static HttpResponse<String> get(HttpClient http, MiniCluster cluster, String path) throws Exception {
    return http.send(HttpRequest.newBuilder(cluster.restUrl().resolve(path)).build(), HttpResponse.BodyHandlers.ofString());
  }

  private static HttpResponse<String> post(HttpClient http, MiniCluster cluster, String body) throws Exception {
    return http.send(HttpRequest.newBuilder(cluster.restUrl().resolve("/v1/allocations"))
        .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build(),
        HttpResponse.BodyHandlers.ofString());
  }
}
