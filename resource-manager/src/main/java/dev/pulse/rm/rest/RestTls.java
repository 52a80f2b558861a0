package dev.pulse.rm.rest;

import dev.pulse.heartbeat.ConfigException;
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
 * Builds the REST API's server {@link SslContext} from PEM files: HTTP/1.1 over TLS, no ALPN (the gRPC
 * contexts of {@code heartbeat-rpc} offer only {@code h2}, which an HTTP/1.1 server cannot speak), and no
 * client certificate asked for.
 *
 * <p>The files are read and checked here, once, so that a bad one stops the resource manager at start with
 * a message naming the key that gave its path, not a failed handshake later. The checks are those of the
 * RPC side's {@code TlsContexts}, which names its own keys. Stateless.
 */
final class RestTls {

  private RestTls() {}

  /**
   * @param cert the certificate chain, PEM; {@code certKey} is the setting that named it
   * @param key its private key, unencrypted PKCS#8 PEM; {@code keyKey} is the setting that named it
   * @throws ConfigException naming {@code certKey} or {@code keyKey} if a file cannot be used
   */
  static SslContext forServer(Path cert, String certKey, Path key, String keyKey) {
    X509Certificate leaf = readCertificates(certKey, cert)[0];
    try {
      leaf.checkValidity(new Date());
    } catch (CertificateException e) {
      throw new ConfigException(certKey, "the certificate in '" + cert + "' is valid only from "
          + leaf.getNotBefore().toInstant() + " to " + leaf.getNotAfter().toInstant());
    }
    readable(keyKey, key);
    SslContextBuilder builder;
    try {
      builder = SslContextBuilder.forServer(cert.toFile(), key.toFile());
    } catch (IllegalArgumentException e) {
      // The certificates were checked already, so Netty's complaint is about the key.
      throw new ConfigException(keyKey, "'" + key + "' does not hold an unencrypted PKCS#8 PEM private key"
          + " (-----BEGIN PRIVATE KEY-----; convert with 'openssl pkcs8 -topk8 -nocrypt'): " + e.getMessage());
    }
    try {
      return builder.clientAuth(ClientAuth.NONE).build();
    } catch (SSLException e) {
      throw new ConfigException(keyKey, "the certificate and key cannot be used for TLS: " + e.getMessage());
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
}
