package dev.pulse.rm.rest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pulse.config.ConfigException;
import dev.pulse.config.Settings;
import dev.pulse.rm.LiveResourceManager;
import dev.pulse.rm.ResourceManager;
import dev.pulse.rm.rest.Http.Reply;
import dev.pulse.rm.server.ResourceManagerServer;
import dev.pulse.rpc.TestPki;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Reading the REST security settings: bad values fail with a {@link ConfigException} naming the key, when the
 * resource manager is built (before anything binds); and a resource manager built from settings with a token
 * and TLS serves its REST API accordingly.
 */
class RestSecurityTest {

  private static final String TOKEN = "wiring-test-token-0123456789";

  @TempDir
  static Path dir;

  private static TestPki pki;
  private static TestPki.Identity serverCert;
  private static TestPki.Identity expired;
  private static Path tokenFile;

  @BeforeAll
  static void writeFiles() throws Exception {
    pki = TestPki.create(dir, "config");
    serverCert = pki.issue("rm");
    expired = pki.expired("expired");
    tokenFile = Files.writeString(dir.resolve("token"), TOKEN);
  }

  @Test
  void defaultsArePlainAndOpen_theSecuritySettingsTurnTokenAndTlsOn_andToStringNeverShowsTheToken() {
    RestSecurity defaults = RestSecurity.fromSettings(Settings.empty());
    RestSecurity secured = RestSecurity.fromSettings(settings("security.auth.token-file", tokenFile.toString(),
        "security.ssl.enabled", "true", "security.ssl.cert", serverCert.cert().toString(),
        "security.ssl.key", serverCert.key().toString()));

    assertThat(defaults.tlsEnabled()).isFalse();
    assertThat(defaults.authEnabled()).isFalse();
    assertThat(defaults.scheme()).isEqualTo("http");
    assertThat(secured.tlsEnabled()).isTrue();
    assertThat(secured.authEnabled()).isTrue();
    assertThat(secured.scheme()).isEqualTo("https");
    assertThat(secured.toString()).contains("TLS from security.ssl.cert=" + serverCert.cert(), "required for changes")
        .doesNotContain(TOKEN);
  }

  @ParameterizedTest(name = "[{index}] {0}")
  @MethodSource("badSettings")
  void badValue_failsNamingTheKey(String key, Settings settings, String problem) {
    assertThatThrownBy(() -> RestSecurity.fromSettings(settings))
        .isInstanceOf(ConfigException.class)
        .hasMessageStartingWith(key + ": ")
        .hasMessageContaining(problem)
        .satisfies(e -> assertThat(((ConfigException) e).key()).isEqualTo(key));
  }

  static Stream<Arguments> badSettings() {
    String cert = serverCert.cert().toString();
    String key = serverCert.key().toString();
    String missing = dir.resolve("absent.pem").toString();
    return Stream.of(
        Arguments.of("rest.auth.read", settings("rest.auth.read", "yes"), "'yes' is not true or false"),
        Arguments.of("rest.auth.read", settings("rest.auth.read", "true"), "security.auth.token-file is not set"),
        Arguments.of("security.ssl.rest.enabled", settings("security.ssl.rest.enabled", "on"), "is not true or false"),
        Arguments.of("security.ssl.rest.cert", settings("security.ssl.rest.enabled", "true"),
            "is required when security.ssl.rest.enabled is true (or set security.ssl.cert"),
        Arguments.of("security.ssl.rest.key", settings("security.ssl.rest.enabled", "true",
            "security.ssl.rest.cert", cert), "is required when security.ssl.rest.enabled is true"),
        Arguments.of("security.ssl.rest.cert", settings("security.ssl.rest.enabled", "true",
            "security.ssl.rest.cert", missing, "security.ssl.rest.key", key), "does not exist"),
        Arguments.of("security.ssl.rest.cert", settings("security.ssl.rest.enabled", "true",
            "security.ssl.rest.cert", key, "security.ssl.rest.key", key), "does not hold PEM certificates"),
        Arguments.of("security.ssl.rest.cert", settings("security.ssl.rest.enabled", "true",
            "security.ssl.rest.cert", " ", "security.ssl.rest.key", key), "is empty"),
        Arguments.of("security.ssl.rest.key", settings("security.ssl.rest.enabled", "true",
            "security.ssl.rest.cert", cert, "security.ssl.rest.key", cert), "PKCS#8 PEM private key"),
        Arguments.of("security.ssl.rest.cert", settings("security.ssl.rest.enabled", "true",
            "security.ssl.rest.cert", expired.cert().toString(), "security.ssl.rest.key",
            expired.key().toString()), "is valid only from"),
        // Without REST keys, a bad RPC file is named by its RPC key.
        Arguments.of("security.ssl.key", settings("security.ssl.enabled", "true",
            "security.ssl.cert", cert, "security.ssl.key", missing), "does not exist"),
        Arguments.of("security.ssl.cert", settings("security.ssl.enabled", "true", "security.ssl.key", key),
            "is required when security.ssl.enabled is true"),
        Arguments.of("security.auth.token-file", settings("security.auth.token-file", missing), "cannot read"));
  }

  @Test
  void resourceManager_badRestSetting_failsWhenBuilt_beforeAnythingBinds() {
    Settings bad = settings("rest.port", "0", "rest.auth.read", "maybe");

    assertThatThrownBy(() -> ResourceManagerServer.builder().serveRpc(false).settings(bad).build())
        .isInstanceOf(ConfigException.class).hasMessageStartingWith("rest.auth.read: ");
  }

  @Test
  void resourceManager_withTokenAndTls_servesHttps_andRefusesChangesWithoutTheToken() {
    Settings settings = settings("heartbeat.interval", LiveResourceManager.INTERVAL_MS + " ms",
        "heartbeat.timeout", "60 s", "rest.bind-address", "127.0.0.1", "rest.port", "0",
        "security.auth.token-file", tokenFile.toString(), "security.ssl.enabled", "true",
        "security.ssl.cert", serverCert.cert().toString(), "security.ssl.key", serverCert.key().toString());
    try (LiveResourceManager live = LiveResourceManager.servingRest(settings)) {
      ResourceManager rm = live.start();
      live.register("te-1", 1);
      Http https = new Http(live.restUrl(), pki.clientTrustingCa());

      Reply refused = https.post("/v1/allocations", "{\"jobId\": \"job-1\", \"slots\": 1}");
      Reply created = https.withHeader("Authorization", "Bearer " + TOKEN)
          .post("/v1/allocations", "{\"jobId\": \"job-1\", \"slots\": 1}");

      assertThat(live.restUrl().getScheme()).isEqualTo("https");
      assertThat(refused.status()).isEqualTo(401);
      assertThat(created.status()).isEqualTo(201);
      assertThat(https.get("/v1/overview").status()).isEqualTo(200);
    }
  }

  private static Settings settings(String... keysAndValues) {
    Map<String, String> map = new LinkedHashMap<>();
    for (int i = 0; i < keysAndValues.length; i += 2) {
      map.put(keysAndValues[i], keysAndValues[i + 1]);
    }
    return Settings.of(map);
  }
}
