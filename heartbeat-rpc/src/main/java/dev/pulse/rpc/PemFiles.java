package dev.pulse.rpc;

import dev.pulse.config.ConfigException;
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
 * The checks every TLS setting of Pulse goes through (the RPC servers and channels, the REST API):
 * PEM files are read once, at start, and a bad one is a {@link ConfigException} naming the setting
 * that gave its path, not a failed handshake later. Stateless.
 */
public final class PemFiles {

  private PemFiles() {}

  /**
   * Checks a certificate chain and its key: the certificate file holds PEM certificates whose first is
   * valid now, and the key file is readable (its format is checked when a context is built from it).
   */
  public static void checkCertificateAndKey(String certSetting, Path cert, String keySetting, Path key) {
    X509Certificate leaf = certificates(certSetting, cert)[0];
    try {
      leaf.checkValidity(new Date());
    } catch (CertificateException e) {
      throw new ConfigException(certSetting, "the certificate in '" + cert + "' is valid only from "
          + leaf.getNotBefore().toInstant() + " to " + leaf.getNotAfter().toInstant());
    }
    readable(keySetting, key);
  }

  /** The PEM certificates in {@code file}, at least one. */
  public static X509Certificate[] certificates(String setting, Path file) {
    readable(setting, file);
    try (InputStream in = Files.newInputStream(file)) {
      X509Certificate[] certificates = CertificateFactory.getInstance("X.509").generateCertificates(in).stream()
          .map(X509Certificate.class::cast).toArray(X509Certificate[]::new);
      if (certificates.length == 0) {
        throw new ConfigException(setting, "'" + file + "' holds no certificate; expected PEM"
            + " (-----BEGIN CERTIFICATE-----)");
      }
      return certificates;
    } catch (IOException | CertificateException e) {
      throw new ConfigException(setting, "'" + file + "' does not hold PEM certificates: " + e.getMessage());
    }
  }

  /**
   * What Netty's complaint about a key file means, once the certificates were checked: the key is not
   * in the one format it reads.
   */
  public static ConfigException badKey(String keySetting, Path key, IllegalArgumentException e) {
    return new ConfigException(keySetting, "'" + key + "' does not hold an unencrypted PKCS#8 PEM private key"
        + " (-----BEGIN PRIVATE KEY-----; convert with 'openssl pkcs8 -topk8 -nocrypt'): " + e.getMessage());
  }

  /** Builds the context; a failure here is the certificate and key not fitting together. */
  public static SslContext build(SslContextBuilder builder, String keySetting) {
    try {
      return builder.build();
    } catch (SSLException e) {
      throw new ConfigException(keySetting, "the certificate and key cannot be used for TLS: " + e.getMessage());
    }
  }

  private static void readable(String setting, Path file) {
    if (!Files.isRegularFile(file)) {
      throw new ConfigException(setting, "'" + file + "' does not exist or is not a file");
    }
    if (!Files.isReadable(file)) {
      throw new ConfigException(setting, "'" + file + "' is not readable by this process");
    }
  }
}
