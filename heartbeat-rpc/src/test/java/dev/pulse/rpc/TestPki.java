package dev.pulse.rpc;

import java.io.IOException;
import java.io.InputStream;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Date;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * A throwaway public-key infrastructure for TLS tests, generated at test time: nothing secret or
 * expiring is committed, and each test run gets fresh keys. Shipped in heartbeat-rpc's test-jar, so the
 * RPC, REST and cluster tests of every module make their certificates the same way.
 *
 * <p>Certificates are issued by a CA with P-256 keys (fast to generate), valid from an hour ago for a
 * day (unless {@link #expired}), for {@code localhost} and {@code 127.0.0.1}, for server and client use
 * alike, as each Pulse process is both. Files are written as PEM: certificates as {@code CERTIFICATE},
 * keys as PKCS#8 {@code PRIVATE KEY}, which is what {@code security.ssl.*} expects.
 *
 * <p>BouncyCastle is used only to build certificates (the JDK has no public API for it); TLS itself
 * runs on the JDK's provider, as in production. Thread-safe: a CA may issue from several threads.
 *
 * <pre>{@code
 * TestPki pki = TestPki.create(tempDir, "pulse");
 * TestPki.Identity rm = pki.issue("rm");
 * RpcSecurityConfig tls = RpcSecurityConfig.tls(rm.cert(), rm.key(), pki.caFile());
 * }</pre>
 */
public final class TestPki {

  private static final AtomicLong SERIAL = new AtomicLong(System.currentTimeMillis());

  /** A PEM certificate file and its PKCS#8 PEM key file. */
  public record Identity(Path cert, Path key) {}

  private final Path dir;
  private final String name;
  private final X500Name caName;
  private final KeyPair caKeys;
  private final Path caFile;

  private TestPki(Path dir, String name) throws IOException, GeneralSecurityException {
    this.dir = dir;
    this.name = name;
    this.caName = new X500Name("CN=" + name + " test CA");
    this.caKeys = newKeyPair();
    Instant now = Instant.now();
    X509Certificate caCert = sign(caName, caKeys, caKeys.getPrivate(), caName, true, SERIAL.incrementAndGet(),
        now.minus(Duration.ofHours(1)), now.plus(Duration.ofDays(1)));
    this.caFile = writePem(dir.resolve(name + "-ca.pem"), "CERTIFICATE", caCert.getEncoded());
  }

  /** A new CA named {@code name}, writing its files to {@code dir} as {@code name-*.pem}. */
  public static TestPki create(Path dir, String name) {
    try {
      return new TestPki(dir, name);
    } catch (IOException | GeneralSecurityException e) {
      throw new IllegalStateException("cannot create test CA", e);
    }
  }

  /** The CA's certificate: the trust file of peers that accept this CA's certificates. */
  public Path caFile() {
    return caFile;
  }

  /**
   * A new certificate and key issued by this CA for {@code CN=commonName}, with the subject alternative
   * names {@code localhost}, {@code 127.0.0.1} and {@code alternativeNames}: each one containing
   * {@code ':'} is a URI, any other a DNS name.
   */
  public Identity issue(String commonName, String... alternativeNames) {
    Instant now = Instant.now();
    return issue(commonName, now.minus(Duration.ofHours(1)), now.plus(Duration.ofDays(1)), alternativeNames);
  }

  /** As {@link #issue}, but the certificate expired yesterday (valid from two days ago to one day ago). */
  public Identity expired(String commonName) {
    Instant now = Instant.now();
    return issue(commonName, now.minus(Duration.ofDays(2)), now.minus(Duration.ofDays(1)));
  }

  /** A client-side TLS context that trusts this CA only and presents no certificate. */
  public SSLContext clientTrustingCa() {
    try (InputStream in = Files.newInputStream(caFile)) {
      KeyStore trusted = KeyStore.getInstance(KeyStore.getDefaultType());
      trusted.load(null, null);
      trusted.setCertificateEntry("ca", CertificateFactory.getInstance("X.509").generateCertificate(in));
      TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      trust.init(trusted);
      SSLContext context = SSLContext.getInstance("TLS");
      context.init(null, trust.getTrustManagers(), null);
      return context;
    } catch (IOException | GeneralSecurityException e) {
      throw new IllegalStateException("cannot trust " + caFile, e);
    }
  }

  private Identity issue(String commonName, Instant notBefore, Instant notAfter, String... alternativeNames) {
    try {
      KeyPair keys = newKeyPair();
      long serial = SERIAL.incrementAndGet();
      X509Certificate cert = sign(new X500Name("CN=" + commonName), keys, caKeys.getPrivate(), caName, false, serial,
          notBefore, notAfter, alternativeNames);
      String base = name + "-" + commonName + "-" + serial;
      return new Identity(writePem(dir.resolve(base + ".pem"), "CERTIFICATE", cert.getEncoded()),
          writePem(dir.resolve(base + "-key.pem"), "PRIVATE KEY", keys.getPrivate().getEncoded()));
    } catch (IOException | GeneralSecurityException e) {
      throw new IllegalStateException("cannot issue test certificate", e);
    }
  }

  private static KeyPair newKeyPair() throws GeneralSecurityException {
    KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
    generator.initialize(new ECGenParameterSpec("secp256r1"));
    return generator.generateKeyPair();
  }

  private static X509Certificate sign(X500Name subject, KeyPair subjectKeys, PrivateKey issuerKey, X500Name issuer,
      boolean ca, long serial, Instant notBefore, Instant notAfter, String... alternativeNames)
      throws GeneralSecurityException, IOException {
    X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(issuer, BigInteger.valueOf(serial),
        Date.from(notBefore), Date.from(notAfter), subject, subjectKeys.getPublic());
    builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(ca));
    if (ca) {
      builder.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
    } else {
      builder.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature));
      builder.addExtension(Extension.extendedKeyUsage, false,
          new ExtendedKeyUsage(new KeyPurposeId[] {KeyPurposeId.id_kp_serverAuth, KeyPurposeId.id_kp_clientAuth}));
      List<GeneralName> names = new ArrayList<>(List.of(
          new GeneralName(GeneralName.dNSName, "localhost"), new GeneralName(GeneralName.iPAddress, "127.0.0.1")));
      for (String n : alternativeNames) {
        names.add(new GeneralName(n.contains(":") ? GeneralName.uniformResourceIdentifier : GeneralName.dNSName, n));
      }
      builder.addExtension(Extension.subjectAlternativeName, false,
          new GeneralNames(names.toArray(GeneralName[]::new)));
    }
    try {
      return new JcaX509CertificateConverter().getCertificate(
          builder.build(new JcaContentSignerBuilder("SHA256withECDSA").build(issuerKey)));
    } catch (OperatorCreationException e) {
      throw new GeneralSecurityException(e);
    }
  }

  private static Path writePem(Path file, String type, byte[] der) throws IOException {
    String body = Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(der);
    Files.writeString(file, "-----BEGIN " + type + "-----\n" + body + "\n-----END " + type + "-----\n",
        StandardCharsets.US_ASCII);
    return file;
  }
}
