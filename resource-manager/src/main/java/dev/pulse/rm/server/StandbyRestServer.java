package dev.pulse.rm.server;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import dev.pulse.rm.ha.HighAvailabilityServices;
import dev.pulse.rm.ha.LeaderAddress;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import javax.net.ssl.SSLContext;

/**
 * What a standby resource manager answers on its REST port while another one leads (SPEC 12): it holds no
 * state, so it only says what it is and where the leader is.
 *
 * <ul>
 *   <li>{@code GET /healthz}: 200 {@code {status: UP, role: STANDBY}}.
 *   <li>{@code GET /v1/overview}: 200 {@code {role: STANDBY, leader: {resourceManagerId, epoch, rpcAddress,
 *       restUrl}}} ({@code leader} is {@code null} while none is known).
 *   <li>Anything else: 503 {@code {error, role, leader}}, with a {@code Location} header to the same path on
 *       the leader when it is known; a call that would change something is never served here.
 * </ul>
 *
 * <p>On the JDK's server, one thread; over HTTPS when the REST API has TLS ({@code security.ssl.rest.*}), with the
 * same certificate, so that a client configured for the leader's {@code https} URL reaches a standby too. No
 * token: its answers carry no data to protect. Thread-safe; {@link #close()} releases the port at once.
 */
final class StandbyRestServer implements AutoCloseable {

  private final HighAvailabilityServices ha;
  private final HttpServer server;
  private final ExecutorService thread = Executors.newSingleThreadExecutor(r -> {
    Thread t = new Thread(r, "pulse-rm-standby-rest");
    t.setDaemon(true);
    return t;
  });
  private final ObjectMapper json = new ObjectMapper();

  private StandbyRestServer(HighAvailabilityServices ha, HttpServer server) {
    this.ha = ha;
    this.server = server;
  }

  /**
   * Binds {@code address} and serves.
   *
   * @param tls the REST API's TLS, or {@code null} for plain HTTP
   */
  static StandbyRestServer start(HighAvailabilityServices ha, InetSocketAddress address, SSLContext tls)
      throws IOException {
    HttpServer http;
    if (tls == null) {
      http = HttpServer.create(address, 64);
    } else {
      HttpsServer https = HttpsServer.create(address, 64);
      https.setHttpsConfigurator(new HttpsConfigurator(tls));
      http = https;
    }
    StandbyRestServer standby = new StandbyRestServer(ha, http);
    http.createContext("/", standby::handle);
    http.setExecutor(standby.thread);
    http.start();
    return standby;
  }

  /** The address it listens on. */
  InetSocketAddress address() {
    return server.getAddress();
  }

  private void handle(HttpExchange exchange) throws IOException {
    try (exchange) {
      exchange.getRequestBody().readAllBytes();
      String method = exchange.getRequestMethod();
      String path = exchange.getRequestURI().getRawPath();
      Optional<LeaderAddress> leader = ha.leader();
      ObjectNode body = json.createObjectNode();
      int status;
      boolean read = method.equals("GET") || method.equals("HEAD");
      if (read && path.equals("/healthz")) {
        body.put("status", "UP");
        body.put("role", "STANDBY");
        status = 200;
      } else if (read && path.equals("/v1/overview")) {
        body.put("role", "STANDBY");
        body.set("leader", json.valueToTree(leader.orElse(null)));
        status = 200;
      } else {
        body.put("error", "this resource manager stands by and serves nothing but /v1/overview and /healthz; "
            + leader.map(l -> "the leader is " + l.resourceManagerId() + " (epoch " + l.epoch() + ") at "
                + (l.restUrl() != null ? l.restUrl() : l.rpcAddress())).orElse("no leader is known yet"));
        body.put("role", "STANDBY");
        body.set("leader", json.valueToTree(leader.orElse(null)));
        leader.map(LeaderAddress::restUrl).ifPresent(url -> exchange.getResponseHeaders().set("Location",
            url + exchange.getRequestURI().getRawPath()
                + (exchange.getRequestURI().getRawQuery() == null ? "" : "?" + exchange.getRequestURI().getRawQuery())));
        exchange.getResponseHeaders().set("Retry-After", "1");
        status = 503;
      }
      byte[] bytes = json.writeValueAsBytes(body);
      exchange.getResponseHeaders().set("Content-Type", "application/json");
      exchange.sendResponseHeaders(status, method.equals("HEAD") ? -1 : bytes.length);
      if (!method.equals("HEAD")) {
        try (OutputStream out = exchange.getResponseBody()) {
          out.write(bytes);
        }
      }
    }
  }

  @Override
  public void close() {
    server.stop(0);
    thread.shutdownNow();
  }
}
