package dev.pulse.harness;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pulse.rm.EventType;
import dev.pulse.rm.LossReason;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A cluster with mutual TLS and a token: it comes up, allocates, and still detects a killed task executor;
 * its REST API serves HTTPS and wants the token for changes (and, with {@code rest.auth.read}, for reads),
 * and the harness's own REST client sends it.
 */
class SecureClusterTest {

  private static final String TOKEN = "harness-tls-token-0123456789";
  private static final String ALLOCATE = "{\"jobId\": \"job-rest\", \"slots\": 1}";

  @TempDir
  Path dir;

  private Path ca;
  private Path cert;
  private Path key;

  @BeforeEach
  void issueCertificates() throws Exception {
    ca = dir.resolve("ca.pem");
    cert = dir.resolve("node.pem");
    key = dir.resolve("node-key.pem");
    writeCertificates(ca, cert, key);
  }

  @Test
  void mutualTlsAndToken_clusterWorks() throws Exception {
    try (MiniCluster cluster = MiniCluster.builder().taskExecutors(2).tls(cert, key, ca)
        .authToken(TOKEN).build().start()) {
      URI allocations = cluster.restUrl().resolve("/v1/allocations");
      RestClient anonymous = new RestClient(null, ca);

      assertThat(cluster.restUrl().getScheme()).isEqualTo("https");
      assertThat(anonymous.send("POST", allocations, ALLOCATE).statusCode()).isEqualTo(401);
      assertThat(anonymous.send("GET", allocations, null).body()).isEqualTo("{\"allocations\":[]}");
      assertThat(cluster.restClient().send("POST", allocations, ALLOCATE).statusCode()).isEqualTo(201);
      assertThatThrownBy(() -> new RestClient().send("GET", plainHttp(cluster.restUrl()).resolve("/healthz"), null))
          .isInstanceOf(UncheckedIOException.class);

      assertThat(cluster.slotPool().allocate("job-1", 2)).hasSize(2);
      long killedAt = System.currentTimeMillis();
      cluster.taskExecutor(0).kill();

      var lost = cluster.awaitEvent(EventType.TASK_EXECUTOR_LOST, "te-0", Duration.ofSeconds(30));
      assertThat(lost.reason()).isEqualTo(LossReason.UNREACHABLE);
      Bounds.assertDetectedWithin("kill (TLS)", killedAt, lost, Bounds.unreachable(cluster));
    }
  }

  @Test
  void processes_withTlsTokenAndRestAuthRead_harnessReadsRestWithTheToken() {
    // Starting waits for the task executors through GET /v1/overview of the child process, which answers
    // only requests that carry the token, over HTTPS: start() returning proves the harness's client works.
    try (MiniCluster cluster = MiniCluster.builder().mode(MiniCluster.Mode.PROCESSES).taskExecutors(1)
        .tls(cert, key, ca).authToken(TOKEN).setting("rest.auth.read", "true").build().start()) {
      URI overview = cluster.restUrl().resolve("/v1/overview");

      assertThat(cluster.restUrl().getScheme()).isEqualTo("https");
      assertThat(cluster.resourceManager().overview().taskExecutors()).isEqualTo(1);
      assertThat(cluster.metrics()).contains("pulse_task_executors_registered");
      assertThat(new RestClient(null, ca).send("GET", overview, null).statusCode()).isEqualTo(401);
      assertThat(new RestClient(null, ca).send("GET", cluster.restUrl().resolve("/healthz"), null).statusCode())
          .isEqualTo(200);
    }
  }

  private static URI plainHttp(URI https) {
    return URI.create("http://" + https.getRawAuthority());
  }

  /** A CA, and one certificate it signed for 127.0.0.1 that serves as server and as client. */
  private static void writeCertificates(Path caFile, Path certFile, Path keyFile)
      throws GeneralSecurityException, IOException, OperatorCreationException {
    KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
    generator.initialize(256);
    KeyPair caKeys = generator.generateKeyPair();
    KeyPair nodeKeys = generator.generateKeyPair();
    X500Name caName = new X500Name("CN=harness test CA");
    Date from = Date.from(Instant.now().minus(Duration.ofHours(1)));
    Date to = Date.from(Instant.now().plus(Duration.ofDays(1)));

    X509CertificateHolder caCert = new JcaX509v3CertificateBuilder(caName, BigInteger.ONE, from, to, caName,
        caKeys.getPublic())
        .addExtension(Extension.basicConstraints, true, new BasicConstraints(true))
        .build(new JcaContentSignerBuilder("SHA256withECDSA").build(caKeys.getPrivate()));
    X509CertificateHolder nodeCert = new JcaX509v3CertificateBuilder(caName, BigInteger.TWO, from, to,
        new X500Name("CN=127.0.0.1"), nodeKeys.getPublic())
        .addExtension(Extension.subjectAlternativeName, false,
            new GeneralNames(new GeneralName(GeneralName.iPAddress, "127.0.0.1")))
        .addExtension(Extension.extendedKeyUsage, false,
            new ExtendedKeyUsage(new KeyPurposeId[] {KeyPurposeId.id_kp_serverAuth, KeyPurposeId.id_kp_clientAuth}))
        .build(new JcaContentSignerBuilder("SHA256withECDSA").build(caKeys.getPrivate()));

    writePem(caFile, "CERTIFICATE", caCert.getEncoded());
    writePem(certFile, "CERTIFICATE", nodeCert.getEncoded());
    writePem(keyFile, "PRIVATE KEY", nodeKeys.getPrivate().getEncoded()); // PKCS#8
  }

  private static void writePem(Path file, String type, byte[] der) throws IOException {
    String body = Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(der);
    Files.writeString(file, "-----BEGIN " + type + "-----\n" + body + "\n-----END " + type + "-----\n");
  }
}
