package dev.pulse.rm.rest;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.pulse.config.Settings;
import dev.pulse.rm.LiveResourceManager;
import dev.pulse.rm.ResourceManager;
import dev.pulse.rm.metrics.ResourceManagerMetrics;
import dev.pulse.rm.rest.Http.Reply;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * What the web dashboard needs of the REST API (SPEC 14), over real loopback HTTP: its files at {@code /}, the
 * paged task-executor list and the heartbeat summary; the files are open when reads need the token, the data is
 * not.
 */
class DashboardApiTest {

  private static final long NOW = 1_800_000_000_000L;
  private static final String TOKEN = "dashboard-token-0123456789abcdef";
  private static final Clock CLOCK = Clock.fixed(Instant.ofEpochMilli(NOW), ZoneOffset.UTC);

  @TempDir
  Path dir;

  private final ResourceManagerMetrics metrics = new ResourceManagerMetrics();
  private LiveResourceManager live;
  private ResourceManager rm;
  private RestServer server;
  private Http http;

  @BeforeEach
  void setUp() {
    live = new LiveResourceManager(b -> b.resourceManagerId("rm-dash")
        .wallClock(CLOCK)
        .heartbeatMetrics(metrics).listener(metrics));
    metrics.bindTo(live.resourceManager());
    rm = live.start();
  }

  @AfterEach
  void tearDown() {
    if (server != null) {
      server.close();
    }
    live.close();
  }

  @Test
  void root_servesThePage_andItsFiles_fromTheJar() throws Exception {
    serve(RestSecurity.NONE);

    Reply page = http.get("/");
    Reply script = http.get("/ui/app.js");

    assertThat(page.status()).isEqualTo(200);
    assertThat(page.header("content-type")).isEqualTo("text/html; charset=utf-8");
    assertThat(page.header("content-security-policy")).startsWith("default-src 'self'");
    assertThat(page.body()).contains("<script src=\"ui/app.js\"></script>").doesNotContain("http://", "https://");
    assertThat(script.status()).isEqualTo(200);
    assertThat(script.header("content-type")).isEqualTo("text/javascript; charset=utf-8");
    assertThat(script.body()).contains("sessionStorage").contains("'Authorization'");
    assertThat(http.get("/ui/charts.js").status()).isEqualTo(200);
    assertThat(http.get("/ui/app.css").status()).isEqualTo(200);
    assertThat(http.get("/ui/secrets.txt").status()).isEqualTo(404);
  }

  @Test
  void withReadsNeedingTheToken_theFilesAreOpen_butTheDataIsNot() throws Exception {
    Path tokenFile = Files.writeString(dir.resolve("token"), TOKEN + "\n");
    serve(RestSecurity.fromSettings(Settings.of("security.auth.token-file", tokenFile.toString(),
        "rest.auth.read", "true")));

    assertThat(http.get("/").status()).isEqualTo(200);
    assertThat(http.get("/ui/app.js").status()).isEqualTo(200);
    assertThat(http.send("POST", "/", "{}").status()).isEqualTo(401);
    assertThat(http.get("/v1/heartbeats/summary").status()).isEqualTo(401);
    assertThat(http.get("/v1/taskexecutors?limit=1").status()).isEqualTo(401);
    assertThat(http.withHeader("Authorization", "Bearer " + TOKEN).get("/v1/heartbeats/summary").status())
        .isEqualTo(200);
  }

  @Test
  void taskExecutors_paged_sortsFiltersAndCuts_onTheServer() throws Exception {
    serve(RestSecurity.NONE);
    for (int i = 0; i < 25; i++) {
      live.register(String.format("te-%02d", i), 1 + i % 3);
    }

    JsonNode page = http.get("/v1/taskexecutors?offset=20&limit=10&sort=-id").json();
    JsonNode byFreeSlots = http.get("/v1/taskexecutors?limit=3&sort=-slotsFree").json();
    JsonNode filtered = http.get("/v1/taskexecutors?filter=TE-1&limit=100").json();
    JsonNode countsOnly = http.get("/v1/taskexecutors?limit=0").json();

    assertThat(ids(page)).containsExactly("te-04", "te-03", "te-02", "te-01", "te-00");
    assertThat(page.get("total").asInt()).isEqualTo(25);
    assertThat(page.get("matched").asInt()).isEqualTo(25);
    assertThat(page.get("offset").asInt()).isEqualTo(20);
    assertThat(page.get("now").asLong()).isEqualTo(NOW);
    // Three slots each, ties broken by id.
    assertThat(ids(byFreeSlots)).containsExactly("te-02", "te-05", "te-08");
    assertThat(ids(filtered)).containsExactly("te-10", "te-11", "te-12", "te-13", "te-14", "te-15", "te-16",
        "te-17", "te-18", "te-19");
    assertThat(filtered.get("matched").asInt()).isEqualTo(10);
    assertThat(ids(countsOnly)).isEmpty();
    int inStates = 0;
    for (JsonNode count : countsOnly.get("states")) {
      inStates += count.asInt();
    }
    assertThat(inStates).isEqualTo(25);
    // Without paging parameters the answer is the unchanged full list of SPEC 7.
    assertThat(http.get("/v1/taskexecutors").json().get("taskExecutors")).hasSize(25);
    assertThat(http.get("/v1/taskexecutors").json().has("total")).isFalse();
  }

  @ParameterizedTest(name = "[{index}] {0}")
  @CsvSource(delimiter = '|', value = {
      "limit=1001 | limit: must be a number from 0 to 1000, was '1001'",
      "offset=-1 | offset: must be a number (0 or more), was '-1'",
      "sort=heartbeat | sort: must be one of [address, consecutiveFailedRpcs, id, instanceId, lastHeartbeat,"
          + " registeredAt, slotsFree, slotsTotal, state], with '-' before it for descending order, was 'heartbeat'",
      "page=2 | unknown query parameter 'page'; /v1/taskexecutors takes offset, limit, sort, filter, state"})
  void taskExecutors_badPagingParameter_is400NamingIt(String query, String error) throws Exception {
    serve(RestSecurity.NONE);

    Reply reply = http.get("/v1/taskexecutors?" + query);

    assertThat(reply.status()).isEqualTo(400);
    assertThat(reply.error()).isEqualTo(error);
  }

  @Test
  void heartbeatSummary_carriesTheSettingsAndTheServersClock() throws Exception {
    serve(RestSecurity.NONE);

    JsonNode summary = http.get("/v1/heartbeats/summary").json();

    assertThat(summary.get("intervalMillis").asLong()).isEqualTo(LiveResourceManager.INTERVAL_MS);
    assertThat(summary.get("timeoutMillis").asLong()).isEqualTo(rm.heartbeatConfig().timeout().toMillis());
    assertThat(summary.get("rpcFailureThreshold").asInt()).isEqualTo(rm.heartbeatConfig().rpcFailureThreshold());
    assertThat(summary.get("now").asLong()).isEqualTo(NOW);
    assertThat(summary.get("steps").isArray()).isTrue();
  }

  private void serve(RestSecurity security) throws Exception {
    server = RestServer.builder(rm, metrics).security(security).wallClock(CLOCK).build()
        .start(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
    http = new Http(server.address());
  }

  private static List<String> ids(JsonNode page) {
    List<String> ids = new ArrayList<>();
    page.get("taskExecutors").forEach(te -> ids.add(te.get("id").asText()));
    return ids;
  }
}
