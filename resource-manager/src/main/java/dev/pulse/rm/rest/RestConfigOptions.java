package dev.pulse.rm.rest;

import dev.pulse.config.ConfigOption;
import dev.pulse.config.ConfigOptions;
import dev.pulse.rm.ResourceManagerOptions;
import java.nio.file.Path;

/**
 * The {@code rest.*} and {@code security.ssl.rest.*} keys, declared for the
 * {@link dev.pulse.config.ConfigRegistry}: type, default and description. {@link RestSecurity} and the
 * resource manager server read them. Stateless.
 */
public final class RestConfigOptions {

  public static final ConfigOption<String> BIND_ADDRESS = ConfigOptions.key(ResourceManagerOptions.REST_BIND_ADDRESS)
      .hostType()
      .defaultValue(ResourceManagerOptions.DEFAULT_REST_BIND_ADDRESS)
      .withDescription("Host or IP address the REST API and /metrics listen on.");

  public static final ConfigOption<Integer> PORT = ConfigOptions.key(ResourceManagerOptions.REST_PORT)
      .portType()
      .defaultValue(ResourceManagerOptions.DEFAULT_REST_PORT)
      .withDescription("Port of the REST API and /metrics; 0 picks any free port.");

  public static final ConfigOption<Boolean> AUTH_READ = ConfigOptions.key(RestSecurity.AUTH_READ)
      .booleanType()
      .defaultValue(false)
      .withDescription("With security.auth.token-file set, REST calls that change something (POST, DELETE) always"
          + " need \"Authorization: Bearer <token>\". true: every read needs it too, /metrics included (not"
          + " /healthz). true without security.auth.token-file is refused at start.");

  public static final ConfigOption<Boolean> SSL_ENABLED = ConfigOptions.key(RestSecurity.SSL_ENABLED)
      .booleanType()
      .noDefaultValue()
      .withDefaultDescription("security.ssl.enabled")
      .withDescription("Whether the REST API serves HTTPS. It asks for no client certificate, even when the RPCs use"
          + " mutual TLS.");

  public static final ConfigOption<Path> SSL_CERT = ConfigOptions.key(RestSecurity.SSL_CERT)
      .pathType()
      .noDefaultValue()
      .withDefaultDescription("security.ssl.cert")
      .withDescription("The REST API's certificate chain, PEM.");

  public static final ConfigOption<Path> SSL_KEY = ConfigOptions.key(RestSecurity.SSL_KEY)
      .pathType()
      .noDefaultValue()
      .withDefaultDescription("security.ssl.key")
      .withDescription("The private key of security.ssl.rest.cert, unencrypted PKCS#8 PEM.");

  private RestConfigOptions() {}
}
