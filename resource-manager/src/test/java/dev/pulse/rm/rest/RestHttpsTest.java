package dev.pulse.rm.rest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pulse.config.Settings;
import dev.pulse.rm.LiveResourceManager;
import dev.pulse.rm.ResourceManager;
import dev.pulse.rm.metrics.ResourceManagerMetrics;
import dev.pulse.rm.rest.Http.Reply;
import dev.pulse.rpc.TestPki;
import java.io.IOException;
import java.net.BindException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import javax.net.ssl.SSLHandshakeException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * HTTPS on the REST API (SPEC 13) over real loopback connections, with certificates of a test CA made at
 * test time: the RPC's TLS settings turn it on, the {@code security.ssl.rest.*} keys override them.
 */
class RestHttpsTest {

  @TempDir
  Path dir;

  private final ResourceManagerMetrics metrics = new ResourceManagerMetrics();
  private LiveResourceManager live;
  private ResourceManager rm;
  private RestServer server;
  private TestPki pki;
  private TestPki.Identity restCert;

  @BeforeEach
  void setUp() {
    pki = TestPki.create(dir, "rest");
    restCert = pki.issue("rest");
    live = new LiveResourceManager(b -> b.resourceManagerId("rm-https").heartbeatMetrics(metrics).listener(metrics));
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
  void sslEnabled_servesHttps_toAClientTrustingTheCa() {
    serve(Map.of("security.ssl.enabled", "true", "security.ssl.cert", restCert.cert().toString(),
        "security.ssl.key", restCert.key().toString()));

    Reply overview = new Http(server.url(), pki.clientTrustingCa()).get("/v1/overview");

    assertThat(server.url().getScheme()).isEqualTo("https");
    assertThat(overview.status()).isEqualTo(200);
    assertThat(overview.json().get("resourceManagerId").asText()).isEqualTo("rm-https");
  }

  @Test
  void sslEnabled_plainHttpToTheHttpsPort_getsNoAnswer() throws Exception {
    serve(Map.of("security.ssl.enabled", "true", "security.ssl.cert", restCert.cert().toString(),
        "security.ssl.key", restCert.key().toString()));

    try (RawHttp raw = new RawHttp(server.address())) {
      raw.write("GET /v1/overview HTTP/1.1\r\nHost: a\r\n\r\n");

      assertThatThrownBy(raw::read).isInstanceOf(IOException.class);
    }
  }

  @Test
  void sslEnabled_clientThatDoesNotTrustTheCa_failsTheHandshake() {
    serve(Map.of("security.ssl.enabled", "true", "security.ssl.cert", restCert.cert().toString(),
        "security.ssl.key", restCert.key().toString()));
    Http untrusting = new Http(server.url(), TestPki.create(dir, "other").clientTrustingCa());

    assertThatThrownBy(() -> untrusting.get("/healthz")).hasCauseInstanceOf(SSLHandshakeException.class);
  }

  @Test
  void mutualTlsForRpc_restAsksForNoClientCertificate() {
    serve(Map.of("security.ssl.enabled", "true", "security.ssl.cert", restCert.cert().toString(),
        "security.ssl.key", restCert.key().toString(), "security.ssl.trust-cert", pki.caFile().toString()));

    assertThat(server.url().getScheme()).isEqualTo("https");
    assertThat(new Http(server.url(), pki.clientTrustingCa()).get("/healthz").status()).isEqualTo(200);
  }

  @Test
  void restKeys_turnHttpsOn_withTheirOwnFiles_whenRpcIsPlain() {
    serve(Map.of("security.ssl.rest.enabled", "true", "security.ssl.rest.cert", restCert.cert().toString(),
        "security.ssl.rest.key", restCert.key().toString()));

    assertThat(server.url().getScheme()).isEqualTo("https");
    assertThat(new Http(server.url(), pki.clientTrustingCa()).get("/healthz").status()).isEqualTo(200);
  }

  @Test
  void restCertAndKey_overrideTheRpcOnes() {
    TestPki rpcPki = TestPki.create(dir, "rpc");
    TestPki.Identity rpc = rpcPki.issue("rpc");
    serve(Map.of("security.ssl.enabled", "true", "security.ssl.cert", rpc.cert().toString(),
        "security.ssl.key", rpc.key().toString(), "security.ssl.rest.cert", restCert.cert().toString(),
        "security.ssl.rest.key", restCert.key().toString()));

    assertThat(new Http(server.url(), pki.clientTrustingCa()).get("/healthz").status()).isEqualTo(200);
    assertThatThrownBy(() -> new Http(server.url(), rpcPki.clientTrustingCa()).get("/healthz"))
        .hasCauseInstanceOf(SSLHandshakeException.class);
  }

  @Test
  void restEnabledFalse_keepsRestPlain_whileRpcUsesTls() {
    Map<String, String> rpcTls = Map.of("security.ssl.enabled", "true", "security.ssl.cert",
        restCert.cert().toString(), "security.ssl.key", restCert.key().toString());
    serve(rpcTls);
    String inherited = server.url().getScheme();
    server.close();
    Map<String, String> restPlain = new LinkedHashMap<>(rpcTls);
    restPlain.put("security.ssl.rest.enabled", "false");
    serve(restPlain);

    assertThat(inherited).isEqualTo("https");
    assertThat(server.url().getScheme()).isEqualTo("http");
    assertThat(new Http(server.address()).get("/healthz").status()).isEqualTo(200);
  }

  @Test
  void httpsAndToken_together_refuseWithoutAndServeWith() throws Exception {
    Path token = Files.writeString(dir.resolve("token"), "https-test-token-0123456789");
    serve(Map.of("security.ssl.enabled", "true", "security.ssl.cert", restCert.cert().toString(),
        "security.ssl.key", restCert.key().toString(), "security.auth.token-file", token.toString()));
    live.register("te-1", 1);
    Http https = new Http(server.url(), pki.clientTrustingCa());

    Reply refused = https.post("/v1/allocations", "{\"jobId\": \"job-1\", \"slots\": 1}");
    Reply created = https.withHeader("Authorization", "Bearer https-test-token-0123456789")
        .post("/v1/allocations", "{\"jobId\": \"job-1\", \"slots\": 1}");

    assertThat(refused.status()).isEqualTo(401);
    assertThat(created.status()).isEqualTo(201);
  }

  private void serve(Map<String, String> settings) {
    RestSecurity security = RestSecurity.fromSettings(Settings.of(new LinkedHashMap<>(settings)));
    try {
      server = RestServer.builder(rm, metrics).security(security).build()
          .start(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
    } catch (BindException e) {
      throw new AssertionError(e);
    }
  }
}
