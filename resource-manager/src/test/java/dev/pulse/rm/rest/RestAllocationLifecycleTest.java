package dev.pulse.rm.rest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.pulse.rm.LiveResourceManager;
import dev.pulse.rm.ResourceManager;
import dev.pulse.rm.metrics.ResourceManagerMetrics;
import dev.pulse.rm.rest.Http.Reply;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The REST side of SPEC 10 over real loopback HTTP: a restart policy on {@code POST /v1/allocations}, the job's view
 * ({@code GET /v1/jobs/{jobId}}) with its attempts and failures, and the drain.
 */
class RestAllocationLifecycleTest {

  private LiveResourceManager live;
  private ResourceManager rm;
  private RestServer server;
  private Http http;

  @BeforeEach
  void setUp() throws Exception {
    ResourceManagerMetrics metrics = new ResourceManagerMetrics();
    live = new LiveResourceManager(b -> b.resourceManagerId("rm-test").heartbeatMetrics(metrics).listener(metrics));
    metrics.bindTo(live.resourceManager());
    rm = live.start();
    server = RestServer.builder(rm, metrics).responseTimeout(Duration.ofSeconds(15)).build()
        .start(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
    http = new Http(server.address());
  }

  @AfterEach
  void tearDown() {
    server.close();
    live.close();
  }

  @Test
  void allocate_withARestartPolicy_echoesItInEveryAllocation_defaultsFilledIn() {
    live.register("te-1", 2);

    Reply reply = http.post("/v1/allocations", "{\"jobId\": \"job-1\", \"slots\": 2, \"restart\": {\"maxAttempts\": 3,"
        + " \"backoff\": \"1500 ms\"}}");

    assertThat(reply.status()).isEqualTo(201);
    for (JsonNode a : reply.json().get("allocations")) {
      assertThat(a.get("attempt").asInt()).isEqualTo(1);
      assertThat(a.get("restart")).isEqualTo(Http.parse(
          "{\"maxAttempts\": 3, \"backoff\": \"1500 ms\", \"deadline\": \"1 min\"}"));
    }
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "{\"backoff\": \"1 s\"}                               | restart.maxAttempts: missing",
      "{\"maxAttempts\": 0}                                 | restart.maxAttempts: must be between 1 and 1000, was 0",
      "{\"maxAttempts\": \"3\"}                             | restart.maxAttempts: must be an integer",
      "{\"maxAttempts\": 3, \"backoff\": 5}                 | restart.backoff: must be a duration",
      "{\"maxAttempts\": 3, \"backoff\": \"soon\"}          | restart.backoff: 'soon' is not a duration",
      "{\"maxAttempts\": 3, \"backoff\": \"2 h\"}           | restart.backoff: must be between 0 s and 1 h",
      "{\"maxAttempts\": 3, \"deadline\": \"1 s\"}          | restart.deadline: must be longer than restart.backoff",
      "{\"maxAttempts\": 3, \"retries\": 2}                 | restart: unknown field 'retries'",
      "[3]                                                  | restart: must be an object"})
  void allocate_aBadRestartPolicy_is400NamingTheField_andAllocatesNothing(String restart, String error) {
    live.register("te-1", 1);

    Reply reply = http.post("/v1/allocations", "{\"jobId\": \"job-1\", \"slots\": 1, \"restart\": " + restart + "}");

    assertThat(reply.status()).isEqualTo(400);
    assertThat(reply.error()).startsWith(error);
    assertThat(rm.overview().slotsFree()).isEqualTo(1);
  }

  @Test
  void job_showsItsAllocationsAttemptsAndTerminalFailures() {
    live.register("te-1", "i-1", 2);
    http.post("/v1/allocations", "{\"jobId\": \"job-1\", \"slots\": 1, \"restart\": {\"maxAttempts\": 1}}");
    http.post("/v1/allocations", "{\"jobId\": \"job-1\", \"slots\": 1}");

    live.register("te-1", "i-2", 2); // a new process: the old one is lost as RESTARTED, a counted loss

    Reply reply = http.get("/v1/jobs/job-1");
    assertThat(reply.status()).isEqualTo(200);
    JsonNode job = reply.json();
    assertThat(job.get("jobId").asText()).isEqualTo("job-1");
    assertThat(job.get("allocations")).isEmpty();
    assertThat(job.get("attemptsUsed").asInt()).isEqualTo(1);
    assertThat(job.get("failures")).singleElement().satisfies(f -> {
      assertThat(f.get("reason").asText()).isEqualTo("ATTEMPTS_EXHAUSTED");
      assertThat(f.get("lastTaskExecutorId").asText()).isEqualTo("te-1");
      assertThat(f.get("attempt").asInt()).isEqualTo(1);
      assertThat(f.get("restart").get("maxAttempts").asInt()).isEqualTo(1);
    });
    assertThat(http.get("/v1/events?after=0").json().get("events").findValuesAsText("type"))
        .containsOnlyOnce("ALLOCATION_FAILED").containsOnlyOnce("ALLOCATION_LOST");
    assertThat(http.get("/v1/jobs/job-none").status()).isEqualTo(404);
  }

  @Test
  void drain_movesTheAllocationsWithAPolicyElsewhere_andIs404ForAnUnknownExecutor() {
    live.register("te-1", 3);
    http.post("/v1/allocations", "{\"jobId\": \"job-1\", \"slots\": 1, \"restart\": {\"maxAttempts\": 1,"
        + " \"backoff\": \"0 s\", \"deadline\": \"1 min\"}}");
    live.register("te-2", 1);

    Reply drained = http.post("/v1/taskexecutors/te-1/drain", "");

    assertThat(drained.status()).isEqualTo(200);
    assertThat(drained.json()).isEqualTo(Http.parse("{\"taskExecutorId\": \"te-1\", \"moving\": 1}"));
    await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
      JsonNode a = http.get("/v1/jobs/job-1").json().get("allocations").get(0);
      assertThat(a.get("taskExecutorId").asText()).isEqualTo("te-2");
      assertThat(a.get("state").asText()).isEqualTo("ALLOCATED");
      assertThat(a.get("attempt").asInt()).isEqualTo(1);
    });
    assertThat(http.post("/v1/taskexecutors/te-9/drain", "").status()).isEqualTo(404);
  }
}
