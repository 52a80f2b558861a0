package dev.pulse.bench.fanout;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * {@code bin/benchmark fanout}: one production resource manager heartbeating N task executors.
 *
 * <p>Processes: the resource manager ({@code ResourceManagerMain}, own JVM, REST on) and a
 * {@link TaskExecutorFarm} JVM with N real gRPC endpoints that register and answer like task executors.
 * Both share this machine's cores, as the SPEC's target says (RM and simulated TEs together).
 *
 * <p>What is measured, after all TEs registered and a warm-up of a few intervals, over {@code --duration}:
 * <ul>
 *   <li>heartbeats/s: successful heartbeat round trips the RM counted ({@code pulse_heartbeat_rtt_seconds_count}
 *       delta), so a heartbeat only counts when its answer came back;
 *   <li>RTT: measured by the RM itself (request sent -> answer back on its main thread), from the
 *       difference of its histogram between the start and the end of the window, interpolated within
 *       buckets, with the bucket bound each quantile is certainly below;
 *   <li>sender tick lag: how late the RM's heartbeat timer ran, same sources;
 *   <li>RM CPU seconds per 1,000 heartbeats from {@code /proc/<pid>/stat} (user + system, all threads);
 *   <li>RM live heap (the objects a class histogram's full GC finds reachable) and RSS, per TE: (with N TEs - before
 *       the farm started) / the TEs
 *       registered at the end of the window (N if the RM does not say), and the classes that grew most
 *       (two {@code jcmd GC.class_histogram}s, before the farm and after the window, diffed);
 *   <li>false losses: {@code TASK_EXECUTOR_LOST} events since the RM started (registration included), and
 *       those within the measured window; none of the TEs fails, so every one is false.
 * </ul>
 * With {@code --compare-grpc} the same fan-out then runs with the bare gRPC clients ({@link PingDriver}:
 * slot-batched unary calls, then one stream per endpoint) and the report gives Pulse's throughput, RTT p99 and
 * RM CPU per heartbeat as ratios to each. With {@code --concurrent-grpc} both bare clients run instead at the
 * same time as the resource manager, against a ping farm of their own, their measured windows opening with the
 * RM's: on a shared machine the load moves more between sequential runs than the differences measured.
 */
final class FanoutBenchmark {

  record Options(int taskExecutors, Duration interval, Duration timeout, int threshold, Duration warmup,
      Duration duration, int basePort, boolean compareGrpc, String rmHeap, String farmHeap, Path json, Path png,
      Duration driverWarmup, boolean concurrentGrpc, Map<String, String> rmSettings) {}

  private FanoutBenchmark() {}

  static Options options(Args a) {
    int n = a.getInt("task-executors", 1000);
    Duration interval = a.duration("interval", "1s");
    return new Options(n, interval, a.duration("timeout", "10s"), a.getInt("threshold", 2),
        a.duration("warmup", "10s"), a.duration("duration", "60s"), a.getInt("base-port", 21000),
        a.flag("compare-grpc"), a.get("rm-heap", "2g"), a.get("farm-heap", "4g"),
        Path.of(a.get("json", "fanout-" + n + ".json")), Path.of(a.get("png", a.get("json", "fanout-" + n + ".json")
            .replaceAll("\\.json$", "") + ".png")), a.duration("driver-warmup", "60s"),
        a.flag("concurrent-grpc"), keyValues(a.get("rm-settings", "")));
  }

  /** {@code key=value;key=value} (the form of {@code --rm-settings}) as a map, in order. */
  static Map<String, String> keyValues(String text) {
    Map<String, String> result = new LinkedHashMap<>();
    for (String pair : text.split(";")) {
      if (pair.isBlank()) {
        continue;
      }
      int eq = pair.indexOf('=');
      if (eq <= 0) {
        throw new IllegalArgumentException("--rm-settings: expected key=value, got '" + pair + "'");
      }
      result.put(pair.substring(0, eq).trim(), pair.substring(eq + 1).trim());
    }
    return result;
  }

  /** Runs it, prints progress and results on {@code out}, writes JSON and PNG; returns the JSON. */
  static String run(Options o, PrintStream out) throws Exception {
    out.printf("fanout: %d task executors, interval %s, timeout %s, warm-up %s, duration %s, load %s%n",
        o.taskExecutors(), Args.format(o.interval()), Args.format(o.timeout()), Args.format(o.warmup()),
        Args.format(o.duration()), Load.average());
    Map<String, String> settings = new LinkedHashMap<>();
    settings.put("heartbeat.interval", o.interval().toMillis() + " ms");
    settings.put("heartbeat.timeout", o.timeout().toMillis() + " ms");
    settings.put("heartbeat.rpc-failure-threshold", Integer.toString(o.threshold()));
    settings.putAll(o.rmSettings());
    String pulseJson;
    String pingJson = "null";
    try (RmProcess rm = RmProcess.start(settings, List.of("-Xmx" + o.rmHeap(), "-Xms" + o.rmHeap()))) {
      long heap0 = rm.liveHeapBytes();
      long rss0 = rm.rssBytes();
      ClassHistogram classes0 = rm.classHistogram();
      long started = System.nanoTime();
      // Each farm's READY line: how many registered, and the refusals its task executors were answered, by reason.
      List<String> farmsReady = new CopyOnWriteArrayList<>();
      RegistrationRamp ramp = RegistrationRamp.start(rm);
      try (ramp; Farms farm = Farms.start("te-farm", o.taskExecutors(), farmJvm(o),
          List.of("--mode", "pulse", "--rm", rm.rpcAddress(), "--base-port", Integer.toString(o.basePort()),
              "--timeout", o.timeout().toMillis() + "ms"), line -> {
                if (line.startsWith("registered") || line.startsWith("READY")) {
                  out.println("  farm: " + line);
                }
                if (line.startsWith("READY")) {
                  farmsReady.add(line);
                }
              }, true)) {
        double registeredAfter = (System.nanoTime() - started) / 1e9;
        double stormLasted = (System.nanoTime() - farm.registrationStarted()) / 1e9;
        ramp.close();
        double stormBegan = (farm.registrationStarted() - started) / 1e9;
        String rampJson = ",\"registrationStormBeganSeconds\":" + Json.num(stormBegan)
            + ",\"registered90PercentAfterStormSeconds\":" + Json.num(fromStorm(ramp, 0.9, o, stormBegan, stormLasted))
            + ",\"registered99PercentAfterStormSeconds\":" + Json.num(fromStorm(ramp, 0.99, o, stormBegan, stormLasted))
            + ",\"registrationRamp\":" + ramp.toJson();
        out.printf("  all farms ready after %.1f s, all registered %.1f s after the first registration (RM fds %d)%n",
            registeredAfter, stormLasted, ProcStat.openFds(rm.pid()));
        GrpcPingBenchmark.Concurrent bare = null;
        if (o.concurrentGrpc()) {
          bare = GrpcPingBenchmark.Concurrent.start(o, out);
          awaitProgress(rm, Duration.ofMillis(Math.max(0, bare.windowAt() - System.currentTimeMillis())), o, "warm-up",
              null, out);
        } else {
          awaitProgress(rm, o.warmup(), o, "warm-up", null, out);
        }
        try (AutoCloseable closeBare = bare) {
          Map<String, Double> m0 = rm.metrics();
          long cpu0 = rm.cpuNanos();
          long farmCpu0 = farm.cpuNanos();
          long t0 = System.nanoTime();
          Map<String, Double> m1 = awaitProgress(rm, o.duration(), o, "measure", m0, out);
          long cpu1 = rm.cpuNanos();
          long farmCpu1 = farm.cpuNanos();
          double seconds = (System.nanoTime() - t0) / 1e9;
          long heap1 = rm.liveHeapBytes();
          long rss1 = rm.rssBytes();
          int fds = ProcStat.openFds(rm.pid());
          ClassHistogram classes1 = rm.classHistogram();

          PromHistogram rtt = PromHistogram.of(m1, "pulse_heartbeat_rtt_seconds")
              .minus(PromHistogram.of(m0, "pulse_heartbeat_rtt_seconds"));
          PromHistogram lag = PromHistogram.of(m1, "pulse_sender_tick_lag_seconds")
              .minus(PromHistogram.of(m0, "pulse_sender_tick_lag_seconds"));
          double heartbeats = rtt.count();
          double lost = lost(m1);
          double failures = sumPrefix(m1, "pulse_heartbeat_rpc_failures_total") - sumPrefix(m0, "pulse_heartbeat_rpc_failures_total");
          double registered = m1.getOrDefault("pulse_task_executors_registered", Double.NaN);
          int n = o.taskExecutors();
          // Memory per TE the RM actually holds: a TE that did not register (or was lost) costs it nothing.
          long perTe = registered >= 1 ? (long) registered : n;
          String heapByClass = classes1.growthJson(classes0, perTe, 25);
          // Objects reachable at the histogram's GC pause: exact. Heap "used" right after a full GC also holds what
          // the RM allocated between that GC and the next jcmd (~35 MB/s at 5,000 heartbeats/s), ~2-8 KiB per TE.
          long liveGrowth = classes1.totalBytes() - classes0.totalBytes();
          pulseJson = "{\"heartbeatsPerSecond\":" + Json.num(heartbeats / seconds)
              + ",\"expectedPerSecond\":" + Json.num(n / (o.interval().toNanos() / 1e9))
              + ",\"rpcFailures\":" + (long) failures + ",\"rpcFailuresByKind\":" + failuresByKind(m0, m1)
              + ",\"rttMillis\":" + quantiles(m1, "pulse_heartbeat_rtt_seconds", rtt)
              + ",\"rttBuckets\":" + rtt.toJson()
              + ",\"tickLagMillis\":" + quantiles(m1, "pulse_sender_tick_lag_seconds", lag)
              + ",\"rmCpuSecondsPer1000Heartbeats\":" + Json.num((cpu1 - cpu0) / 1e9 / heartbeats * 1000)
              + ",\"rmCpuCores\":" + Json.num((cpu1 - cpu0) / 1e9 / seconds)
              + ",\"farmCpuCores\":" + Json.num((farmCpu1 - farmCpu0) / 1e9 / seconds)
              + ",\"rmHeapBytesPerTe\":" + (classes0.isEmpty() || classes1.isEmpty() ? "null" : Long.toString(liveGrowth / perTe))
              + ",\"rmHeapUsedAfterGcBytesPerTe\":" + (heap0 < 0 || heap1 < 0 ? "null" : Long.toString((heap1 - heap0) / perTe))
              + ",\"rmOpenFdsPerTe\":" + Json.num((double) fds / perTe)
              + ",\"rmRssBytesPerTe\":" + (rss1 - rss0) / perTe
              + ",\"rmHeapByClass\":" + heapByClass
              + ",\"rmLiveHeapBytes\":" + heap1 + ",\"rmRssBytes\":" + rss1 + ",\"rmOpenFds\":" + fds
              + ",\"registered\":" + (long) registered
              + ",\"allRegisteredAfterSeconds\":" + Json.num(registeredAfter)
              + ",\"registrationStormSeconds\":" + Json.num(stormLasted)
              + ",\"farmsReady\":[" + String.join(",", farmsReady.stream().map(Json::str).toList()) + "]"
              + rampJson
              + ",\"registrationsRefused\":" + refusals(m1)
              + ",\"falseLosses\":" + (long) lost
              + ",\"falseLossesInWindow\":" + (long) (lost - lost(m0)) + "}";
          out.printf("  pulse: %.0f heartbeats/s (expected %.0f), RTT %s, tick lag %s, RM CPU %.3f s/1000 hb"
                  + " (%.2f cores; farm %.2f cores), RM heap %s/TE, RSS %s/TE, RPC failures %.0f, false losses %.0f"
                  + " (%.0f of them in the measured window)%n",
              heartbeats / seconds, n / (o.interval().toNanos() / 1e9), describe(m1, "pulse_heartbeat_rtt_seconds", rtt),
              describe(m1, "pulse_sender_tick_lag_seconds", lag), (cpu1 - cpu0) / 1e9 / heartbeats * 1000,
              (cpu1 - cpu0) / 1e9 / seconds, (farmCpu1 - farmCpu0) / 1e9 / seconds, classes0.isEmpty() ? "?" : bytes(liveGrowth / perTe), bytes((rss1 - rss0) / perTe),
              failures, lost, lost - lost(m0));
          out.println("  RM heap per TE by class (growth since before the farm, top 25): " + heapByClass);
          if (bare != null) {
            pingJson = bare.results(out);
          }
        }
      }
    }
    if (o.compareGrpc() && !o.concurrentGrpc()) {
      pingJson = GrpcPingBenchmark.run(o, out);
    }
    String json = "{\"benchmark\":\"fanout\",\"taskExecutors\":" + o.taskExecutors()
        + ",\"intervalMillis\":" + o.interval().toMillis() + ",\"timeoutMillis\":" + o.timeout().toMillis()
        + ",\"durationSeconds\":" + o.duration().toSeconds() + ",\"cores\":" + Runtime.getRuntime().availableProcessors()
        + ",\"loadAverageAtEnd\":" + Json.str(Load.average())
        + ",\"pulse\":" + pulseJson + ",\"grpcPing\":" + pingJson
        + ",\"bareClients\":" + Json.str(o.concurrentGrpc() ? "concurrent" : o.compareGrpc() ? "after" : "none")
        + (o.compareGrpc() || o.concurrentGrpc() ? ",\"ratios\":" + ratios(pulseJson, pingJson, out) : "") + "}";
    Files.writeString(o.json(), json + "\n");
    Charts.fanout(json, o.png());
    out.println("  wrote " + o.json() + " and " + o.png());
    return json;
  }

  static List<String> farmJvm(Options o) {
    return List.of("-Xmx" + o.farmHeap(), "-Dlogback.configurationFile=dev/pulse/bench/rpc/logback-quiet.xml");
  }

  /** Polls the RM every few seconds for {@code length}, printing a progress line; returns the last scrape. */
  private static Map<String, Double> awaitProgress(RmProcess rm, Duration length, Options o, String phase,
      Map<String, Double> base, PrintStream out) throws Exception {
    long start = System.nanoTime();
    long end = start + length.toNanos();
    Map<String, Double> previous = rm.metrics();
    long previousAt = System.nanoTime();
    long previousCpu = rm.cpuNanos();
    while (true) {
      long left = end - System.nanoTime();
      if (left <= 0) {
        return rm.metrics();
      }
      Thread.sleep(Math.min(5_000, left / 1_000_000 + 1));
      Map<String, Double> now = rm.metrics();
      long at = System.nanoTime();
      long cpu = rm.cpuNanos();
      double dt = (at - previousAt) / 1e9;
      double hbs = (now.getOrDefault("pulse_heartbeat_rtt_seconds_count", 0.0)
          - previous.getOrDefault("pulse_heartbeat_rtt_seconds_count", 0.0)) / dt;
      out.printf("  [%s %3.0fs/%ds] TEs %.0f  hb/s %.0f  rtt p99 %.2f ms  tick lag p99 %.2f ms  rpc failures %.0f"
              + "  lost %.0f  RM cpu %.2f cores  load %s%n",
          phase, (at - start) / 1e9, length.toSeconds(), now.getOrDefault("pulse_task_executors_registered", 0.0), hbs,
          1000 * PromHistogram.of(now, "pulse_heartbeat_rtt_seconds")
              .minus(PromHistogram.of(previous, "pulse_heartbeat_rtt_seconds")).quantile(0.99),
          1000 * PromHistogram.of(now, "pulse_sender_tick_lag_seconds")
              .minus(PromHistogram.of(previous, "pulse_sender_tick_lag_seconds")).quantile(0.99),
          sumPrefix(now, "pulse_heartbeat_rpc_failures_total"), lost(now), (cpu - previousCpu) / 1e9 / dt,
          Load.average());
      previous = now;
      previousAt = at;
      previousCpu = cpu;
    }
  }

  private static String failuresByKind(Map<String, Double> m0, Map<String, Double> m1) {
    StringBuilder sb = new StringBuilder("{");
    m1.forEach((key, value) -> {
      if (key.startsWith("pulse_heartbeat_rpc_failures_total{kind=\"")) {
        String kind = key.substring(key.indexOf('"') + 1, key.lastIndexOf('"'));
        sb.append(sb.length() > 1 ? "," : "").append(Json.str(kind)).append(':')
            .append((long) (value - m0.getOrDefault(key, 0.0)));
      }
    });
    return sb.append('}').toString();
  }

  /** The RM's refused registrations so far, by reason (a TE retrying after the hint counts again). */
  private static String refusals(Map<String, Double> m) {
    StringBuilder sb = new StringBuilder("{");
    m.forEach((key, value) -> {
      if (key.startsWith("pulse_registrations_refused_total{reason=\"")) {
        String reason = key.substring(key.indexOf('"') + 1, key.lastIndexOf('"'));
        sb.append(sb.length() > 1 ? "," : "").append(Json.str(reason)).append(':').append(value.longValue());
      }
    });
    return sb.append('}').toString();
  }

  /**
   * Seconds from the first registration until the ramp first showed {@code fraction} of the task executors
   * registered; if no sample caught it (all registered between two samples), when all were registered.
   */
  private static double fromStorm(RegistrationRamp ramp, double fraction, Options o, double stormBegan,
      double stormLasted) {
    double at = ramp.secondsUntil(fraction, o.taskExecutors());
    return at < 0 ? stormLasted : Math.max(0, Math.min(at - stormBegan, stormLasted));
  }

  static double lost(Map<String, Double> m) {
    return m.getOrDefault("pulse_events_total{type=\"TASK_EXECUTOR_LOST\"}", 0.0);
  }

  static double sumPrefix(Map<String, Double> m, String prefix) {
    return m.entrySet().stream().filter(e -> e.getKey().startsWith(prefix + "{")).mapToDouble(Map.Entry::getValue).sum();
  }

  /**
   * Quantiles of the measurement window, interpolated in the RM's buckets, the bucket bounds they are
   * certainly below, and Micrometer's {@code _max} (a decaying maximum over about the last 2 minutes, so
   * it may include the registration phase).
   */
  private static String quantiles(Map<String, Double> m, String name, PromHistogram window) {
    return "{\"p50\":" + Json.num(1000 * window.quantile(0.5))
        + ",\"p99\":" + Json.num(1000 * window.quantile(0.99))
        + ",\"p999\":" + Json.num(1000 * window.quantile(0.999))
        + ",\"p99AtMost\":" + Json.num(1000 * window.quantileUpperBound(0.99))
        + ",\"p999AtMost\":" + Json.num(1000 * window.quantileUpperBound(0.999))
        + ",\"maxAtMost\":" + Json.num(1000 * window.quantileUpperBound(1.0))
        + ",\"recentMax\":" + Json.num(1000 * m.getOrDefault(name + "_max", Double.NaN)) + "}";
  }

  private static String describe(Map<String, Double> m, String name, PromHistogram window) {
    return String.format("p50 %.2f / p99 %.2f (<= %.1f) / p999 %.2f (<= %.1f) / max <= %.1f ms",
        1000 * window.quantile(0.5), 1000 * window.quantile(0.99), 1000 * window.quantileUpperBound(0.99),
        1000 * window.quantile(0.999), 1000 * window.quantileUpperBound(0.999), 1000 * window.quantileUpperBound(1.0));
  }

  /**
   * Pulse against both bare clients: throughput, RTT p99 and, the one that matters for SPEC 8, the RM's
   * CPU per heartbeat over the driver's CPU per call (at most 1.0 against the unary client is the goal).
   */
  private static String ratios(String pulse, String ping, PrintStream out) {
    double pulseRate = JsonPeek.number(pulse, "heartbeatsPerSecond");
    double pulseP99 = JsonPeek.number(pulse, "rttMillis", "p99");
    double pulseCpu = JsonPeek.number(pulse, "rmCpuSecondsPer1000Heartbeats");
    StringBuilder json = new StringBuilder("{");
    for (String client : List.of("unary", "stream")) {
      String result = ping.substring(Math.max(0, ping.indexOf("\"" + client + "\":")));
      double rate = pulseRate / JsonPeek.number(result, "callsPerSecond");
      double p99 = pulseP99 / JsonPeek.number(result, "rttMillis", "p99");
      double cpu = pulseCpu / JsonPeek.number(result, "driverCpuSecondsPer1000Calls");
      out.printf("  ratio to bare gRPC %s: throughput %.3fx, RTT p99 %.2fx, CPU per heartbeat %.2fx%n", client, rate,
          p99, cpu);
      json.append(json.length() > 1 ? "," : "").append(Json.str(client)).append(":{\"throughput\":")
          .append(Json.num(rate)).append(",\"rttP99\":").append(Json.num(p99)).append(",\"cpuPerHeartbeat\":")
          .append(Json.num(cpu)).append('}');
    }
    return json.append('}').toString();
  }

  static String bytes(long b) {
    return b >= 10_240 ? String.format("%.1f KiB", b / 1024.0) : b + " B";
  }
}
