package dev.pulse.rpc;

import dev.pulse.heartbeat.ConfigException;
import io.grpc.netty.GrpcSslContexts;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.Date;
import javax.net.ssl.SSLException;

/**
 * Builds the Netty {@link SslContext}s of a process from its {@link RpcSecurityConfig}: one for its
 * servers and one for its channels, both from the same certificate and key, as each Pulse process is
 * a server and a client.
 *
 * <p>Every file is read and checked here, once, so that a bad file stops the process at start with a
 * message naming its key instead of failing handshakes later. Stateless.
 */
final class TlsContexts {

  private TlsContexts() {}

  /**
   * The server side: presents the certificate; with a trust file, requires client certificates that
   * chain to it.
   */
  static SslContext forServer(RpcSecurityConfig config) {
    checkFiles(config);
    SslContextBuilder builder;
    try {
      builder = SslContextBuilder.forServer(config.sslCert().toFile(), config.sslKey().toFile());
    } catch (IllegalArgumentException e) {
      throw badKey(config, e);
    }
    if (config.sslTrustCert() != null) {
      builder.trustManager(config.sslTrustCert().toFile()).clientAuth(ClientAuth.REQUIRE);
    }
    return build(GrpcSslContexts.configure(builder));
  }

  /**
   * The client side: checks servers against the trust file, or the JDK's default trust store without
   * one; presents the certificate when a server asks for one (mutual TLS). Host names are verified
   * against the certificate's subject alternative names by gRPC.
   */
  static SslContext forClient(RpcSecurityConfig config) {
    checkFiles(config);
    SslContextBuilder builder = GrpcSslContexts.forClient();
    try {
      builder.keyManager(config.sslCert().toFile(), config.sslKey().toFile());
    } catch (IllegalArgumentException e) {
      throw badKey(config, e);
    }
    if (config.sslTrustCert() != null) {
      builder.trustManager(config.sslTrustCert().toFile());
    }
    return build(builder);
  }

  private static void checkFiles(RpcSecurityConfig config) {
    X509Certificate leaf = readCertificates(RpcSecurityConfig.SSL_CERT, config.sslCert())[0];
    try {
      leaf.checkValidity(new Date());
    } catch (CertificateException e) {
      throw new ConfigException(RpcSecurityConfig.SSL_CERT, "the certificate in '" + config.sslCert()
          + "' is valid only from " + leaf.getNotBefore().toInstant() + " to " + leaf.getNotAfter().toInstant());
    }
    readable(RpcSecurityConfig.SSL_KEY, config.sslKey());
    if (config.sslTrustCert() != null) {
      readCertificates(RpcSecurityConfig.SSL_TRUST_CERT, config.sslTrustCert());
    }
  }

  private static X509Certificate[] readCertificates(String key, Path file) {
    readable(key, file);
    try (InputStream in = Files.newInputStream(file)) {
      X509Certificate[] certificates = CertificateFactory.getInstance("X.509").generateCertificates(in).stream()
          .map(X509Certificate.class::cast).toArray(X509Certificate[]::new);
      if (certificates.length == 0) {
        throw new ConfigException(key, "'" + file + "' holds no certificate; expected PEM"
            + " (-----BEGIN CERTIFICATE-----)");
      }
      return certificates;
    } catch (IOException | CertificateException e) {
      throw new ConfigException(key, "'" + file + "' does not hold PEM certificates: " + e.getMessage());
    }
  }

  private static void readable(String key, Path file) {
    if (!Files.isRegularFile(file)) {
      throw new ConfigException(key, "'" + file + "' does not exist or is not a file");
    }
    if (!Files.isReadable(file)) {
      throw new ConfigException(key, "'" + file + "' is not readable by this process");
    }
  }

  private static ConfigException badKey(RpcSecurityConfig config, IllegalArgumentException e) {
    // The certificates were checked already, so Netty's complaint is about the key.
    return new ConfigException(RpcSecurityConfig.SSL_KEY, "'" + config.sslKey() + "' does not hold an unencrypted"
        + " PKCS#8 PEM private key (-----BEGIN PRIVATE KEY-----; convert with 'openssl pkcs8 -topk8 -nocrypt'): "
        + e.getMessage());
  }

  private static SslContext build(SslContextBuilder builder) {
    try {
      return builder.build();
    } catch (SSLException e) {
      throw new ConfigException(RpcSecurityConfig.SSL_KEY, "the certificate and key cannot be used for TLS: "
          + e.getMessage());
    }
  }
}
