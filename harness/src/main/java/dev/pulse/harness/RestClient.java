package dev.pulse.harness;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.pulse.rm.EventType;
import dev.pulse.rm.LossReason;
import dev.pulse.rm.Overview;
import dev.pulse.rm.ResourceManagerEvent;
import dev.pulse.rm.rest.RestSecurity;
import dev.pulse.rpc.AuthToken;
import dev.pulse.rpc.RpcSecurityConfig;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * Reads a resource manager's REST API: events and metrics. Used for resource managers in child
 * processes, and by {@code bin/local-cluster}. Thread-safe. Requests time out after 5 s and fail with
 * {@link UncheckedIOException}.
 *
 * <p>Built {@linkplain #forSettings from the cluster's settings}, it follows the REST API's security: it
 * sends the token of {@code security.auth.token-file} on every request, and over HTTPS trusts the
 * certificates of {@code security.ssl.trust-cert}, or else the REST certificate itself.
 */
final class RestClient {

  private static final Duration TIMEOUT = Duration.ofSeconds(5);

  private final HttpClient http;
  private final AuthToken token;
  private final ObjectMapper json = new ObjectMapper();

  /** A client for an open, plain-HTTP API. */
  RestClient() {
    this(null, null);
  }

  /**
   * @param token sent on every request; {@code null} for none
   * @param trust the PEM certificates an HTTPS server must chain to; {@code null} for the JDK's defaults
   */
  RestClient(AuthToken token, Path trust) {
    HttpClient.Builder builder = HttpClient.newBuilder().connectTimeout(TIMEOUT);
    if (trust != null) {
      builder.sslContext(trusting(trust));
    }
    this.http = builder.build();
    this.token = token;
  }

  /**
   * A client with the token and trust that the settings of a cluster imply (see the class comment).
   *
   * @throws dev.pulse.config.ConfigException naming the key of a file that cannot be read
   */
  static RestClient forSettings(Map<String, String> settings) {
    String tokenFile = settings.get(RpcSecurityConfig.TOKEN_FILE);
    AuthToken token = tokenFile == null ? null : AuthToken.read(Path.of(tokenFile));
    String trust = trustFile(settings);
    return new RestClient(token, trust == null ? null : Path.of(trust));
  }

  /**
   * The certificates an HTTPS REST API is checked against: {@code security.ssl.trust-cert}, else the REST
   * API's own certificate ({@code security.ssl.rest.cert}, else {@code security.ssl.cert}); {@code null}
   * when none is set.
   */
  static String trustFile(Map<String, String> settings) {
    return settings.getOrDefault(RpcSecurityConfig.SSL_TRUST_CERT,
        settings.getOrDefault(RestSecurity.SSL_CERT, settings.get(RpcSecurityConfig.SSL_CERT)));
  }

  Overview overview(URI base) {
    try {
      JsonNode o = json.readTree(get(base, "/v1/overview"));
      return new Overview(o.path("resourceManagerId").asText(), o.path("epoch").asLong(),
          o.path("taskExecutors").asInt(), o.path("slotsTotal").asInt(), o.path("slotsFree").asInt());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the overview of " + base, e);
    }
  }

  List<ResourceManagerEvent> events(URI base, long after) {
    List<ResourceManagerEvent> events = new ArrayList<>();
    try {
      for (JsonNode e : json.readTree(get(base, "/v1/events?after=" + after)).path("events")) {
        events.add(new ResourceManagerEvent(e.path("seq").asLong(), e.path("time").asLong(),
            EventType.valueOf(e.path("type").asText()), text(e, "taskExecutorId"), text(e, "allocationId"),
            text(e, "jobId"), e.hasNonNull("reason") ? LossReason.valueOf(e.path("reason").asText()) : null,
            e.path("slotsReleased").asInt(), e.path("detail").asText("")));
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the events of " + base, e);
    }
    return events;
  }

  /** The body of {@code GET path}, which must answer 200. */
  String get(URI base, String path) {
    HttpResponse<String> response = send("GET", base.resolve(path), null);
    if (response.statusCode() != 200) {
      String problem = "GET " + base.resolve(path) + " answered " + response.statusCode() + ": " + response.body();
      throw new UncheckedIOException(problem, new IOException(problem));
    }
    return response.body();
  }

  /**
   * Sends one request, with the token if there is one.
   *
   * @param body a JSON body, or {@code null} for none
   * @throws UncheckedIOException if there is no answer (refused, handshake failed, timed out)
   */
  HttpResponse<String> send(String method, URI url, String body) {
    HttpRequest.Builder request = HttpRequest.newBuilder(url).timeout(TIMEOUT)
        .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
    if (body != null) {
      request.header("Content-Type", "application/json");
    }
    if (token != null) {
      request.header("Authorization", token.headerValue());
    }
    try {
      return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      throw new UncheckedIOException(method + " " + url + " failed: " + e, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new UncheckedIOException(new IOException("interrupted", e));
    }
  }

  /** A client context that trusts the PEM certificates in {@code file}, and nothing else. */
  static SSLContext trusting(Path file) {
    try (InputStream in = Files.newInputStream(file)) {
      KeyStore trusted = KeyStore.getInstance(KeyStore.getDefaultType());
      trusted.load(null, null);
      int i = 0;
      for (Certificate certificate : CertificateFactory.getInstance("X.509").generateCertificates(in)) {
        trusted.setCertificateEntry("trusted-" + i++, certificate);
      }
      TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      factory.init(trusted);
      SSLContext context = SSLContext.getInstance("TLS");
      context.init(null, factory.getTrustManagers(), null);
      return context;
    } catch (IOException | GeneralSecurityException e) {
      throw new UncheckedIOException("cannot trust the certificates in " + file + ": " + e, new IOException(e));
    }
  }

  private static String text(JsonNode event, String field) {
    return event.hasNonNull(field) ? event.path(field).asText() : null;
  }
}
