package dev.pulse.rpc;

import static dev.pulse.rpc.GrpcHeartbeatTargetTest.failureOf;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pulse.config.ConfigException;
import dev.pulse.heartbeat.HeartbeatConfig;
import dev.pulse.heartbeat.HeartbeatRpcException;
import dev.pulse.heartbeat.ResourceId;
import dev.pulse.heartbeat.RpcFailureKind;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Heartbeats over TLS and mutual TLS, with certificates issued at test time by {@link TestPki}; and
 * certificates from another CA refused in both directions.
 */
class TlsTest {

  /** A generous interval: each call's deadline is the interval, and a cold TLS handshake is slow. */
  private static final HeartbeatConfig CONFIG = HeartbeatConfig.of(Duration.ofSeconds(3), Duration.ofSeconds(30));
  private static final ResourceId TE = ResourceId.of("te-1");

  @TempDir
  Path dir;

  private final Closer closer = new Closer();
  private TestPki pki;
  private TestPki.Identity rmCert;
  private TestPki.Identity teCert;

  @BeforeEach
  void issueCertificates() {
    pki = TestPki.create(dir, "pulse");
    rmCert = pki.issue("rm");
    teCert = pki.issue("te");
  }

  @AfterEach
  void closeAll() {
    closer.close();
  }

  @Test
  void tls_serverTrusted_heartbeatSucceeds() throws Exception {
    TeSide te = startTe(RpcSecurityConfig.tls(teCert.cert(), teCert.key(), null));
    RmSide rm = startRm(RpcSecurityConfig.tls(rmCert.cert(), rmCert.key(), pki.caFile()));

    rm.requestOnce(TE, "instance-a", te.address()).get(10, TimeUnit.SECONDS);

    assertThat(te.lastHeartbeatFromRm()).isPositive();
    assertThat(rm.transport.tlsEnabled()).isTrue();
  }

  @Test
  void mutualTls_bothTrusted_heartbeatSucceeds() throws Exception {
    TeSide te = startTe(RpcSecurityConfig.tls(teCert.cert(), teCert.key(), pki.caFile()));
    RmSide rm = startRm(RpcSecurityConfig.tls(rmCert.cert(), rmCert.key(), pki.caFile()));

    rm.requestOnce(TE, "instance-a", te.address()).get(10, TimeUnit.SECONDS);

    assertThat(te.lastHeartbeatFromRm()).isPositive();
  }

  @Test
  void mutualTls_clientCertificateFromOtherCa_refused() {
    TestPki.Identity rogue = TestPki.create(dir, "rogue").issue("rm");
    TeSide te = startTe(RpcSecurityConfig.tls(teCert.cert(), teCert.key(), pki.caFile()));
    RmSide rm = startRm(RpcSecurityConfig.tls(rogue.cert(), rogue.key(), pki.caFile()));

    HeartbeatRpcException failure = failureOf(rm.requestOnce(TE, "instance-a", te.address()));

    // The client learns of the refusal from the server's TLS alert (bad_certificate).
    assertThat(failure.kind()).as(failure.getMessage()).isEqualTo(RpcFailureKind.OTHER);
    assertThat(te.lastHeartbeatFromRm()).isZero();
  }

  @Test
  void tls_serverCertificateFromOtherCa_refusedAsOther() {
    TestPki.Identity rogue = TestPki.create(dir, "rogue").issue("te");
    TeSide te = startTe(RpcSecurityConfig.tls(rogue.cert(), rogue.key(), null));
    RmSide rm = startRm(RpcSecurityConfig.tls(rmCert.cert(), rmCert.key(), pki.caFile()));

    HeartbeatRpcException failure = failureOf(rm.requestOnce(TE, "instance-a", te.address()));

    assertThat(failure.kind()).as("a TLS refusal is a configuration error, not a dead peer: " + failure.getMessage())
        .isEqualTo(RpcFailureKind.OTHER);
    assertThat(te.lastHeartbeatFromRm()).isZero();
  }

  @Test
  void tls_plaintextClient_refused() {
    TeSide te = startTe(RpcSecurityConfig.tls(teCert.cert(), teCert.key(), null));
    RmSide rm = startRm(RpcSecurityConfig.NONE);

    failureOf(rm.requestOnce(TE, "instance-a", te.address()));

    assertThat(te.lastHeartbeatFromRm()).isZero();
  }

  @Test
  void create_missingCertificate_namesKey() {
    RpcConfig config = RpcConfig.of(RpcSecurityConfig.tls(dir.resolve("absent.pem"), teCert.key(), null));

    assertThatThrownBy(() -> RpcTransport.create(config, "te", 1))
        .isInstanceOf(ConfigException.class)
        .hasMessageStartingWith("security.ssl.cert: ").hasMessageContaining("does not exist");
  }

  @Test
  void create_keyIsNotAKey_namesKey() {
    RpcConfig config = RpcConfig.of(RpcSecurityConfig.tls(teCert.cert(), teCert.cert(), null));

    assertThatThrownBy(() -> RpcTransport.create(config, "te", 1))
        .isInstanceOf(ConfigException.class)
        .hasMessageStartingWith("security.ssl.key: ").hasMessageContaining("PKCS#8");
  }

  @Test
  void create_trustFileWithoutCertificates_namesKey() throws Exception {
    Path garbage = Files.writeString(dir.resolve("garbage.pem"), "not a certificate\n");
    RpcConfig config = RpcConfig.of(RpcSecurityConfig.tls(teCert.cert(), teCert.key(), garbage));

    assertThatThrownBy(() -> RpcTransport.create(config, "te", 1))
        .isInstanceOf(ConfigException.class)
        .hasMessageStartingWith("security.ssl.trust-cert: ");
  }

  private TeSide startTe(RpcSecurityConfig security) {
    return closer.register(new TeSide("te-1", "instance-a", CONFIG, RpcConfig.of(security), 0));
  }

  private RmSide startRm(RpcSecurityConfig security) {
    return closer.register(new RmSide(CONFIG, RpcConfig.of(security)));
  }
}
