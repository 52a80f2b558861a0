package dev.pulse.bench.fanout;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The production resource manager ({@code dev.pulse.rm.server.ResourceManagerMain}, unchanged) in a child JVM,
 * with REST on an ephemeral loopback port, plus the probes the benchmark reads it with: its Prometheus
 * text ({@code GET /metrics}), its event log ({@code GET /v1/events}), its CPU time and RSS from
 * {@code /proc}, and its live heap after a full GC ({@code jcmd}).
 */
final class RmProcess implements AutoCloseable {

  private static final Pattern START_LINE = Pattern.compile("rpc (\\S+):(\\d+), rest http://(\\S+?):(\\d+)/");
  private static final Pattern HEAP_USED = Pattern.compile("used (\\d+)K");

  private final ChildJvm jvm;
  private final String rpcAddress;
  private final String restBase;
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  private RmProcess(ChildJvm jvm, String rpcAddress, String restBase) {
    this.jvm = jvm;
    this.rpcAddress = rpcAddress;
    this.restBase = restBase;
  }

  /** Starts it with {@code settings} as {@code -Dkey=value} overrides and waits for its start-up line. */
  static RmProcess start(Map<String, String> settings, List<String> jvmOptions) throws Exception {
    List<String> args = new ArrayList<>();
    // In memory unless the caller says otherwise: the fan-out benchmark measures heartbeats, not the store.
    Map<String, String> all = new HashMap<>(Map.of("resourcemanager.rpc.port", "0", "rest.port", "0",
        "resourcemanager.store.type", "memory"));
    all.putAll(settings);
    all.forEach((k, v) -> args.add("-D" + k + "=" + v));
    ChildJvm jvm = ChildJvm.start("resource-manager", jvmOptions, "dev.pulse.rm.server.ResourceManagerMain", args);
    try {
      Matcher m = START_LINE.matcher(jvm.awaitLine("resource-manager ", 60_000));
      if (!m.find()) {
        throw new IllegalStateException("unexpected start-up line of the resource manager");
      }
      return new RmProcess(jvm, m.group(1) + ":" + m.group(2), "http://" + m.group(3) + ":" + m.group(4));
    } catch (Exception e) {
      jvm.close();
      throw e;
    }
  }

  String rpcAddress() {
    return rpcAddress;
  }

  long pid() {
    return jvm.pid();
  }

  long cpuNanos() {
    return ProcStat.cpuNanos(jvm.pid());
  }

  long rssBytes() {
    return ProcStat.rssBytes(jvm.pid());
  }

  /** Heap in use after a full GC, in bytes (G1's {@code GC.heap_info}); -1 if jcmd fails. */
  long liveHeapBytes() {
    try {
      run("jcmd", Long.toString(jvm.pid()), "GC.run");
      Matcher m = HEAP_USED.matcher(run("jcmd", Long.toString(jvm.pid()), "GC.heap_info"));
      return m.find() ? Long.parseLong(m.group(1)) * 1024 : -1;
    } catch (IOException | InterruptedException e) {
      return -1;
    }
  }

  /** Its live objects by class ({@code jcmd GC.class_histogram}, after a full GC); empty if jcmd fails. */
  ClassHistogram classHistogram() {
    try {
      return ClassHistogram.parse(run("jcmd", Long.toString(jvm.pid()), "GC.class_histogram"));
    } catch (IOException | InterruptedException e) {
      return ClassHistogram.parse("");
    }
  }

  /** Every sample of {@code GET /metrics}, keyed by name with labels as printed. */
  Map<String, Double> metrics() throws IOException, InterruptedException {
    Map<String, Double> values = new HashMap<>();
    for (String line : get("/metrics").split("\n")) {
      if (line.isEmpty() || line.startsWith("#")) {
        continue;
      }
      int space = line.lastIndexOf(' ');
      try {
        values.put(line.substring(0, space), Double.parseDouble(line.substring(space + 1)));
      } catch (NumberFormatException e) {
        // not a sample we read
      }
    }
    return values;
  }

  /** The body of {@code GET path} on the REST port. */
  String get(String path) throws IOException, InterruptedException {
    HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create(restBase + path))
        .timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
    if (response.statusCode() != 200) {
      throw new IOException("GET " + path + " answered " + response.statusCode() + ": " + response.body());
    }
    return response.body();
  }

  @Override
  public void close() {
    jvm.close();
  }

  private static String run(String... command) throws IOException, InterruptedException {
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes());
    p.waitFor();
    return out;
  }
}
