package dev.pulse.harness;

import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A resource manager and task executors as real child JVM processes, for end-to-end tests: the same
 * main classes {@code bin/} runs, real sockets, real signals. Everything is observed through the
 * resource manager's REST API. {@link #close()} stops every process it started, even after a failed
 * test (SIGTERM, then SIGKILL).
 */
final class ProcessCluster implements AutoCloseable {

  private static final Pattern RM_LINE = Pattern.compile("rpc (\\S+):(\\d+), rest (http://\\S+?)/v1/overview");

  private final Map<String, String> settings;
  private final Path logs;
  private final List<ChildProcess> processes = new ArrayList<>();
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private final ObjectMapper json = new ObjectMapper();
  private ChildProcess resourceManager;
  private int rpcPort;
  private String rest;

  /**
   * @param name names the log directory, {@code target/e2e-logs/NAME} (build output, so that a failed
   *     run can be read afterwards and {@code mvn clean} removes it)
   */
  ProcessCluster(String name, Map<String, String> settings) throws IOException {
    this.settings = new LinkedHashMap<>(settings);
    this.logs = Files.createDirectories(Path.of("target", "e2e-logs", name));
  }

  ProcessCluster startResourceManager() throws IOException {
    Map<String, String> rmSettings = new LinkedHashMap<>(settings);
    rmSettings.put("resourcemanager.rpc.port", "0");
    rmSettings.put("rest.port", "0");
    resourceManager = start("resource-manager", "dev.pulse.rm.ResourceManagerMain", rmSettings);
    String line = resourceManager.awaitStarted(Duration.ofSeconds(60));
    Matcher m = RM_LINE.matcher(line);
    if (!m.find()) {
      throw new IOException("unexpected start-up line: " + line);
    }
    rpcPort = Integer.parseInt(m.group(2));
    rest = m.group(3);
    return this;
  }

  /** Starts a task executor with id {@code id} and waits until the resource manager lists it. */
  ChildProcess startTaskExecutor(String id, int slots) throws IOException {
    ChildProcess te = startTaskExecutorProcess(id, slots);
    te.awaitStarted(Duration.ofSeconds(60));
    awaitEvent("TASK_EXECUTOR_REGISTERED", e -> id.equals(e.path("taskExecutorId").asText())
        && e.path("seq").asLong() > 0, Duration.ofSeconds(60), 0);
    return te;
  }

  /** Starts a task executor process without waiting for anything. */
  ChildProcess startTaskExecutorProcess(String id, int slots) throws IOException {
    Map<String, String> te = new LinkedHashMap<>(settings);
    te.put("resourcemanager.rpc.port", Integer.toString(rpcPort));
    te.put("taskexecutor.resource-id", id);
    te.put("taskexecutor.numberOfTaskSlots", Integer.toString(slots));
    return start(id, "dev.pulse.te.TaskExecutorMain", te);
  }

  ChildProcess resourceManager() {
    return resourceManager;
  }

  ChildProcess start(String name, String mainClass, Map<String, String> processSettings) throws IOException {
    List<String> args = new ArrayList<>();
    processSettings.forEach((k, v) -> args.add("-D" + k + "=" + v));
    ChildProcess p = ChildProcess.start(name, mainClass, args, logs.resolve(name + "-" + processes.size() + ".log"));
    processes.add(p);
    return p;
  }

  JsonNode get(String path) throws IOException {
    return json.readTree(send(HttpRequest.newBuilder(URI.create(rest + path)).GET()).body());
  }

  HttpResponse<String> post(String path, String body) throws IOException {
    return send(HttpRequest.newBuilder(URI.create(rest + path)).header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(body)));
  }

  private HttpResponse<String> send(HttpRequest.Builder request) throws IOException {
    try {
      return http.send(request.timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted", e);
    }
  }

  List<JsonNode> events() throws IOException {
    List<JsonNode> result = new ArrayList<>();
    get("/v1/events?after=0").path("events").forEach(result::add);
    return result;
  }

  /** Waits for the first event with {@code seq > afterSeq} of {@code type} matching {@code filter}. */
  JsonNode awaitEvent(String type, Predicate<JsonNode> filter, Duration timeout, long afterSeq) {
    JsonNode[] found = new JsonNode[1];
    await().atMost(timeout).pollInterval(Duration.ofMillis(50)).ignoreExceptions().until(() -> {
      for (JsonNode e : events()) {
        if (e.path("seq").asLong() > afterSeq && type.equals(e.path("type").asText()) && filter.test(e)) {
          found[0] = e;
          return true;
        }
      }
      return false;
    });
    return found[0];
  }

  long lastSeq() throws IOException {
    List<JsonNode> all = events();
    return all.isEmpty() ? 0 : all.get(all.size() - 1).path("seq").asLong();
  }

  Path logs() {
    return logs;
  }

  @Override
  public void close() {
    for (int i = processes.size() - 1; i >= 0; i--) {
      processes.get(i).close();
    }
  }
}
