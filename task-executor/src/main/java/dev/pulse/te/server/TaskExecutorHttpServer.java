package dev.pulse.te.server;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.pulse.process.ProcessMeters;
import dev.pulse.te.TaskExecutor;
import dev.pulse.te.TaskSlot;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A task executor's optional HTTP endpoint ({@code taskexecutor.http.enabled}), for probes and scrapers:
 *
 * <ul>
 *   <li>{@code GET /healthz}: 200 {@code {"status":"UP"}} while a resource manager holds the registration and
 *       the main thread answers within {@value #MAIN_THREAD_PATIENCE_MS} ms; else 503
 *       {@code {"status":"DOWN","detail":...}}.
 *   <li>{@code GET /metrics}: Prometheus text: {@code pulse_taskexecutor_registered} (1 or 0),
 *       {@code pulse_taskexecutor_slots}, {@code pulse_taskexecutor_slots_free},
 *       {@code pulse_taskexecutor_resource_manager_heartbeat_age_seconds} (since the resource manager last
 *       asked for a heartbeat; NaN while there is none), and {@link ProcessMeters}' JVM, process and build
 *       meters.
 * </ul>
 *
 * Other paths get 404, other methods 405. It is served by the JDK's built-in HTTP server on one thread of
 * its own: two read-only endpoints need no more, and the task executor keeps no other HTTP stack.
 *
 * <p>Thread-safe. {@link #start} once; {@link #close()} is idempotent.
 */
final class TaskExecutorHttpServer implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(TaskExecutorHttpServer.class);
  static final long MAIN_THREAD_PATIENCE_MS = 1_000;
  static final String CONTENT_TYPE_METRICS = "text/plain; version=0.0.4; charset=utf-8";

  private final TaskExecutor te;
  private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private final ProcessMeters processMeters;
  /** The age as of the last scrape, in seconds; NaN while there is none. Written by the HTTP thread. */
  private volatile double heartbeatAgeSeconds = Double.NaN;
  private final ExecutorService thread = Executors.newSingleThreadExecutor(r -> {
    Thread t = new Thread(r, "pulse-te-http");
    t.setDaemon(true);
    return t;
  });
  private HttpServer server;

  TaskExecutorHttpServer(TaskExecutor te) {
    this.te = te;
    Gauge.builder("pulse.taskexecutor.registered", te, t -> t.isRegistered() ? 1 : 0)
        .description("1 while a resource manager holds this task executor's registration, else 0")
        .register(registry);
    Gauge.builder("pulse.taskexecutor.slots", te, TaskExecutor::numberOfSlots)
        .description("Slots this task executor offers")
        .register(registry);
    Gauge.builder("pulse.taskexecutor.slots.free", te, t -> t.slots().stream().filter(TaskSlot::isFree).count())
        .description("Of those, slots that hold no allocation")
        .register(registry);
    Gauge.builder("pulse.taskexecutor.resource.manager.heartbeat.age", this, s -> s.heartbeatAgeSeconds)
        .description("Seconds since the resource manager last asked for a heartbeat; NaN while there is none")
        .baseUnit("seconds")
        .register(registry);
    processMeters = ProcessMeters.bindTo(registry, "task-executor");
  }

  /**
   * Binds and serves.
   *
   * @throws IOException if the address cannot be bound
   */
  TaskExecutorHttpServer start(InetSocketAddress bindAddress) throws IOException {
    server = HttpServer.create(bindAddress, 16);
    server.createContext("/", this::handle);
    server.setExecutor(thread);
    server.start();
    return this;
  }

  /** The bound address; valid after {@link #start}. */
  InetSocketAddress address() {
    return server.getAddress();
  }

  private void handle(HttpExchange exchange) throws IOException {
    try (exchange) {
      String method = exchange.getRequestMethod();
      String path = exchange.getRequestURI().getPath();
      if (!path.equals("/healthz") && !path.equals("/metrics")) {
        send(exchange, 404, "application/json", "{\"error\":\"no such path: /healthz and /metrics are served\"}");
      } else if (!method.equals("GET") && !method.equals("HEAD")) {
        exchange.getResponseHeaders().add("Allow", "GET, HEAD");
        send(exchange, 405, "application/json", "{\"error\":\"only GET and HEAD\"}");
      } else if (path.equals("/healthz")) {
        String problem = health();
        if (problem == null) {
          send(exchange, 200, "application/json", "{\"status\":\"UP\"}");
        } else {
          send(exchange, 503, "application/json", "{\"status\":\"DOWN\",\"detail\":\"" + problem + "\"}");
        }
      } else {
        refreshHeartbeatAge();
        send(exchange, 200, CONTENT_TYPE_METRICS, registry.scrape());
      }
    } catch (RuntimeException e) {
      LOG.warn("HTTP request {} failed", exchange.getRequestURI(), e);
    }
  }

  /** {@code null} when healthy, else why not (no quotes or backslashes, it goes into JSON as it is). */
  private String health() {
    if (!te.isRegistered()) {
      return "not registered with a resource manager";
    }
    return refreshHeartbeatAge() ? null : "the main thread did not answer within " + MAIN_THREAD_PATIENCE_MS + " ms";
  }

  /** Asks the main thread for the heartbeat age; {@code false} if it did not answer in time. */
  private boolean refreshHeartbeatAge() {
    try {
      Optional<Duration> age = te.resourceManagerHeartbeatAge().get(MAIN_THREAD_PATIENCE_MS, TimeUnit.MILLISECONDS);
      heartbeatAgeSeconds = age.map(d -> d.toNanos() / 1e9).orElse(Double.NaN);
      return true;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    } catch (Exception e) {
      return false;
    }
  }

  private static void send(HttpExchange exchange, int status, String contentType, String body) throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().set("Content-Type", contentType);
    boolean head = exchange.getRequestMethod().equals("HEAD");
    exchange.sendResponseHeaders(status, head ? -1 : bytes.length);
    if (!head) {
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(bytes);
      }
    }
  }

  @Override
  public void close() {
    if (server != null) {
      server.stop(0);
    }
    thread.shutdownNow();
    processMeters.close();
    registry.close();
  }
}
