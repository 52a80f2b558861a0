package dev.pulse.rm.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pulse.config.HostPort;
import dev.pulse.config.Settings;
import dev.pulse.rm.ha.HighAvailabilityServices;
import dev.pulse.rm.ha.LeaderAddress;
import dev.pulse.rm.ha.LeaderContender;
import dev.pulse.rm.rest.RestSecurity;
import dev.pulse.rm.store.RegistryStore;
import dev.pulse.rpc.TestPki;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A standby's answer on the REST port over HTTPS when the REST API has TLS (SPEC 12, 13). */
class StandbyRestServerTest {

  private static final LeaderAddress LEADER = new LeaderAddress("rm-1", 3, "127.0.0.1:6123", "https://127.0.0.1:8081");

  @TempDir
  Path dir;

  /** Knows the leader; nothing else is called. */
  private static final class KnownLeader implements HighAvailabilityServices {
    @Override
    public void startElection(LeaderContender contender) {
      throw new UnsupportedOperationException();
    }

    @Override
    public RegistryStore leaderStore() {
      throw new UnsupportedOperationException();
    }

    @Override
    public void publishLeader(LeaderAddress address) {
      throw new UnsupportedOperationException();
    }

    @Override
    public Optional<LeaderAddress> leader() {
      return Optional.of(LEADER);
    }

    @Override
    public String describe() {
      return "known leader";
    }

    @Override
    public void close() {}
  }

  @Test
  void withRestTls_theStandbyAnswersOverHttps_withTheSameCertificate() throws Exception {
    TestPki pki = TestPki.create(dir, "rest");
    TestPki.Identity cert = pki.issue("rest", "127.0.0.1");
    RestSecurity security = RestSecurity.fromSettings(Settings.of("security.ssl.enabled", "true",
        "security.ssl.cert", cert.cert().toString(), "security.ssl.key", cert.key().toString()));
    try (StandbyRestServer standby = StandbyRestServer.start(new KnownLeader(),
        new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), security.jdkTls())) {
      String address = HostPort.format(standby.address());
      HttpClient trusting = HttpClient.newBuilder().sslContext(pki.clientTrustingCa()).build();

      HttpResponse<String> health = trusting.send(HttpRequest.newBuilder(URI.create("https://" + address + "/healthz"))
          .build(), HttpResponse.BodyHandlers.ofString());
      assertThat(health.statusCode()).isEqualTo(200);
      assertThat(health.body()).contains("\"role\":\"STANDBY\"");
      HttpResponse<String> refused = trusting.send(HttpRequest.newBuilder(URI.create("https://" + address
          + "/v1/allocations")).build(), HttpResponse.BodyHandlers.ofString());
      assertThat(refused.statusCode()).isEqualTo(503);
      assertThat(refused.headers().firstValue("Location")).contains("https://127.0.0.1:8081/v1/allocations");
      assertThatThrownBy(() -> HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://" + address
          + "/healthz")).build(), HttpResponse.BodyHandlers.ofString()))
          .as("no plain HTTP on the HTTPS port").isInstanceOf(IOException.class);
    }
  }
}
