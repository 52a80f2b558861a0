package dev.pulse.rpc;

import dev.pulse.config.ConfigException;
import dev.pulse.config.Settings;
import java.nio.file.Path;
import java.util.Map;
import java.util.Objects;

/**
 * Validated, immutable security settings of a Pulse process's RPC endpoints, client and server alike.
 *
 * <p>Only the shape of the settings is checked here; the files are read, and their contents checked,
 * when an {@link RpcTransport} is created, with errors that name the same keys.
 *
 * @param tokenFile file holding the shared secret every call must carry, or {@code null} for none
 *     ({@code security.auth.token-file})
 * @param sslEnabled whether connections use TLS ({@code security.ssl.enabled})
 * @param sslCert this process's certificate chain, PEM; required when TLS is on ({@code security.ssl.cert})
 * @param sslKey the private key of {@code sslCert}, PKCS#8 PEM ({@code -----BEGIN PRIVATE KEY-----}),
 *     unencrypted; required when TLS is on ({@code security.ssl.key})
 * @param sslTrustCert the certificates (PEM) peers must chain to, or {@code null}: then servers do not
 *     ask clients for a certificate, and clients check servers against the JDK's default trust store.
 *     When set, TLS is mutual: servers require a client certificate that chains to it, and clients
 *     accept only servers that chain to it ({@code security.ssl.trust-cert})
 */
public record RpcSecurityConfig(Path tokenFile, boolean sslEnabled, Path sslCert, Path sslKey, Path sslTrustCert) {

  public static final String TOKEN_FILE = "security.auth.token-file";
  public static final String SSL_ENABLED = "security.ssl.enabled";
  public static final String SSL_CERT = "security.ssl.cert";
  public static final String SSL_KEY = "security.ssl.key";
  public static final String SSL_TRUST_CERT = "security.ssl.trust-cert";

  /** No token, no TLS: the SPEC defaults. */
  public static final RpcSecurityConfig NONE = new RpcSecurityConfig(null, false, null, null, null);

  /**
   * @throws ConfigException naming the key if TLS is on without a certificate or key
   */
  public RpcSecurityConfig {
    if (sslEnabled && sslCert == null) {
      throw new ConfigException(SSL_CERT, "is required when " + SSL_ENABLED + " is true");
    }
    if (sslEnabled && sslKey == null) {
      throw new ConfigException(SSL_KEY, "is required when " + SSL_ENABLED + " is true");
    }
  }

  /** TLS with {@code cert} and {@code key}; mutual when {@code trustCert} is not {@code null}. */
  public static RpcSecurityConfig tls(Path cert, Path key, Path trustCert) {
    return new RpcSecurityConfig(null, true, cert, key, trustCert);
  }

  /** These settings with the shared-secret token read from {@code file}. */
  public RpcSecurityConfig withTokenFile(Path file) {
    return new RpcSecurityConfig(Objects.requireNonNull(file, "file"), sslEnabled, sslCert, sslKey, sslTrustCert);
  }

  /** Whether TLS is mutual: servers require client certificates. */
  public boolean mutualTls() {
    return sslEnabled && sslTrustCert != null;
  }

  /**
   * Reads the {@code security.*} keys from flat string settings; absent keys take their defaults
   * (no token, no TLS), other keys are ignored.
   *
   * @throws ConfigException naming the first key whose value is malformed
   */
  public static RpcSecurityConfig fromMap(Map<String, String> settings) {
    Objects.requireNonNull(settings, "settings");
    return new RpcSecurityConfig(
        path(settings, TOKEN_FILE),
        settings.containsKey(SSL_ENABLED) && parseBoolean(SSL_ENABLED, settings.get(SSL_ENABLED)),
        path(settings, SSL_CERT),
        path(settings, SSL_KEY),
        path(settings, SSL_TRUST_CERT));
  }

  private static Path path(Map<String, String> settings, String key) {
    if (!settings.containsKey(key)) {
      return null;
    }
    return Settings.path(key, settings.get(key));
  }

  private static boolean parseBoolean(String key, String value) {
    String v = value == null ? "" : value.trim();
    if (v.equalsIgnoreCase("true")) {
      return true;
    }
    if (v.equalsIgnoreCase("false")) {
      return false;
    }
    throw new ConfigException(key, "'" + value + "' is not true or false");
  }

  /** Names the files, never their contents. */
  @Override
  public String toString() {
    return TOKEN_FILE + "=" + (tokenFile == null ? "none" : tokenFile) + ", " + SSL_ENABLED + "=" + sslEnabled
        + (sslEnabled ? ", " + SSL_CERT + "=" + sslCert + ", " + SSL_KEY + "=" + sslKey + ", "
            + SSL_TRUST_CERT + "=" + (sslTrustCert == null ? "none" : sslTrustCert) : "");
  }
}
