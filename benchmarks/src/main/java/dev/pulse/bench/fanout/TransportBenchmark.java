package dev.pulse.bench.fanout;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code bin/benchmark transport [--transports unary,stream[,inbound_stream]]}: Pulse's heartbeat transports
 * side by side, in the same window.
 *
 * <p>Each round starts one production resource manager per transport at once
 * ({@code resourcemanager.heartbeat.transport}: {@code unary} and {@code stream} by default), each with a
 * {@link TaskExecutorFarm} of N task executors of its own (the farm serves the task executor's real
 * {@code TaskExecutorGateway} service and opens the real heartbeat stream to the resource manager when asked,
 * so every transport reaches the same code). When all have every task executor registered and a warm-up has
 * passed, one window measures all: whatever load the machine has, all see it. Per resource manager:
 * heartbeats/s, RPC failures, RTT and tick lag p99, CPU seconds per 1,000 heartbeats (user + system of the
 * whole process), and live heap per task executor (class histograms before the farm and after the window).
 * The report gives each transport's CPU per heartbeat over the first one's in every round and the median
 * over the rounds.
 */
final class TransportBenchmark {

  record Options(int taskExecutors, Duration interval, Duration timeout, Duration warmup, Duration duration,
      int rounds, int basePort, String rmHeap, String farmHeap, Path json, List<String> transports) {}

  private TransportBenchmark() {}

  static Options options(Args a) {
    int n = a.getInt("task-executors", 2000);
    return new Options(n, a.duration("interval", "1s"), a.duration("timeout", "10s"), a.duration("warmup", "20s"),
        a.duration("duration", "30s"), a.getInt("rounds", 3), a.getInt("base-port", 21000), a.get("rm-heap", "1g"),
        a.get("farm-heap", "2g"), Path.of(a.get("json", "transport-" + n + ".json")),
        List.of(a.get("transports", "unary,stream").split(",")));
  }

  static String run(Options o, PrintStream out) throws Exception {
    List<String> transports = o.transports();
    String base = transports.get(0);
    out.printf("transport: %s side by side, %d task executors each, interval %s, %d round(s) of %s"
        + " after %s warm-up, load %s%n", String.join(", ", transports), o.taskExecutors(), Args.format(o.interval()),
        o.rounds(), Args.format(o.duration()), Args.format(o.warmup()), Load.average());
    List<String> rounds = new ArrayList<>();
    Map<String, double[]> cpuRatios = new LinkedHashMap<>();
    transports.subList(1, transports.size()).forEach(t -> cpuRatios.put(t, new double[o.rounds()]));
    for (int r = 0; r < o.rounds(); r++) {
      out.printf("round %d of %d%n", r + 1, o.rounds());
      Map<String, Map<String, Double>> results = round(o, out);
      StringBuilder ratios = new StringBuilder();
      for (String t : cpuRatios.keySet()) {
        double ratio = results.get(t).get("cpuPer1000") / results.get(base).get("cpuPer1000");
        cpuRatios.get(t)[r] = ratio;
        out.printf("  round %d: RM CPU per heartbeat %s / %s = %.3f (%.0f %% less), load %s%n", r + 1, t, base, ratio,
            100 * (1 - ratio), Load.average());
        ratios.append(ratios.length() > 0 ? "," : "").append(Json.str(t + "/" + base)).append(':')
            .append(Json.num(ratio));
      }
      StringBuilder json = new StringBuilder("{\"loadAverageAtEnd\":").append(Json.str(Load.average()));
      results.forEach((transport, m) -> {
        json.append(',').append(Json.str(transport)).append(":{");
        StringBuilder fields = new StringBuilder();
        m.forEach((k, v) -> fields.append(fields.length() > 0 ? "," : "").append(Json.str(k)).append(':')
            .append(Json.num(v)));
        json.append(fields).append('}');
      });
      rounds.add(json.append(",\"cpuRatios\":{").append(ratios).append("}}").toString());
    }
    StringBuilder medians = new StringBuilder();
    for (Map.Entry<String, double[]> e : cpuRatios.entrySet()) {
      double[] sorted = e.getValue().clone();
      Arrays.sort(sorted);
      double median = sorted.length % 2 == 1 ? sorted[sorted.length / 2]
          : (sorted[sorted.length / 2 - 1] + sorted[sorted.length / 2]) / 2;
      out.printf("median RM CPU per heartbeat %s / %s over %d round(s): %.3f (%.0f %% less); rounds %s%n", e.getKey(),
          base, sorted.length, median, 100 * (1 - median), Arrays.toString(e.getValue()));
      medians.append(medians.length() > 0 ? "," : "").append(Json.str(e.getKey() + "/" + base)).append(':')
          .append(Json.num(median));
    }
    String json = "{\"benchmark\":\"transport\",\"taskExecutors\":" + o.taskExecutors()
        + ",\"intervalMillis\":" + o.interval().toMillis() + ",\"durationSeconds\":" + o.duration().toSeconds()
        + ",\"cores\":" + Runtime.getRuntime().availableProcessors()
        + ",\"medianCpuRatios\":{" + medians + "}"
        + ",\"rounds\":[" + String.join(",", rounds) + "]}";
    Files.writeString(o.json(), json + "\n");
    out.println("  wrote " + o.json());
    return json;
  }

  /** One round: both resource managers and farms up, one shared window, both measured. */
  private static Map<String, Map<String, Double>> round(Options o, PrintStream out) throws Exception {
    List<AutoCloseable> opened = new ArrayList<>();
    try {
      Map<String, RmProcess> rms = new LinkedHashMap<>();
      Map<String, ClassHistogram> before = new LinkedHashMap<>();
      for (String transport : o.transports()) {
        Map<String, String> settings = new LinkedHashMap<>();
        settings.put("heartbeat.interval", o.interval().toMillis() + " ms");
        settings.put("heartbeat.timeout", o.timeout().toMillis() + " ms");
        settings.put("resourcemanager.heartbeat.transport", transport);
        RmProcess rm = RmProcess.start(settings, List.of("-Xmx" + o.rmHeap(), "-Xms" + o.rmHeap()));
        opened.add(rm);
        rms.put(transport, rm);
        before.put(transport, rm.classHistogram());
      }
      Map<String, Farms> farms = new LinkedHashMap<>();
      int basePort = o.basePort();
      for (String transport : o.transports()) {
        long started = System.nanoTime();
        Farms farm = Farms.start("te-farm-" + transport, o.taskExecutors(),
            List.of("-Xmx" + o.farmHeap(), "-Dlogback.configurationFile=dev/pulse/bench/rpc/logback-quiet.xml"),
            List.of("--mode", "pulse", "--rm", rms.get(transport).rpcAddress(), "--base-port",
                Integer.toString(basePort), "--timeout", o.timeout().toMillis() + "ms"), line -> {
                  if (line.startsWith("READY")) {
                    out.println("  " + transport + " farm: " + line);
                  }
                });
        opened.add(farm);
        farms.put(transport, farm);
        out.printf("  %s: all registered after %.1f s%n", transport, (System.nanoTime() - started) / 1e9);
        basePort += o.taskExecutors() + 100;
      }
      Thread.sleep(o.warmup().toMillis());
      Map<String, Map<String, Double>> m0 = new LinkedHashMap<>();
      Map<String, Long> cpu0 = new LinkedHashMap<>();
      for (String transport : o.transports()) {
        m0.put(transport, rms.get(transport).metrics());
        cpu0.put(transport, rms.get(transport).cpuNanos());
      }
      long t0 = System.nanoTime();
      Thread.sleep(o.duration().toMillis());
      Map<String, Map<String, Double>> m1 = new LinkedHashMap<>();
      Map<String, Long> cpu1 = new LinkedHashMap<>();
      for (String transport : o.transports()) {
        cpu1.put(transport, rms.get(transport).cpuNanos());
        m1.put(transport, rms.get(transport).metrics());
      }
      double seconds = (System.nanoTime() - t0) / 1e9;
      Map<String, Map<String, Double>> results = new LinkedHashMap<>();
      for (String transport : o.transports()) {
        Map<String, Double> a = m0.get(transport);
        Map<String, Double> b = m1.get(transport);
        PromHistogram rtt = PromHistogram.of(b, "pulse_heartbeat_rtt_seconds")
            .minus(PromHistogram.of(a, "pulse_heartbeat_rtt_seconds"));
        PromHistogram lag = PromHistogram.of(b, "pulse_sender_tick_lag_seconds")
            .minus(PromHistogram.of(a, "pulse_sender_tick_lag_seconds"));
        double heartbeats = rtt.count();
        double cpu = (cpu1.get(transport) - cpu0.get(transport)) / 1e9;
        double registered = b.getOrDefault("pulse_task_executors_registered", (double) o.taskExecutors());
        ClassHistogram after = rms.get(transport).classHistogram();
        Map<String, Double> r = new LinkedHashMap<>();
        r.put("heartbeatsPerSecond", heartbeats / seconds);
        r.put("rpcFailures", FanoutBenchmark.sumPrefix(b, "pulse_heartbeat_rpc_failures_total")
            - FanoutBenchmark.sumPrefix(a, "pulse_heartbeat_rpc_failures_total"));
        r.put("falseLosses", FanoutBenchmark.lost(b));
        r.put("rttP50Millis", 1000 * rtt.quantile(0.5));
        r.put("rttP99Millis", 1000 * rtt.quantile(0.99));
        r.put("tickLagP99Millis", 1000 * lag.quantile(0.99));
        r.put("cpuPer1000", cpu / heartbeats * 1000);
        r.put("cpuCores", cpu / seconds);
        r.put("heapBytesPerTe", before.get(transport).isEmpty() || after.isEmpty() ? Double.NaN
            : (double) (after.totalBytes() - before.get(transport).totalBytes()) / registered);
        results.put(transport, r);
        out.printf("  %-14s %.0f hb/s, RPC failures %.0f, false losses %.0f, RTT p50 %.2f p99 %.2f ms, tick lag p99"
                + " %.2f ms, RM CPU %.4f s/1000 hb (%.2f cores), heap %.0f B/TE%n", transport,
            r.get("heartbeatsPerSecond"), r.get("rpcFailures"), r.get("falseLosses"), r.get("rttP50Millis"),
            r.get("rttP99Millis"), r.get("tickLagP99Millis"), r.get("cpuPer1000"), r.get("cpuCores"),
            r.get("heapBytesPerTe"));
      }
      return results;
    } finally {
      for (int i = opened.size() - 1; i >= 0; i--) {
        try {
          opened.get(i).close();
        } catch (Exception e) {
          out.println("  could not close " + opened.get(i) + ": " + e);
        }
      }
    }
  }
}
