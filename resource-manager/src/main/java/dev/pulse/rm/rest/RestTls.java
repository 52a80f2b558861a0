package dev.pulse.rm.rest;

import dev.pulse.config.ConfigException;
import dev.pulse.rpc.PemFiles;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import java.nio.file.Path;

/**
 * Builds the REST API's server {@link SslContext} from PEM files: HTTP/1.1 over TLS, no ALPN (the gRPC
 * contexts of {@code heartbeat-rpc} offer only {@code h2}, which an HTTP/1.1 server cannot speak), and no
 * client certificate asked for.
 *
 * <p>The files are read and checked here, once, so that a bad one stops the resource manager at start with
 * a message naming the key that gave its path, not a failed handshake later ({@link PemFiles}, as on the
 * RPC side). Stateless.
 */
final class RestTls {

  private RestTls() {}

  /**
   * @param cert the certificate chain, PEM; {@code certKey} is the setting that named it
   * @param key its private key, unencrypted PKCS#8 PEM; {@code keyKey} is the setting that named it
   * @throws ConfigException naming {@code certKey} or {@code keyKey} if a file cannot be used
   */
  static SslContext forServer(Path cert, String certKey, Path key, String keyKey) {
    PemFiles.checkCertificateAndKey(certKey, cert, keyKey, key);
    SslContextBuilder builder;
    try {
      builder = SslContextBuilder.forServer(cert.toFile(), key.toFile());
    } catch (IllegalArgumentException e) {
      throw PemFiles.badKey(keyKey, key, e);
    }
    return PemFiles.build(builder.clientAuth(ClientAuth.NONE), keyKey);
  }
}
