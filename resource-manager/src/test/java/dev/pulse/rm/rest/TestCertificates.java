package dev.pulse.rm.rest;

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
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * A throwaway CA and one server certificate it signed for {@code 127.0.0.1} and {@code localhost}, made at
 * test time (P-256 keys, valid for a day unless {@link #expired}) and written as PEM: certificates as {@code CERTIFICATE}, the key as
 * PKCS#8 {@code PRIVATE KEY}, which is what {@code security.ssl.*} expects. BouncyCastle only builds the
 * certificates; TLS runs on the JDK's provider.
 *
 * @param caFile the CA certificate: the trust file of clients
 * @param certFile the server certificate
 * @param keyFile its private key
 */
record TestCertificates(Path caFile, Path certFile, Path keyFile) {

  /** A new CA named {@code name} and a certificate it signed, written to {@code dir} as {@code name-*.pem}. */
  static TestCertificates create(Path dir, String name) {
    return create(dir, name, Instant.now().minus(Duration.ofHours(1)), Instant.now().plus(Duration.ofDays(1)));
  }

  /** As {@link #create(Path, String)}, with a server certificate that expired yesterday. */
  static TestCertificates expired(Path dir, String name) {
    return create(dir, name, Instant.now().minus(Duration.ofDays(2)), Instant.now().minus(Duration.ofDays(1)));
  }

  private static TestCertificates create(Path dir, String name, Instant notBefore, Instant notAfter) {
    try {
      KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
      generator.initialize(256);
      KeyPair caKeys = generator.generateKeyPair();
      KeyPair serverKeys = generator.generateKeyPair();
      X500Name caName = new X500Name("CN=" + name + " test CA");
      Date caFrom = Date.from(Instant.now().minus(Duration.ofHours(1)));
      Date caTo = Date.from(Instant.now().plus(Duration.ofDays(1)));
      X509CertificateHolder ca = new JcaX509v3CertificateBuilder(caName, BigInteger.ONE, caFrom, caTo, caName,
          caKeys.getPublic())
          .addExtension(Extension.basicConstraints, true, new BasicConstraints(true))
          .build(new JcaContentSignerBuilder("SHA256withECDSA").build(caKeys.getPrivate()));
      X509CertificateHolder server = new JcaX509v3CertificateBuilder(caName, BigInteger.TWO, Date.from(notBefore),
          Date.from(notAfter), new X500Name("CN=127.0.0.1"), serverKeys.getPublic())
          .addExtension(Extension.subjectAlternativeName, false, new GeneralNames(new GeneralName[] {
              new GeneralName(GeneralName.iPAddress, "127.0.0.1"), new GeneralName(GeneralName.dNSName, "localhost")}))
          .build(new JcaContentSignerBuilder("SHA256withECDSA").build(caKeys.getPrivate()));
      return new TestCertificates(
          writePem(dir.resolve(name + "-ca.pem"), "CERTIFICATE", ca.getEncoded()),
          writePem(dir.resolve(name + "-cert.pem"), "CERTIFICATE", server.getEncoded()),
          writePem(dir.resolve(name + "-key.pem"), "PRIVATE KEY", serverKeys.getPrivate().getEncoded()));
    } catch (IOException | GeneralSecurityException | OperatorCreationException e) {
      throw new IllegalStateException("cannot create test certificates", e);
    }
  }

  /** A client context that trusts this CA only. */
  SSLContext clientTrustingCa() {
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

  private static Path writePem(Path file, String type, byte[] der) throws IOException {
    String body = Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(der);
    return Files.writeString(file, "-----BEGIN " + type + "-----\n" + body + "\n-----END " + type + "-----\n");
  }
}
