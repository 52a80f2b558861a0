package dev.pulse.harness;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Date;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
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

/**
 * A CA made at test time and the certificates it issues, as PEM files in a test's directory: each
 * valid for {@code 127.0.0.1} (where a cluster listens), for server and client use alike, with the
 * common name and extra subject alternative names a test asks for. Nothing secret is committed.
 */
final class TestCertificates {

  /** A PEM certificate file and its PKCS#8 PEM key file. */
  record Issued(Path cert, Path key) {}

  private static final AtomicLong SERIAL = new AtomicLong(1);

  private final Path dir;
  private final X500Name caName = new X500Name("CN=harness test CA");
  private final KeyPair caKeys;
  private final Path caFile;

  TestCertificates(Path dir) {
    this.dir = dir;
    try {
      caKeys = newKeys();
      X509CertificateHolder ca = new JcaX509v3CertificateBuilder(caName, serial(), from(), to(), caName,
          caKeys.getPublic())
          .addExtension(Extension.basicConstraints, true, new BasicConstraints(true))
          .build(new JcaContentSignerBuilder("SHA256withECDSA").build(caKeys.getPrivate()));
      caFile = writePem(dir.resolve("ca.pem"), "CERTIFICATE", ca.getEncoded());
    } catch (GeneralSecurityException | OperatorCreationException | IOException e) {
      throw new IllegalStateException("cannot create the test CA", e);
    }
  }

  /** The CA certificate: the trust file of every node. */
  Path caFile() {
    return caFile;
  }

  /**
   * A certificate for {@code CN=commonName}, with the subject alternative names IP 127.0.0.1 and
   * {@code alternativeNames}: each containing {@code ':'} a URI, any other a DNS name.
   */
  Issued issue(String commonName, String... alternativeNames) {
    try {
      KeyPair keys = newKeys();
      List<GeneralName> names = new ArrayList<>(List.of(new GeneralName(GeneralName.iPAddress, "127.0.0.1")));
      for (String n : alternativeNames) {
        names.add(new GeneralName(n.contains(":") ? GeneralName.uniformResourceIdentifier : GeneralName.dNSName, n));
      }
      X509CertificateHolder cert = new JcaX509v3CertificateBuilder(caName, serial(), from(), to(),
          new X500Name("CN=" + commonName), keys.getPublic())
          .addExtension(Extension.subjectAlternativeName, false, new GeneralNames(names.toArray(GeneralName[]::new)))
          .addExtension(Extension.extendedKeyUsage, false,
              new ExtendedKeyUsage(new KeyPurposeId[] {KeyPurposeId.id_kp_serverAuth, KeyPurposeId.id_kp_clientAuth}))
          .build(new JcaContentSignerBuilder("SHA256withECDSA").build(caKeys.getPrivate()));
      String base = commonName + "-" + SERIAL.get();
      return new Issued(writePem(dir.resolve(base + ".pem"), "CERTIFICATE", cert.getEncoded()),
          writePem(dir.resolve(base + "-key.pem"), "PRIVATE KEY", keys.getPrivate().getEncoded()));
    } catch (GeneralSecurityException | OperatorCreationException | IOException e) {
      throw new IllegalStateException("cannot issue a test certificate", e);
    }
  }

  private static KeyPair newKeys() throws GeneralSecurityException {
    KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
    generator.initialize(256);
    return generator.generateKeyPair();
  }

  private static BigInteger serial() {
    return BigInteger.valueOf(SERIAL.incrementAndGet());
  }

  private static Date from() {
    return Date.from(Instant.now().minus(Duration.ofHours(1)));
  }

  private static Date to() {
    return Date.from(Instant.now().plus(Duration.ofDays(1)));
  }

  private static Path writePem(Path file, String type, byte[] der) {
    String body = Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(der);
    try {
      return Files.writeString(file, "-----BEGIN " + type + "-----\n" + body + "\n-----END " + type + "-----\n");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
