package dev.pulse.rpc;

import dev.pulse.config.ConfigException;
import io.grpc.netty.GrpcSslContexts;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;

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
    PemFiles.checkCertificateAndKey(RpcSecurityConfig.SSL_CERT, config.sslCert(), RpcSecurityConfig.SSL_KEY,
        config.sslKey());
    if (config.sslTrustCert() != null) {
      PemFiles.certificates(RpcSecurityConfig.SSL_TRUST_CERT, config.sslTrustCert());
    }
  }

  private static ConfigException badKey(RpcSecurityConfig config, IllegalArgumentException e) {
    return PemFiles.badKey(RpcSecurityConfig.SSL_KEY, config.sslKey(), e);
  }

  private static SslContext build(SslContextBuilder builder) {
    return PemFiles.build(builder, RpcSecurityConfig.SSL_KEY);
  }
}
