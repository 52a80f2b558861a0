package dev.pulse.rm.rest;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pulse.config.Settings;
import dev.pulse.rm.Allocation;
import dev.pulse.rm.LiveResourceManager;
import dev.pulse.rm.ResourceManager;
import dev.pulse.rm.metrics.ResourceManagerMetrics;
import dev.pulse.rm.rest.Http.Reply;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The token rules of the REST API (SPEC 13) over real loopback HTTP: with {@code security.auth.token-file},
 * changes need {@code Authorization: Bearer <token>}; with {@code rest.auth.read}, reads too; {@code /healthz}
 * never does.
 */
class RestAuthTest {

  private static final String TOKEN = "rest-test-token-0123456789abcdef";
  private static final String ALLOCATE = "{\"jobId\": \"job-1\", \"slots\": 1}";

  @TempDir
  Path dir;

  private final ResourceManagerMetrics metrics = new ResourceManagerMetrics();
  private LiveResourceManager live;
  private ResourceManager rm;
  private RestServer server;
  private Http anonymous;
  private Http authorized;

  @BeforeEach
  void startResourceManager() {
    live = new LiveResourceManager(b -> b.resourceManagerId("rm-auth").heartbeatMetrics(metrics).listener(metrics));
    metrics.bindTo(live.resourceManager());
    rm = live.start();
    live.register("te-1", 2);
  }

  @AfterEach
  void tearDown() {
    if (server != null) {
      server.close();
    }
    live.close();
  }

  // ------------------------------------------------------------------ changes

  @Test
  void post_withoutToken_is401WithABearerChallenge_andAllocatesNothing() throws Exception {
    serve(false);

    Reply reply = anonymous.post("/v1/allocations", ALLOCATE);

    assertThat(reply.status()).isEqualTo(401);
    assertThat(reply.json()).isEqualTo(Http.JSON.createObjectNode().put("error", BearerAuth.MISSING));
    assertThat(reply.header("WWW-Authenticate")).isEqualTo("Bearer realm=\"pulse\"");
    assertThat(rm.allocations(null).join()).isEmpty();
    assertThat(rm.overview().slotsFree()).isEqualTo(2);
  }

  @ParameterizedTest(name = "[{index}] {0}")
  @ValueSource(strings = {"Bearer rest-test-token-0123456789abcdeF", "Bearer rest-test-token-0123456789abcde",
      "Bearer rest-test-token-0123456789abcdef0", "Basic cmVzdDp0ZXN0", TOKEN, "Bearer", ""})
  void post_withWrongToken_is401InvalidToken_andAllocatesNothing(String authorization) throws Exception {
    serve(false);

    Reply reply = anonymous.withHeader("Authorization", authorization).post("/v1/allocations", ALLOCATE);

    assertThat(reply.status()).isEqualTo(401);
    assertThat(reply.error()).isEqualTo(BearerAuth.WRONG);
    assertThat(reply.header("WWW-Authenticate")).isEqualTo("Bearer realm=\"pulse\", error=\"invalid_token\"");
    assertThat(rm.allocations(null).join()).isEmpty();
  }

  @Test
  void postAndDelete_withToken_succeed_andDeleteWithoutToken_is401() throws Exception {
    serve(false);

    Reply created = authorized.post("/v1/allocations", ALLOCATE);
    String id = created.json().get("allocations").get(0).get("allocationId").asText();
    Reply anonymousDelete = anonymous.delete("/v1/allocations/" + id);
    List<Allocation> afterAnonymousDelete = rm.allocations(null).join();
    Reply deleted = authorized.delete("/v1/allocations/" + id);

    assertThat(created.status()).isEqualTo(201);
    assertThat(anonymousDelete.status()).isEqualTo(401);
    assertThat(afterAnonymousDelete).extracting(Allocation::allocationId).containsExactly(id);
    assertThat(deleted.status()).isEqualTo(204);
    assertThat(rm.allocations(null).join()).isEmpty();
  }

  @Test
  void schemeName_isCaseInsensitive_butTheTokenIsNot() throws Exception {
    serve(false);

    Reply lowerScheme = anonymous.withHeader("Authorization", "bearer " + TOKEN).post("/v1/allocations", ALLOCATE);
    Reply upperToken = anonymous.withHeader("Authorization", "Bearer " + TOKEN.toUpperCase())
        .post("/v1/allocations", ALLOCATE);

    assertThat(lowerScheme.status()).isEqualTo(201);
    assertThat(upperToken.status()).isEqualTo(401);
  }

  @Test
  void withoutToken_unknownPathsAndMethodsAre401_sothatNothingIsRevealed() throws Exception {
    serve(false);

    assertThat(anonymous.delete("/v1/allocations/no-such-allocation").status()).isEqualTo(401);
    assertThat(anonymous.send("PUT", "/v1/overview", "{}").status()).isEqualTo(401);
    assertThat(anonymous.post("/v1/nothing-here", "{}").status()).isEqualTo(401);
    assertThat(authorized.delete("/v1/allocations/no-such-allocation").status()).isEqualTo(404);
    assertThat(authorized.send("PUT", "/v1/overview", "{}").status()).isEqualTo(405);
  }

  @Test
  void liftingAQuarantine_needsTheToken_asEveryChangeDoes() throws Exception {
    serve(false);

    assertThat(anonymous.delete("/v1/taskexecutors/te-1/quarantine").status()).isEqualTo(401);
    assertThat(authorized.delete("/v1/taskexecutors/te-1/quarantine").status()).isEqualTo(404);
  }

  // ------------------------------------------------------------------ reads

  @Test
  void withToken_readsStayOpenByDefault_whileChangesNeedIt() throws Exception {
    serve(false);

    for (String path : List.of("/v1/overview", "/v1/taskexecutors", "/v1/taskexecutors/te-1", "/v1/events",
        "/v1/allocations", "/metrics", "/healthz")) {
      assertThat(anonymous.get(path).status()).as(path).isEqualTo(200);
    }
    assertThat(anonymous.post("/v1/allocations", ALLOCATE).status()).isEqualTo(401);
  }

  @Test
  void reads_needTheToken_withRestAuthRead_metricsIncluded() throws Exception {
    serve(true);

    for (String path : List.of("/v1/overview", "/v1/taskexecutors", "/v1/taskexecutors/te-1", "/v1/events",
        "/v1/allocations", "/metrics", "/v1/no-such-thing")) {
      Reply refused = anonymous.get(path);
      assertThat(refused.status()).as(path).isEqualTo(401);
      assertThat(refused.error()).as(path).isEqualTo(BearerAuth.MISSING);
      assertThat(refused.header("WWW-Authenticate")).as(path).startsWith("Bearer");
      assertThat(anonymous.withHeader("Authorization", "Bearer wrong-token-0123456789").get(path).status())
          .as(path).isEqualTo(401);
    }
    for (String path : List.of("/v1/overview", "/v1/taskexecutors", "/v1/taskexecutors/te-1", "/v1/events",
        "/v1/allocations", "/metrics")) {
      assertThat(authorized.get(path).status()).as(path).isEqualTo(200);
    }
    assertThat(authorized.get("/metrics").body()).contains("pulse_task_executors_registered");
  }

  @Test
  void healthz_staysOpen_evenWhenReadsNeedTheToken() throws Exception {
    serve(true);

    Reply health = anonymous.get("/healthz");

    assertThat(health.status()).isEqualTo(200);
    assertThat(health.json().get("status").asText()).isEqualTo("UP");
    assertThat(anonymous.get("/v1/overview").status()).isEqualTo(401);
  }

  @Test
  void refusal_keepsTheConnectionOpen_forTheNextRequest() throws Exception {
    serve(false);

    try (RawHttp raw = new RawHttp(server.address())) {
      RawHttp.Response refused = raw.write("DELETE /v1/allocations/x HTTP/1.1\r\nHost: a\r\n\r\n").read();
      RawHttp.Response served = raw.write("DELETE /v1/allocations/x HTTP/1.1\r\nHost: a\r\nAuthorization: Bearer "
          + TOKEN + "\r\n\r\n").read();

      assertThat(refused.status()).isEqualTo(401);
      assertThat(served.status()).isEqualTo(404);
    }
  }

  // ------------------------------------------------------------------ helpers

  private void serve(boolean authReads) throws Exception {
    Path tokenFile = Files.writeString(dir.resolve("token"), TOKEN + "\n");
    RestSecurity security = RestSecurity.fromSettings(Settings.of(
        "security.auth.token-file", tokenFile.toString(), "rest.auth.read", Boolean.toString(authReads)));
    server = RestServer.builder(rm, metrics).security(security).build()
        .start(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
    anonymous = new Http(server.address());
    authorized = anonymous.withHeader("Authorization", "Bearer " + TOKEN);
  }
}
