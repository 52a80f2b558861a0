package dev.pulse.rm.rest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.net.ssl.SSLContext;

/**
 * A loopback HTTP/1.1 (or HTTPS) client for the REST tests: one {@link HttpClient}, so connections are kept
 * alive. {@link #withHeader} makes a client that sends one more header on every request, on the same connections.
 */
final class Http {

  static final ObjectMapper JSON = new ObjectMapper();

  /** One response. */
  record Reply(int status, Map<String, List<String>> headers, String body) {
    JsonNode json() {
      return parse(body);
    }

    String header(String name) {
      return headers.entrySet().stream()
          .filter(e -> e.getKey().equalsIgnoreCase(name))
          .map(e -> String.join(",", e.getValue()))
          .findFirst()
          .orElse(null);
    }

    /** The {@code error} field of a refusal. */
    String error() {
      return json().path("error").asText(null);
    }
  }

  private final HttpClient client;
  private final String base;
  private final Map<String, String> headers;

  Http(InetSocketAddress address) {
    this(URI.create("http://" + address.getAddress().getHostAddress() + ":" + address.getPort()), null);
  }

  /**
   * @param base such as {@code https://127.0.0.1:8443}
   * @param tls what an {@code https} client trusts, {@code null} for the JDK's defaults
   */
  Http(URI base, SSLContext tls) {
    HttpClient.Builder builder = HttpClient.newBuilder()
        .version(HttpClient.Version.HTTP_1_1)
        .connectTimeout(Duration.ofSeconds(5));
    if (tls != null) {
      builder.sslContext(tls);
    }
    this.client = builder.build();
    this.base = base.toString();
    this.headers = Map.of();
  }

  private Http(HttpClient client, String base, Map<String, String> headers) {
    this.client = client;
    this.base = base;
    this.headers = headers;
  }

  /** A client that also sends {@code name: value} on every request. */
  Http withHeader(String name, String value) {
    Map<String, String> more = new LinkedHashMap<>(headers);
    more.put(name, value);
    return new Http(client, base, Map.copyOf(more));
  }

  Reply get(String path) {
    return send("GET", path, null);
  }

  Reply post(String path, String body) {
    return send("POST", path, body);
  }

  Reply delete(String path) {
    return send("DELETE", path, null);
  }

  Reply send(String method, String path, String body) {
    return send(HttpRequest.newBuilder(URI.create(base + path))
        .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body)));
  }

  Reply send(HttpRequest.Builder request) {
    headers.forEach(request::header);
    try {
      HttpResponse<String> response = client.send(request.timeout(Duration.ofSeconds(20)).build(),
          HttpResponse.BodyHandlers.ofString());
      return new Reply(response.statusCode(), response.headers().map(), response.body());
    } catch (IOException e) {
      throw new AssertionError("request failed: " + e, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }

  static JsonNode parse(String json) {
    try {
      return JSON.readTree(json);
    } catch (IOException e) {
      throw new AssertionError("not JSON: " + json, e);
    }
  }
}
