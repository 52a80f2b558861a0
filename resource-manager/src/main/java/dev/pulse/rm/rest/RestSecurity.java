package dev.pulse.rm.rest;

import dev.pulse.config.ConfigException;
import dev.pulse.config.Settings;
import dev.pulse.rpc.AuthToken;
import dev.pulse.rpc.RpcSecurityConfig;
import io.netty.handler.ssl.JdkSslContext;
import io.netty.handler.ssl.SslContext;
import java.nio.file.Path;
import java.util.Objects;
import javax.net.ssl.SSLContext;

/**
 * Who may call the REST API, and over what (SPEC 13). The REST API follows the RPC security settings:
 *
 * <ul>
 *   <li>With {@code security.auth.token-file}, every request that may change something (any method but
 *       {@code GET} and {@code HEAD}) must carry {@code Authorization: Bearer <token>}; with
 *       {@code rest.auth.read: true} every read must too, {@code /metrics} included. {@code /healthz} is
 *       always open. See {@link BearerAuth}.
 *   <li>With {@code security.ssl.enabled}, the API serves HTTPS only, with the same certificate and key.
 *       {@code security.ssl.rest.enabled}, {@code security.ssl.rest.cert} and {@code security.ssl.rest.key}
 *       override those three for REST alone. No client certificate is asked for, even when the RPC
 *       endpoints use mutual TLS: browsers and {@code curl} authenticate with the token.
 * </ul>
 *
 * <p>{@link #fromSettings} reads the token and certificate files at once, so that a bad key or file stops
 * the process before anything binds, with a {@link ConfigException} naming the key. Immutable and
 * thread-safe; {@link #toString()} names files, never their contents.
 */
public final class RestSecurity {

  /** Whether reads need the token too ({@code false} by default); requires {@code security.auth.token-file}. */
  public static final String AUTH_READ = "rest.auth.read";
  /** Whether the REST API serves HTTPS; defaults to {@code security.ssl.enabled}. */
  public static final String SSL_ENABLED = "security.ssl.rest.enabled";
  /** The REST API's certificate chain, PEM; defaults to {@code security.ssl.cert}. */
  public static final String SSL_CERT = "security.ssl.rest.cert";
  /** The private key of {@link #SSL_CERT}, unencrypted PKCS#8 PEM; defaults to {@code security.ssl.key}. */
  public static final String SSL_KEY = "security.ssl.rest.key";

  /** No token, plain HTTP: the SPEC defaults. */
  public static final RestSecurity NONE = new RestSecurity(null, false, null, "no TLS; no token");

  private final AuthToken token;
  private final boolean authReads;
  private final SslContext tls;
  private final String description;

  private RestSecurity(AuthToken token, boolean authReads, SslContext tls, String description) {
    this.token = token;
    this.authReads = authReads;
    this.tls = tls;
    this.description = description;
  }

  /**
   * Reads {@code security.auth.token-file}, {@code rest.auth.read} and the TLS keys, and the files they
   * name; absent keys take their defaults.
   *
   * @throws ConfigException naming the first key whose value, or whose file, cannot be used
   */
  public static RestSecurity fromSettings(Settings settings) {
    Objects.requireNonNull(settings, "settings");
    RpcSecurityConfig rpc = RpcSecurityConfig.fromMap(settings.asMap());
    boolean authReads = settings.bool(AUTH_READ, false);
    if (authReads && rpc.tokenFile() == null) {
      throw new ConfigException(AUTH_READ, "is true but " + RpcSecurityConfig.TOKEN_FILE + " is not set, so there"
          + " is no token to check; set both, or neither");
    }
    boolean tlsOn = settings.bool(SSL_ENABLED, rpc.sslEnabled());
    SslContext tls = null;
    String transport = "no TLS";
    if (tlsOn) {
      PemFile cert = pemFile(settings, SSL_CERT, RpcSecurityConfig.SSL_CERT, rpc.sslCert());
      PemFile key = pemFile(settings, SSL_KEY, RpcSecurityConfig.SSL_KEY, rpc.sslKey());
      tls = RestTls.forServer(cert.path(), cert.key(), key.path(), key.key());
      transport = "TLS from " + cert + ", " + key;
    }
    AuthToken token = rpc.tokenFile() == null ? null : AuthToken.read(rpc.tokenFile());
    String description = transport + "; " + (token == null ? "no token"
        : authReads ? "token required for every request but /healthz" : "token required for changes");
    return new RestSecurity(token, authReads, tls, description);
  }

  /** Whether the API serves HTTPS. */
  public boolean tlsEnabled() {
    return tls != null;
  }

  /** Whether some requests need the token. */
  public boolean authEnabled() {
    return token != null;
  }

  /** {@code "https"} or {@code "http"}. */
  public String scheme() {
    return tls != null ? "https" : "http";
  }

  /**
   * The API's TLS as the JDK's {@link SSLContext}, for a server outside Netty (a standby's answer on the REST
   * port); {@code null} when the API serves plain HTTP.
   *
   * @throws IllegalStateException if the TLS context was not built on the JDK's provider
   */
  public SSLContext jdkTls() {
    if (tls == null) {
      return null;
    }
    if (tls instanceof JdkSslContext jdk) {
      return jdk.context();
    }
    throw new IllegalStateException("the REST API's TLS is not on the JDK's provider: " + tls.getClass().getName());
  }

  /** {@code null} when the API serves plain HTTP. */
  SslContext tls() {
    return tls;
  }

  BearerAuth auth() {
    return new BearerAuth(token, authReads);
  }

  @Override
  public String toString() {
    return description;
  }

  /** A PEM file and the key that named it, for error messages. */
  private record PemFile(String key, Path path) {
    @Override
    public String toString() {
      return key + "=" + path;
    }
  }

  /** The REST key's file if it is set, else the RPC key's, which REST shares by default. */
  private static PemFile pemFile(Settings settings, String restKey, String rpcKey, Path rpcValue) {
    if (settings.contains(restKey)) {
      return new PemFile(restKey, Settings.path(restKey, settings.asMap().get(restKey)));
    }
    if (rpcValue == null) {
      throw new ConfigException(restKey, "is required when " + SSL_ENABLED + " is true (or set " + rpcKey
          + ", which RPC and REST share)");
    }
    return new PemFile(rpcKey, rpcValue);
  }
}
