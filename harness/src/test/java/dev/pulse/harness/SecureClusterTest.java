package dev.pulse.harness;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pulse.rm.EventType;
import dev.pulse.rm.LossReason;
import java.io.IOException;
import java.math.BigInteger;
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
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A cluster with mutual TLS and a token: it comes up, allocates, and still detects a killed task executor. */
class SecureClusterTest {

  @TempDir
  Path dir;

  @Test
  void mutualTlsAndToken_clusterWorks() throws Exception {
    Path ca = dir.resolve("ca.pem");
    Path cert = dir.resolve("node.pem");
    Path key = dir.resolve("node-key.pem");
    writeCertificates(ca, cert, key);

    try (MiniCluster cluster = MiniCluster.builder().taskExecutors(2).tls(cert, key, ca)
        .authToken("harness-tls-token-0123456789").build().start()) {
      assertThat(cluster.slotPool().allocate("job-1", 2)).hasSize(2);
      long killedAt = System.currentTimeMillis();
      cluster.taskExecutor(0).kill();

      var lost = cluster.awaitEvent(EventType.TASK_EXECUTOR_LOST, "te-0", Duration.ofSeconds(30));
      assertThat(lost.reason()).isEqualTo(LossReason.UNREACHABLE);
      Bounds.assertDetectedWithin("kill (TLS)", killedAt, lost, Bounds.unreachable(cluster));
    }
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
