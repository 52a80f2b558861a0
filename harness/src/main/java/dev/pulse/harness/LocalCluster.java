package dev.pulse.harness;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.pulse.config.ConfigException;
import dev.pulse.config.ConfigRegistry;
import dev.pulse.config.Settings;
import dev.pulse.rpc.RpcSecurityConfig;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code bin/local-cluster [-n N]}: a resource manager and N task executors as child processes of this
 * one, from the built jars, with a live one-line status (task executors, free slots, last event) read
 * from the REST API. Ctrl-C (or SIGTERM) stops them all. Logs of every process go to one directory.
 *
 * <p>Heartbeats default to a 1 s interval and a 5 s timeout here, so that a killed task executor is
 * seen within seconds; any {@code -Dkey=value} is passed to every process and wins. With a token
 * ({@code -Dsecurity.auth.token-file=...}) or TLS ({@code -Dsecurity.ssl.*}), the status line's REST reads
 * send the token and trust the certificates the way {@link RestClient#forSettings} describes, and the
 * start-up lines show the {@code curl} options that do the same.
 *
 * <p>{@code --ha} adds a ZooKeeper server (as {@code bin/zookeeper} runs it) and a second resource manager:
 * one leads, the other stands by, and the status line names the leader; kill the leader and watch the
 * other take over with the task executors.
 */
@Command(name = "local-cluster", description = "Runs a Pulse resource manager and N task executors locally.",
    mixinStandardHelpOptions = true, sortOptions = false, versionProvider = ProgramVersion.class)
public final class LocalCluster implements Callable<Integer> {

  private static final Pattern REST_URL = Pattern.compile("rest (https?://\\S+?)/v1/overview");
  private static final DateTimeFormatter CLOCK = DateTimeFormatter.ofPattern("HH:mm:ss");

  @Option(names = "-n", paramLabel = "N", description = "number of task executors (default ${DEFAULT-VALUE})")
  int taskExecutors = 3;

  @Option(names = "--slots", paramLabel = "S", description = "slots per task executor (default ${DEFAULT-VALUE})")
  int slots = 2;

  @Option(names = "--logs", paramLabel = "DIR", description = "directory for the processes' logs (default: a new temporary one)")
  Path logDir;

  @Option(names = "--ha", description = "high availability: a ZooKeeper (bin/zookeeper) and two resource managers,"
      + " one leading, one standing by")
  boolean ha;

  @Option(names = "-D", paramLabel = "key=value", description = "configuration for every process")
  Map<String, String> overrides = new LinkedHashMap<>();

  private final PrintStream out = System.out;
  private final List<ChildProcess> children = new ArrayList<>();
  private final ObjectMapper json = new ObjectMapper();
  private RestClient restClient;

  public static void main(String[] args) {
    System.exit(new CommandLine(new LocalCluster()).execute(args));
  }

  @Override
  public Integer call() throws Exception {
    if (taskExecutors < 1 || taskExecutors > 200) {
      System.err.println("local-cluster: -n must be between 1 and 200, was " + taskExecutors);
      return 2;
    }
    Map<String, String> checked;
    try {
      // Checked here, not only by each child: one line, before anything starts; Flink's names become Pulse's.
      checked = ConfigRegistry.fromClasspath().validate(Settings.of(overrides), "-D").asMap();
    } catch (ConfigException e) {
      System.err.println("local-cluster: configuration error: " + e.getMessage());
      return 1;
    }
    Path logs = logDir != null ? Files.createDirectories(logDir) : Files.createTempDirectory("pulse-local-cluster-");
    CountDownLatch stop = new CountDownLatch(1);
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      stop.countDown();
      stopAll();
      stopped.countDown();
    }, "local-cluster-shutdown"));
    try {
      Map<String, String> settings = new LinkedHashMap<>();
      settings.put("heartbeat.interval", "1 s");
      settings.put("heartbeat.timeout", "5 s");
      settings.putAll(checked);
      // Reads the token and trusted certificates before any process starts: a bad file stops here.
      try {
        restClient = RestClient.forSettings(settings);
      } catch (IllegalArgumentException | UncheckedIOException e) {
        System.err.println("local-cluster: " + e.getMessage());
        return 1;
      }
      if (ha) {
        startZooKeeper(settings, logs);
      }
      // In a session of its own: Ctrl-C reaches this process and the task executors (which leave at once), but
      // not the resource manager, which stopAll() stops last, so that it hears every goodbye.
      List<String> restUrls = new ArrayList<>();
      String rpcPort = null;
      for (int r = 1; r <= (ha ? 2 : 1); r++) {
        String name = ha ? "resource-manager-" + r : "resource-manager";
        Map<String, String> rmSettings = ha ? new LinkedHashMap<>(settings) : withStore(settings, logs);
        if (ha) {
          rmSettings.put("resourcemanager.rpc.port", "0");
          rmSettings.put("rest.port", "0");
        }
        ChildProcess rm = ChildProcess.start(name, "dev.pulse.rm.server.ResourceManagerMain", List.of(),
            args(rmSettings), logs.resolve(name + ".log"), true);
        children.add(rm);
        String rmLine = rm.awaitStarted(Duration.ofSeconds(60));
        out.println(rmLine + (ha ? "  [pid " + rm.pid() + "]" : ""));
        Matcher m = REST_URL.matcher(rmLine);
        if (!m.find()) {
          throw new IOException("cannot find the REST address in: " + rmLine);
        }
        restUrls.add(m.group(1));
        rpcPort = rmLine.replaceAll(".* rpc \\S+:(\\d+),.*", "$1");
      }
      String rest = restUrls.get(0);
      int firstTaskExecutor = children.size();
      for (int i = 1; i <= taskExecutors; i++) {
        Map<String, String> te = new LinkedHashMap<>(settings);
        if (!ha) {
          te.put("resourcemanager.rpc.port", rpcPort);
        }
        te.putIfAbsent("taskexecutor.numberOfTaskSlots", Integer.toString(slots));
        te.put("taskexecutor.resource-id", "te-" + i);
        ChildProcess p = ChildProcess.start("te-" + i, "dev.pulse.te.server.TaskExecutorMain", args(te),
            logs.resolve("te-" + i + ".log"));
        children.add(p);
      }
      for (ChildProcess p : children.subList(firstTaskExecutor, children.size())) {
        out.println(p.awaitStarted(Duration.ofSeconds(60)) + "  [pid " + p.pid() + "]");
      }
      out.println();
      out.println("REST API: " + rest + "/v1/overview   events: " + rest + "/v1/events   metrics: " + rest + "/metrics");
      String curl = curlOptions(settings, rest.startsWith("https:"));
      if (!curl.isEmpty()) {
        out.println("With curl: curl " + curl + " " + rest + "/v1/overview");
      }
      out.println("Logs: " + logs);
      out.println("Try: kill -9 <pid of a task executor> and watch it being declared lost"
          + (ha ? "; kill -9 <pid of the leading resource manager> and watch the other one lead" : "")
          + ". Ctrl-C stops everything.");
      out.println();
      statusLoop(restUrls, stop);
    } catch (IOException e) {
      System.err.println("local-cluster: " + e.getMessage());
      stopAll();
      return 1;
    }
    stopped.await();
    return 0;
  }

  private void statusLoop(List<String> restUrls, CountDownLatch stop) throws InterruptedException {
    boolean tty = System.console() != null;
    String last = "";
    long lastSeq = 0;
    String lastEvent = "none yet";
    while (!stop.await(1, java.util.concurrent.TimeUnit.SECONDS)) {
      String status;
      try {
        String rest = restUrls.get(0);
        String leader = "";
        if (ha) {
          rest = leaderRest(restUrls);
          if (rest == null) {
            throw new IOException("no resource manager leads now");
          }
        }
        JsonNode overview = get(rest, "/v1/overview");
        if (ha) {
          leader = "leader " + overview.path("resourceManagerId").asText() + " (epoch "
              + overview.path("epoch").asLong() + ") at " + rest + ", ";
        }
        String guard = lossGuard(restClient.get(URI.create(rest), "/metrics"));
        JsonNode events = get(rest, "/v1/events?after=" + lastSeq).path("events");
        for (JsonNode e : events) {
          lastSeq = e.path("seq").asLong();
          lastEvent = describe(e);
        }
        status = leader + String.format("task executors %d/%d, slots %d free of %d, %s, last event: %s",
            overview.path("taskExecutors").asInt(), taskExecutors, overview.path("slotsFree").asInt(),
            overview.path("slotsTotal").asInt(), guard, lastEvent);
      } catch (IOException | UncheckedIOException e) {
        status = "cannot read the resource manager's REST API: " + e.getMessage();
      }
      String dead = deadChildren();
      if (!dead.isEmpty()) {
        status += "  (" + dead + ")";
      }
      if (!status.equals(last)) {
        String line = LocalTime.now().format(CLOCK) + "  " + status;
        if (tty) {
          out.print("\r\033[K" + line);
          out.flush();
        } else {
          out.println(line);
        }
        last = status;
      }
    }
    if (tty) {
      out.println();
    }
  }

  /** The REST URL of the resource manager that leads: the one whose overview says {@code role: LEADER}. */
  private String leaderRest(List<String> restUrls) {
    for (String url : restUrls) {
      try {
        if (get(url, "/v1/overview").path("role").asText().equals("LEADER")) {
          return url;
        }
      } catch (IOException | UncheckedIOException e) {
        // down or not answering: not the leader
      }
    }
    return null;
  }

  /**
   * Starts {@code bin/zookeeper}'s server as a child (data in the logs directory) and points every process at
   * it, unless {@code high-availability.zookeeper.quorum} names another.
   */
  private void startZooKeeper(Map<String, String> settings, Path logs) throws IOException {
    settings.put("high-availability.type", "zookeeper");
    settings.putIfAbsent("high-availability.zookeeper.client.session-timeout", "5 s");
    if (settings.containsKey("high-availability.zookeeper.quorum")) {
      return;
    }
    int port;
    try (java.net.ServerSocket free = new java.net.ServerSocket(0)) {
      port = free.getLocalPort();
    }
    ChildProcess zk = ChildProcess.start("zookeeper", "dev.pulse.ha.zookeeper.ZooKeeperMain",
        List.of("-Dzookeeper.admin.enableServer=false"), List.of("--port", Integer.toString(port), "--dir",
            logs.resolve("zookeeper-data").toString(), "--tick-time", "500"), logs.resolve("zookeeper.log"), true);
    children.add(zk);
    out.println(zk.awaitStarted(Duration.ofSeconds(60)) + "  [pid " + zk.pid() + "]");
    settings.put("high-availability.zookeeper.quorum", "127.0.0.1:" + port);
  }

  private static final Pattern SUSPECTS = Pattern.compile("(?m)^pulse_task_executors_suspect (\\S+)$");
  private static final Pattern QUARANTINED = Pattern.compile("(?m)^pulse_task_executors_quarantined (\\S+)$");
  private static final Pattern GUARD_STATE =
      Pattern.compile("(?m)^pulse_loss_guard_state\\{state=\"([A-Z_]+)\"} 1(?:\\.0)?$");

  /**
   * The loss guards' part of the status line (SPEC 11), from the resource manager's {@code /metrics} text:
   * {@code suspect 1, quarantined 0, loss guard NORMAL}.
   */
  static String lossGuard(String metrics) {
    Matcher state = GUARD_STATE.matcher(metrics);
    return "suspect " + count(SUSPECTS, metrics) + ", quarantined " + count(QUARANTINED, metrics) + ", loss guard "
        + (state.find() ? state.group(1) : "?");
  }

  private static String count(Pattern gauge, String metrics) {
    Matcher m = gauge.matcher(metrics);
    return m.find() ? String.valueOf((long) Double.parseDouble(m.group(1))) : "?";
  }

  private static String describe(JsonNode e) {
    StringBuilder sb = new StringBuilder("#").append(e.path("seq").asLong()).append(' ').append(e.path("type").asText());
    for (String field : new String[] {"taskExecutorId", "allocationId", "reason"}) {
      if (e.hasNonNull(field)) {
        sb.append(' ').append(e.path(field).asText());
      }
    }
    return sb.toString();
  }

  private String deadChildren() {
    StringBuilder sb = new StringBuilder();
    for (ChildProcess p : children) {
      if (!p.isAlive()) {
        sb.append(sb.length() == 0 ? "" : ", ").append(p.name()).append(" exited with ").append(p.exitCode());
      }
    }
    return sb.toString();
  }

  private JsonNode get(String base, String path) throws IOException {
    return json.readTree(restClient.get(URI.create(base), path));
  }

  /** What curl needs for this cluster's REST API: the token header and the trusted certificates. */
  private static String curlOptions(Map<String, String> settings, boolean https) {
    StringBuilder sb = new StringBuilder();
    String token = settings.get(RpcSecurityConfig.TOKEN_FILE);
    if (token != null) {
      sb.append("-H \"Authorization: Bearer $(cat ").append(token).append(")\"");
    }
    String trust = RestClient.trustFile(settings);
    if (https && trust != null) {
      sb.append(sb.length() == 0 ? "" : " ").append("--cacert ").append(trust);
    }
    return sb.toString();
  }

  /** The resource manager's settings: its registry store lives in the cluster's directory unless one is given. */
  private static Map<String, String> withStore(Map<String, String> settings, Path dir) {
    Map<String, String> rm = new LinkedHashMap<>(settings);
    rm.putIfAbsent("resourcemanager.store.dir", dir.resolve("resource-manager-store").toString());
    return rm;
  }

  private static List<String> args(Map<String, String> settings) {
    List<String> args = new ArrayList<>();
    settings.forEach((k, v) -> args.add("-D" + k + "=" + v));
    return args;
  }

  private void stopAll() {
    // Task executors first, so that each says goodbye to a resource manager that still listens.
    for (int i = children.size() - 1; i >= 0; i--) {
      children.get(i).close();
    }
  }
}
