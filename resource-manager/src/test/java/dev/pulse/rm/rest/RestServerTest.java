package dev.pulse.rm.rest;

import static dev.pulse.rm.LiveResourceManager.addressOf;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.pulse.rm.Allocation;
import dev.pulse.rm.EventType;
import dev.pulse.rm.LiveResourceManager;
import dev.pulse.rm.ResourceManager;
import dev.pulse.rm.ResourceManagerEvent;
import dev.pulse.rm.metrics.PrometheusText;
import dev.pulse.rm.metrics.ResourceManagerMetrics;
import dev.pulse.rm.rest.Http.Reply;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The REST API of SPEC 7 over real loopback HTTP, against a running resource manager with fake task executors. */
class RestServerTest {

  private static final long NOW = 1_800_000_000_000L;
  private static final String BODY_SHAPE = "{\"jobId\": \"<id>\", \"slots\": <positive integer>[, \"restart\":"
      + " {\"maxAttempts\": <1 to 1000>, \"backoff\": \"<duration>\", \"deadline\": \"<duration>\"}]}";

  private ResourceManagerMetrics metrics;
  private LiveResourceManager live;
  private ResourceManager rm;
  private RestServer server;
  private Http http;

  @BeforeEach
  void setUp() throws Exception {
    metrics = new ResourceManagerMetrics();
    live = new LiveResourceManager(b -> b.resourceManagerId("rm-test")
        .wallClock(Clock.fixed(Instant.ofEpochMilli(NOW), ZoneOffset.UTC))
        .heartbeatMetrics(metrics)
        .listener(metrics));
    metrics.bindTo(live.resourceManager());
    rm = live.start();
    server = RestServer.builder(rm, metrics).responseTimeout(Duration.ofSeconds(15)).build().start(loopback());
    http = new Http(server.address());
  }

  @AfterEach
  void tearDown() {
    server.close();
    live.close();
  }

  // ------------------------------------------------------------------ reads

  @Test
  void overview_answersIdentityAndTotals() {
    live.register("te-1", 3);
    live.register("te-2", 2);

    Reply reply = http.get("/v1/overview");

    assertThat(reply.status()).isEqualTo(200);
    assertThat(reply.header("content-type")).isEqualTo("application/json; charset=utf-8");
    assertThat(reply.json()).isEqualTo(json("""
        {"resourceManagerId": "rm-test", "epoch": 1, "taskExecutors": 2, "slotsTotal": 5, "slotsFree": 5}"""));
  }

  @Test
  void overviewAndHealthz_ofAnElectedLeader_reportTheRoleAndItsPublishedAddress() throws Exception {
    live.register("te-1", 3);
    record Published(String resourceManagerId, long epoch, String rpcAddress, String restUrl) {}
    Published self = new Published("rm-test", 1, "127.0.0.1:6123", "http://127.0.0.1:8081");
    try (RestServer leading = RestServer.builder(rm, metrics).leaderAddress(self).build().start(loopback())) {
      Http client = new Http(leading.address());

      assertThat(client.get("/v1/overview").json()).isEqualTo(json("""
          {"resourceManagerId": "rm-test", "epoch": 1, "taskExecutors": 1, "slotsTotal": 3, "slotsFree": 3,
           "role": "LEADER", "leader": {"resourceManagerId": "rm-test", "epoch": 1, "rpcAddress": "127.0.0.1:6123",
           "restUrl": "http://127.0.0.1:8081"}}"""));
      assertThat(client.get("/healthz").json()).isEqualTo(json("{\"status\": \"UP\", \"role\": \"LEADER\"}"));
    }
  }

  @Test
  void taskExecutors_listsEachWithTheFieldsOfSpec7() {
    live.register("te-1", 3);
    live.register("te-2", 2);
    rm.allocateSlots("job-1", 3).join();
    await().atMost(Duration.ofSeconds(10)).until(() -> rm.taskExecutors().join().stream()
        .allMatch(te -> te.state().equals("ACTIVE")));

    Reply reply = http.get("/v1/taskexecutors");

    assertThat(reply.status()).isEqualTo(200);
    assertThat(fieldNames(reply.json())).containsExactly("taskExecutors");
    JsonNode list = reply.json().get("taskExecutors");
    assertThat(list).hasSize(2);
    int free = 0;
    for (int i = 0; i < 2; i++) {
      JsonNode te = list.get(i);
      String id = "te-" + (i + 1);
      assertThat(fieldNames(te)).containsExactly("id", "instanceId", "address", "registeredAt", "lastHeartbeat",
          "consecutiveFailedRpcs", "slotsTotal", "slotsFree", "state", "quarantinedUntil");
      assertThat(te.get("lastHeartbeat").asLong()).isBetween(NOW - 10_000, NOW);
      free += te.get("slotsFree").asInt();
      assertThat(withoutFields(te, "lastHeartbeat", "slotsFree")).isEqualTo(json("""
          {"id": "%s", "instanceId": "instance-of-%s", "address": "%s", "registeredAt": %d,
           "consecutiveFailedRpcs": 0, "slotsTotal": %d, "state": "ACTIVE", "quarantinedUntil": 0}"""
          .formatted(id, id, addressOf(id), NOW, i == 0 ? 3 : 2)));
    }
    assertThat(free).isEqualTo(2);
  }

  @Test
  void taskExecutor_byId_answersThatOne_or404() {
    live.register("te-1", 3);
    live.register("te-2", 2);

    Reply one = http.get("/v1/taskexecutors/te-2");
    Reply unknown = http.get("/v1/taskexecutors/te-9");

    assertThat(one.status()).isEqualTo(200);
    assertThat(one.json().get("id").asText()).isEqualTo("te-2");
    assertThat(one.json().get("slotsTotal").asInt()).isEqualTo(2);
    assertThat(fieldNames(one.json())).hasSize(10);
    assertThat(unknown.status()).isEqualTo(404);
    assertThat(unknown.json()).isEqualTo(json("{\"error\": \"no task executor te-9 is registered\"}"));
  }

  @Test
  void quarantinedExecutor_showsItsStateAndEnd_andDeletingTheQuarantineLiftsIt() {
    for (int i = 0; i <= 3; i++) {
      live.register("te-1", "restart-" + i, 2); // each new instance replaces the last: three losses
    }

    JsonNode quarantined = http.get("/v1/taskexecutors/te-1").json();
    Reply lifted = http.delete("/v1/taskexecutors/te-1/quarantine");
    Reply again = http.delete("/v1/taskexecutors/te-1/quarantine");
    Reply badId = http.delete("/v1/taskexecutors/te%201/quarantine");

    assertThat(quarantined.get("state").asText()).isEqualTo("QUARANTINED");
    assertThat(quarantined.get("quarantinedUntil").asLong()).isEqualTo(NOW + 60_000);
    assertThat(lifted.status()).isEqualTo(204);
    assertThat(http.get("/v1/taskexecutors/te-1").json().get("quarantinedUntil").asLong()).isZero();
    assertThat(rm.events(0, 100)).extracting(ResourceManagerEvent::type).containsSubsequence(
        EventType.TASK_EXECUTOR_QUARANTINED, EventType.TASK_EXECUTOR_RELEASED_FROM_QUARANTINE);
    assertThat(again.status()).isEqualTo(404);
    assertThat(again.json()).isEqualTo(json("{\"error\": \"task executor te-1 is not quarantined\"}"));
    assertThat(badId.status()).isEqualTo(400);
    assertThat(http.get("/v1/taskexecutors/te-1/quarantine").status()).isEqualTo(405);
  }

  @Test
  void events_afterAndLimit_pageThroughTheLog_andALossCarriesItsReason() {
    live.register("te-1", 1);
    live.register("te-2", 1);
    live.register("te-3", 1);
    live.makeUnreachable("te-3");
    await().atMost(Duration.ofSeconds(10)).until(() -> rm.events(0, 1000).stream()
        .anyMatch(e -> e.type() == EventType.TASK_EXECUTOR_LOST));
    // The log may also hold LOCAL_PAUSE_DETECTED events if this machine is busy: expect whatever it holds.
    List<ResourceManagerEvent> log = rm.events(0, 1000);
    List<Long> logSeqs = log.stream().map(ResourceManagerEvent::seq).toList();
    long lostSeq = log.stream().filter(e -> e.type() == EventType.TASK_EXECUTOR_LOST).findFirst().orElseThrow().seq();

    Reply all = http.get("/v1/events");
    Reply page = http.get("/v1/events?after=" + logSeqs.get(0) + "&limit=2");
    Reply none = http.get("/v1/events?after=" + logSeqs.get(logSeqs.size() - 1));

    assertThat(all.status()).isEqualTo(200);
    assertThat(fieldNames(all.json())).containsExactly("events");
    assertThat(seqs(all)).isEqualTo(logSeqs).startsWith(1L);
    assertThat(all.json().get("events").get(0)).isEqualTo(json("""
        {"seq": 1, "time": %d, "type": "TASK_EXECUTOR_REGISTERED", "taskExecutorId": "te-1",
         "allocationId": null, "jobId": null, "reason": null, "slotsReleased": 0,
         "detail": "instance instance-of-te-1 at %s with 1 slot(s)"}""".formatted(NOW, addressOf("te-1"))));
    assertThat(eventOfType(all, "TASK_EXECUTOR_LOST")).isEqualTo(json("""
        {"seq": %d, "time": %d, "type": "TASK_EXECUTOR_LOST", "taskExecutorId": "te-3",
         "allocationId": null, "jobId": null, "reason": "UNREACHABLE", "slotsReleased": 1,
         "detail": "2 heartbeat RPCs in a row could not reach it"}""".formatted(lostSeq, NOW)));
    assertThat(seqs(page)).isEqualTo(logSeqs.subList(1, 3));
    assertThat(none.json()).isEqualTo(json("{\"events\": []}"));
  }

  @Test
  void events_pageIsCappedAtOneThousand() {
    live.register("te-1", 1);
    for (int i = 0; i < 500; i++) {
      Allocation a = rm.allocateSlots("job-1", 1).join().get(0);
      rm.releaseAllocation(a.allocationId()).join();
    }
    long last = rm.lastEvent().seq();

    Reply first = http.get("/v1/events");
    Reply rest = http.get("/v1/events?after=1000");

    assertThat(last).isGreaterThanOrEqualTo(1001);
    assertThat(seqs(first)).hasSize(RestServer.MAX_EVENTS_PER_PAGE).startsWith(1L).endsWith(1000L);
    assertThat(seqs(rest)).startsWith(1001L).endsWith(last).hasSize((int) (last - 1000));
  }

  @ParameterizedTest(name = "[{index}] {0}")
  @MethodSource("badEventQueries")
  void events_badQuery_is400NamingTheParameter(String query, String error) {
    Reply reply = http.get("/v1/events" + query);

    assertThat(reply.status()).isEqualTo(400);
    assertThat(reply.json()).isEqualTo(errorJson(error));
  }

  static Stream<Arguments> badEventQueries() {
    return Stream.of(
        Arguments.of("?after=-1", "after: must be a sequence number (0 or more), was '-1'"),
        Arguments.of("?after=abc", "after: must be a sequence number (0 or more), was 'abc'"),
        Arguments.of("?after=1&after=2", "query parameter 'after' is given 2 times; give it once"),
        Arguments.of("?limit=0", "limit: must be a number from 1 to 1000, was '0'"),
        Arguments.of("?limit=1001", "limit: must be a number from 1 to 1000, was '1001'"),
        Arguments.of("?since=3", "unknown query parameter 'since'; /v1/events takes after, limit"));
  }

  // ------------------------------------------------------------------ allocations

  @Test
  void allocate_createsTheSlots_andAnswers201WithThem() {
    live.register("te-1", 2);

    Reply reply = http.post("/v1/allocations", "{\"jobId\": \"job-1\", \"slots\": 2}");

    assertThat(reply.status()).isEqualTo(201);
    assertThat(fieldNames(reply.json())).containsExactly("allocations");
    JsonNode created = reply.json().get("allocations");
    assertThat(created).hasSize(2);
    List<String> ids = new ArrayList<>();
    for (JsonNode a : created) {
      assertThat(fieldNames(a)).containsExactly("allocationId", "jobId", "taskExecutorId", "slotIndex", "state",
          "createdAt", "attempt", "restart");
      ids.add(a.get("allocationId").asText());
      assertThat(withoutFields(a, "allocationId", "slotIndex")).isEqualTo(json("""
          {"jobId": "job-1", "taskExecutorId": "te-1", "state": "ALLOCATED", "createdAt": %d, "attempt": 1,
           "restart": null}""".formatted(NOW)));
    }
    assertThat(created.findValuesAsText("slotIndex")).containsExactlyInAnyOrder("0", "1");
    assertThat(rm.allocations("job-1").join()).extracting(Allocation::allocationId).containsExactlyInAnyOrderElementsOf(ids);
    assertThat(rm.overview().slotsFree()).isZero();
    assertThat(rm.events(0, 100)).filteredOn(e -> e.type() == EventType.ALLOCATION_CREATED)
        .extracting(e -> e.allocationId()).containsExactlyInAnyOrderElementsOf(ids);
  }

  @Test
  void allocate_moreSlotsThanFree_is409_andChangesNothing() {
    live.register("te-1", 2);
    JsonNode before = http.get("/v1/overview").json();

    Reply reply = http.post("/v1/allocations", "{\"jobId\": \"job-1\", \"slots\": 3}");

    assertThat(reply.status()).isEqualTo(409);
    assertThat(reply.json()).isEqualTo(errorJson("asked for 3 slot(s), 2 free"));
    assertUnchanged(before, 1);
  }

  @Test
  void allocate_refusedByATaskExecutor_is502_andIsUndone() {
    live.register("te-1", 2);
    live.refuseSlots("te-1");
    JsonNode before = http.get("/v1/overview").json();

    Reply reply = http.post("/v1/allocations", "{\"jobId\": \"job-1\", \"slots\": 2}");

    assertThat(reply.status()).isEqualTo(502);
    assertThat(reply.error()).startsWith("could not allocate 2 slot(s) for job job-1: slot ").endsWith(" refused");
    assertUnchanged(before, 1);
  }

  @ParameterizedTest(name = "[{index}] {0}")
  @MethodSource("badAllocationBodies")
  void allocate_badBody_is400NamingTheProblem_andChangesNothing(String body, String error) {
    live.register("te-1", 2);
    JsonNode before = http.get("/v1/overview").json();

    Reply reply = http.post("/v1/allocations", body);

    assertThat(reply.status()).isEqualTo(400);
    assertThat(fieldNames(reply.json())).containsExactly("error");
    assertThat(reply.error()).startsWith(error);
    assertUnchanged(before, 1);
  }

  static Stream<Arguments> badAllocationBodies() {
    return Stream.of(
        Arguments.of("", "the request body is empty; expected " + BODY_SHAPE),
        Arguments.of("{\"jobId\": \"job-1\", ", "malformed JSON at line 1, column 20: Unexpected end-of-input"),
        Arguments.of("[1, 2]", "the request body must be a JSON object " + BODY_SHAPE + ", was array"),
        Arguments.of("{\"jobId\": \"job-1\", \"slots\": 1} {}", "malformed JSON at line 1, column 32: Trailing token"),
        Arguments.of("{\"jobId\": \"a\", \"jobId\": \"b\", \"slots\": 1}", "malformed JSON at line 1, column 23: Duplicate field 'jobId'"),
        Arguments.of("{\"slots\": 1}", "jobId: missing; expected " + BODY_SHAPE),
        Arguments.of("{\"jobId\": null, \"slots\": 1}", "jobId: missing; expected " + BODY_SHAPE),
        Arguments.of("{\"jobId\": 12, \"slots\": 1}", "jobId: must be a string, was 12"),
        Arguments.of("{\"jobId\": \"\", \"slots\": 1}", "jobId: id is empty"),
        Arguments.of("{\"jobId\": \"job 1\", \"slots\": 1}",
            "jobId: id 'job 1' may contain only letters, digits, '.', '_' and '-'"),
        Arguments.of("{\"jobId\": \"job-1\"}", "slots: missing; expected " + BODY_SHAPE),
        Arguments.of("{\"jobId\": \"job-1\", \"slots\": 0}", "slots: must be a positive integer, was 0"),
        Arguments.of("{\"jobId\": \"job-1\", \"slots\": -2}", "slots: must be a positive integer, was -2"),
        Arguments.of("{\"jobId\": \"job-1\", \"slots\": 1.5}", "slots: must be a positive integer, was 1.5"),
        Arguments.of("{\"jobId\": \"job-1\", \"slots\": \"2\"}", "slots: must be a positive integer, was \"2\""),
        Arguments.of("{\"jobId\": \"job-1\", \"slots\": true}", "slots: must be a positive integer, was true"),
        Arguments.of("{\"jobId\": \"job-1\", \"slots\": 10000000000}",
            "slots: must be a positive integer, was 10000000000"),
        Arguments.of("{\"jobId\": \"job-1\", \"slots\": 2000000}", "slots: must be between 1 and 1000000, was 2000000"),
        Arguments.of("{\"jobId\": \"job-1\", \"slots\": 1, \"priority\": 3}",
            "unknown field 'priority'; expected " + BODY_SHAPE));
  }

  @Test
  void allocations_listsAllJobs_orOne() {
    live.register("te-1", 3);
    rm.allocateSlots("job-a", 2).join();
    rm.allocateSlots("job-b", 1).join();

    assertThat(http.get("/v1/allocations").json().get("allocations")).hasSize(3);
    JsonNode jobA = http.get("/v1/allocations?jobId=job-a").json().get("allocations");
    assertThat(jobA).hasSize(2);
    assertThat(jobA.findValuesAsText("jobId")).containsOnly("job-a");
    assertThat(http.get("/v1/allocations?jobId=nobody").json()).isEqualTo(json("{\"allocations\": []}"));
  }

  @Test
  void allocations_badQuery_is400() {
    assertThat(http.get("/v1/allocations?jobId=").json()).isEqualTo(errorJson("jobId: id is empty"));
    assertThat(http.get("/v1/allocations?jobid=job-a").json())
        .isEqualTo(errorJson("unknown query parameter 'jobid'; /v1/allocations takes jobId"));
    assertThat(http.get("/v1/allocations?jobId=a&jobId=b").status()).isEqualTo(400);
  }

  @Test
  void delete_releasesTheAllocation_thenItIsGone() {
    live.register("te-1", 2);
    JsonNode created = http.post("/v1/allocations", "{\"jobId\": \"job-1\", \"slots\": 2}").json().get("allocations");
    String released = created.get(0).get("allocationId").asText();
    String kept = created.get(1).get("allocationId").asText();

    Reply deleted = http.delete("/v1/allocations/" + released);

    assertThat(deleted.status()).isEqualTo(204);
    assertThat(deleted.body()).isEmpty();
    JsonNode left = http.get("/v1/allocations?jobId=job-1").json().get("allocations");
    assertThat(left.findValuesAsText("allocationId")).containsExactly(kept);
    assertThat(http.get("/v1/overview").json().get("slotsFree").asInt()).isEqualTo(1);
    assertThat(rm.events(0, 100)).filteredOn(e -> e.type() == EventType.ALLOCATION_RELEASED)
        .singleElement().extracting(ResourceManagerEvent::allocationId).isEqualTo(released);

    Reply again = http.delete("/v1/allocations/" + released);
    assertThat(again.status()).isEqualTo(404);
    assertThat(again.json()).isEqualTo(errorJson("no allocation " + released));
  }

  @Test
  void delete_ofAnAllocationStillBeingCreated_is409() {
    live.register("te-1", 1);
    live.hangSlotRequests("te-1");
    rm.allocateSlots("job-1", 1); // the task executor never answers: stays PENDING
    await().atMost(Duration.ofSeconds(10)).until(() -> !rm.allocations("job-1").join().isEmpty());
    Reply listed = http.get("/v1/allocations?jobId=job-1");
    String pending = listed.json().get("allocations").get(0).get("allocationId").asText();

    Reply reply = http.delete("/v1/allocations/" + pending);

    assertThat(listed.json().get("allocations").get(0).get("state").asText()).isEqualTo("PENDING");
    assertThat(reply.status()).isEqualTo(409);
    assertThat(reply.json()).isEqualTo(errorJson("allocation " + pending
        + " is still being created; release it once created"));
  }

  // ------------------------------------------------------------------ routing and refusals

  @Test
  void unknownPath_is404() {
    for (String path : List.of("/v1/nothing", "/v1/overview/", "/index.html", "/v2/overview", "/v1/taskexecutors/te-1/slots")) {
      Reply reply = http.get(path);
      assertThat(reply.status()).as(path).isEqualTo(404);
      assertThat(reply.error()).as(path).startsWith("no such resource: " + path + "; see GET /v1/overview");
    }
  }

  @Test
  void wrongMethod_is405_withAnAllowHeader() {
    Reply put = http.send("PUT", "/v1/overview", "{}");
    Reply deleteAll = http.delete("/v1/allocations");
    Reply postOne = http.post("/v1/taskexecutors/te-1", "{}");

    assertThat(put.status()).isEqualTo(405);
    assertThat(put.header("allow")).isEqualTo("GET");
    assertThat(put.json()).isEqualTo(errorJson("method PUT is not allowed on /v1/overview; allowed: GET"));
    assertThat(deleteAll.status()).isEqualTo(405);
    assertThat(deleteAll.header("allow")).isEqualTo("GET, POST");
    assertThat(postOne.header("allow")).isEqualTo("GET");
  }

  @Test
  void unknownQueryParameter_onTheApi_is400() {
    Reply reply = http.get("/v1/overview?verbose=1");

    assertThat(reply.status()).isEqualTo(400);
    assertThat(reply.json()).isEqualTo(errorJson("unknown query parameter 'verbose'; /v1/overview takes none"));
  }

  @Test
  void bodyTooLarge_is413_andTheConnectionServesTheNextRequest() {
    live.register("te-1", 2);
    JsonNode before = http.get("/v1/overview").json();
    String big = "{\"jobId\": \"" + "j".repeat(70_000) + "\", \"slots\": 1}";

    Reply reply = http.post("/v1/allocations", big);

    assertThat(reply.status()).isEqualTo(413);
    assertThat(reply.json()).isEqualTo(errorJson("the request body is larger than 65536 bytes"));
    assertUnchanged(before, 1);
  }

  @Test
  void bodyTooLarge_withExpectContinue_is413BeforeTheBodyIsSent() throws Exception {
    // By hand: JDK 17's HttpClient waits forever when a 100-continue request gets a final answer.
    try (RawHttp raw = new RawHttp(server.address())) {
      RawHttp.Response response = raw.write("POST /v1/allocations HTTP/1.1\r\nHost: a\r\n"
          + "Content-Type: application/json\r\nContent-Length: 70000\r\nExpect: 100-continue\r\n\r\n").read();

      assertThat(response.status()).isEqualTo(413);
      assertThat(Http.parse(response.body())).isEqualTo(errorJson("the request body is larger than 65536 bytes"));
      assertThat(raw.closedByServer()).isTrue();
    }
  }

  @Test
  void malformedHttp_is400_andTheConnectionCloses() throws Exception {
    try (RawHttp raw = new RawHttp(server.address())) {
      RawHttp.Response response = raw.write("GET /v1/overview HTTP/9.x\r\nHost: a\r\n\r\n").read();

      assertThat(response.status()).isEqualTo(400);
      assertThat(response.error()).startsWith("malformed HTTP request: ");
      assertThat(response.headers()).containsEntry("connection", "close");
      assertThat(raw.closedByServer()).isTrue();
    }
  }

  @Test
  void requestLineTooLong_is414_andHeadersTooLarge_is431() throws Exception {
    try (RawHttp raw = new RawHttp(server.address())) {
      RawHttp.Response response = raw.write("GET /v1/" + "a".repeat(5000) + " HTTP/1.1\r\nHost: a\r\n\r\n").read();
      assertThat(response.status()).isEqualTo(414);
      assertThat(response.error()).startsWith("request line too long: ");
    }
    try (RawHttp raw = new RawHttp(server.address())) {
      RawHttp.Response response = raw.write("GET /v1/overview HTTP/1.1\r\nHost: a\r\nX-Big: " + "b".repeat(9000)
          + "\r\n\r\n").read();
      assertThat(response.status()).isEqualTo(431);
      assertThat(response.error()).startsWith("request headers too large: ");
    }
  }

  @Test
  void malformedPercentEncoding_is400_andTheConnectionStaysOpen() throws Exception {
    try (RawHttp raw = new RawHttp(server.address())) {
      RawHttp.Response bad = raw.write("GET /v1/taskexecutors/%zz HTTP/1.1\r\nHost: a\r\n\r\n").read();
      RawHttp.Response next = raw.write("GET /healthz HTTP/1.1\r\nHost: a\r\n\r\n").read();

      assertThat(bad.status()).isEqualTo(400);
      assertThat(bad.error()).startsWith("malformed URI /v1/taskexecutors/%zz: ");
      assertThat(next.status()).isEqualTo(200);
    }
  }

  // ------------------------------------------------------------------ connections

  @Test
  void pipelinedRequests_areAnsweredInOrder_evenWhenTheFirstWaitsForTheMainThread() throws Exception {
    live.register("te-1", 1);
    try (RawHttp raw = new RawHttp(server.address())) {
      CountDownLatch release = live.holdMainThread();
      try {
        // The first needs the main thread; the second is answered from a snapshot at once.
        raw.write("GET /v1/taskexecutors HTTP/1.1\r\nHost: a\r\n\r\nGET /v1/overview HTTP/1.1\r\nHost: a\r\n\r\n");
      } finally {
        release.countDown();
      }
      RawHttp.Response first = raw.read();
      RawHttp.Response second = raw.read();

      assertThat(fieldNames(Http.parse(first.body()))).containsExactly("taskExecutors");
      assertThat(fieldNames(Http.parse(second.body()))).startsWith("resourceManagerId");
    }
  }

  @Test
  void keepAlive_servesManyRequestsOnOneConnection_http10ClosesAfterOne() throws Exception {
    try (RawHttp raw = new RawHttp(server.address())) {
      for (int i = 0; i < 3; i++) {
        RawHttp.Response r = raw.write("GET /healthz HTTP/1.1\r\nHost: a\r\n\r\n").read();
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.headers()).doesNotContainKey("connection");
      }
    }
    try (RawHttp raw = new RawHttp(server.address())) {
      RawHttp.Response r = raw.write("GET /healthz HTTP/1.0\r\n\r\n").read();
      assertThat(r.status()).isEqualTo(200);
      assertThat(raw.closedByServer()).isTrue();
    }
  }

  @Test
  void aMainThreadThatDoesNotAnswer_gets503AfterTheResponseTimeout() throws Exception {
    live.register("te-1", 1);
    try (RestServer impatient = RestServer.builder(rm, metrics).responseTimeout(Duration.ofMillis(300)).build()
        .start(loopback())) {
      Http client = new Http(impatient.address());
      CountDownLatch release = live.holdMainThread();
      Reply list;
      Reply health;
      try {
        list = client.get("/v1/taskexecutors");
        health = client.get("/healthz");
      } finally {
        release.countDown();
      }

      assertThat(list.status()).isEqualTo(503);
      assertThat(list.json()).isEqualTo(errorJson("the resource manager did not answer within 300 ms"));
      assertThat(health.status()).isEqualTo(503);
      assertThat(client.get("/v1/taskexecutors").status()).isEqualTo(200);
    }
  }

  // ------------------------------------------------------------------ health and metrics

  @Test
  void healthz_isUpWhileRunning_andDownOnceClosed() {
    Reply up = http.get("/healthz");
    live.close();
    Reply down = http.get("/healthz");
    Reply overview = http.get("/v1/overview");
    Reply list = http.get("/v1/taskexecutors");

    assertThat(up.status()).isEqualTo(200);
    assertThat(up.json()).isEqualTo(json("{\"status\": \"UP\"}"));
    assertThat(down.status()).isEqualTo(503);
    assertThat(down.json()).isEqualTo(json("{\"status\": \"DOWN\", \"detail\": \"the resource manager is not running\"}"));
    assertThat(overview.status()).isEqualTo(503);
    assertThat(overview.json()).isEqualTo(errorJson("the resource manager is not running"));
    assertThat(list.status()).isEqualTo(503);
  }

  @Test
  void aResourceManagerNotYetStarted_is503() throws Exception {
    try (LiveResourceManager idle = new LiveResourceManager(b -> {});
        RestServer early = RestServer.builder(idle.resourceManager(), new ResourceManagerMetrics()).build()
            .start(loopback())) {
      Http client = new Http(early.address());

      assertThat(client.get("/healthz").status()).isEqualTo(503);
      assertThat(client.get("/v1/overview").json()).isEqualTo(errorJson("the resource manager is not running"));
      assertThat(client.get("/v1/events").status()).isEqualTo(503);
      assertThat(client.get("/v1/allocations").status()).isEqualTo(503);
    }
  }

  @Test
  void metrics_servesPrometheusText_withHeartbeatsAndALoss() {
    live.register("te-1", 2);
    live.register("te-2", 1);
    live.makeUnreachable("te-2");
    await().atMost(Duration.ofSeconds(10)).until(() -> http.get("/metrics").body()
        .contains("pulse_task_executors_lost_total{reason=\"UNREACHABLE\"} 1.0"));

    Reply reply = http.get("/metrics");

    assertThat(reply.status()).isEqualTo(200);
    assertThat(reply.header("content-type")).isEqualTo("text/plain; version=0.0.4; charset=utf-8");
    assertThat(reply.body()).contains(
        "pulse_task_executors_registered 1.0",
        "pulse_slots_registered 2.0",
        "pulse_slots_free 2.0",
        "pulse_heartbeat_requests_total ",
        "pulse_heartbeat_rtt_seconds_bucket{le=\"0.05\"} ",
        "pulse_heartbeat_rtt_seconds_count ",
        "pulse_heartbeat_rpc_failures_total{kind=\"UNREACHABLE\"} ",
        "pulse_sender_tick_lag_seconds_count ",
        "pulse_local_pauses_total ",
        "pulse_events_total{type=\"TASK_EXECUTOR_LOST\"} 1.0");
    assertThat(PrometheusText.value(reply.body(), "pulse_heartbeat_rtt_seconds_count")).isPositive();
  }

  // ------------------------------------------------------------------ helpers

  /**
   * Overview, allocations and the event log are as they were: a refused request changed nothing. (Events of
   * local pauses, which a busy machine may cause at any time, are not the request's doing.)
   */
  private void assertUnchanged(JsonNode overviewBefore, int eventsBefore) {
    assertThat(http.get("/v1/overview").json()).isEqualTo(overviewBefore);
    assertThat(http.get("/v1/allocations").json()).isEqualTo(json("{\"allocations\": []}"));
    assertThat(http.get("/v1/events").json().get("events"))
        .filteredOn(e -> !e.get("type").asText().equals(EventType.LOCAL_PAUSE_DETECTED.name()))
        .hasSize(eventsBefore);
  }

  private static JsonNode eventOfType(Reply reply, String type) {
    List<JsonNode> found = new ArrayList<>();
    reply.json().get("events").forEach(e -> {
      if (e.get("type").asText().equals(type)) {
        found.add(e);
      }
    });
    assertThat(found).as("events of type " + type).hasSize(1);
    return found.get(0);
  }

  static InetSocketAddress loopback() {
    return new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);
  }

  private static List<Long> seqs(Reply reply) {
    List<Long> seqs = new ArrayList<>();
    reply.json().get("events").forEach(e -> seqs.add(e.get("seq").asLong()));
    return seqs;
  }

  private static List<String> fieldNames(JsonNode node) {
    List<String> names = new ArrayList<>();
    node.fieldNames().forEachRemaining(names::add);
    return names;
  }

  private static JsonNode withoutFields(JsonNode node, String... fields) {
    ObjectNode copy = node.deepCopy();
    copy.remove(List.of(fields));
    return copy;
  }

  private static JsonNode json(String text) {
    return Http.parse(text);
  }

  private static JsonNode errorJson(String error) {
    return Http.JSON.createObjectNode().put("error", error);
  }
}
