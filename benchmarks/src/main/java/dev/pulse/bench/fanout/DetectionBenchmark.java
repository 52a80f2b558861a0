package dev.pulse.bench.fanout;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code bin/benchmark detection}: how long the production resource manager takes to declare a failed task
 * executor lost, per kind of failure, against SPEC 8's bounds, and whether any healthy one is lost too.
 *
 * <p>Design. Simulated TEs share one farm JVM, so a signal cannot hit one of them; the farm therefore fails
 * endpoints on command, and a few real task executor processes ({@code TaskExecutorMain}) take the signals:
 * <ul>
 *   <li>{@code refuse} (farm): the endpoint's gRPC server is closed; its connection is reset and new ones are
 *       refused, what a crashed process looks like from the RM. Bound: threshold x interval + one interval.
 *   <li>{@code hang} (farm): the endpoint accepts calls and never answers, the TCP connection staying up: a TE
 *       whose main thread is stuck, or a partition that keeps the connection. Bound: timeout + one interval.
 *   <li>{@code sigkill} (real TE): SIGKILL; the kernel resets its connections. Bound as {@code refuse}.
 *   <li>{@code sigstop} (real TE): SIGSTOP; the kernel still accepts and buffers, nobody answers. Bound as
 *       {@code hang}.
 * </ul>
 * Each fault is injected at a random moment (uniform over a window of several intervals, so at a random
 * phase of the heartbeat cycle). Fault time is taken where the fault happens (the farm's acknowledgement,
 * or right after the signal); loss time is the {@code time} of the RM's {@code TASK_EXECUTOR_LOST} event.
 * Both are wall-clock milliseconds on the same machine. Every other loss is a false loss.
 */
final class DetectionBenchmark {

  record Options(int taskExecutors, int faults, int realTaskExecutors, Duration interval, Duration timeout,
      int threshold, int basePort, String farmHeap, long seed, Path json, Path png, Map<String, String> rmSettings) {}

  private static final Pattern EVENT = Pattern.compile(
      "\\{\"seq\":(\\d+),\"time\":(\\d+),\"type\":\"(\\w+)\",\"taskExecutorId\":(?:\"([^\"]*)\"|null)");

  private DetectionBenchmark() {}

  static Options options(Args a) {
    return new Options(a.getInt("task-executors", 1000), a.getInt("faults", 5), a.getInt("real-task-executors", 4),
        a.duration("interval", "1s"), a.duration("timeout", "5s"), a.getInt("threshold", 2),
        a.getInt("base-port", 21000), a.get("farm-heap", "4g"), Long.parseLong(a.get("seed", "1")),
        Path.of(a.get("json", "detection.json")),
        Path.of(a.get("png", a.get("json", "detection.json").replaceAll("\\.json$", "") + ".png")),
        FanoutBenchmark.keyValues(a.get("rm-settings", "")));
  }

  static String run(Options o, PrintStream out) throws Exception {
    out.printf("detection: %d simulated + %d real task executors, %d faults per farm kind, interval %s, timeout %s,"
            + " threshold %d, load %s%n", o.taskExecutors(), o.realTaskExecutors(), o.faults(), Args.format(o.interval()),
        Args.format(o.timeout()), o.threshold(), Load.average());
    double interval = o.interval().toMillis() / 1000.0;
    Map<String, Double> bound = new LinkedHashMap<>();
    bound.put("refuse", o.threshold() * interval + interval);
    bound.put("hang", o.timeout().toMillis() / 1000.0 + interval);
    bound.put("sigkill", bound.get("refuse"));
    bound.put("sigstop", bound.get("hang"));
    Map<String, String> settings = new LinkedHashMap<>();
    settings.put("heartbeat.interval", o.interval().toMillis() + " ms");
    settings.put("heartbeat.timeout", o.timeout().toMillis() + " ms");
    settings.put("heartbeat.rpc-failure-threshold", Integer.toString(o.threshold()));
    List<ChildJvm> realTes = new ArrayList<>();
    Farms farms = null;
    Map<String, String> kindOf = new HashMap<>();      // faulted TE id -> fault kind
    Map<String, Long> faultAt = new HashMap<>();       // faulted TE id -> epoch millis
    Map<String, long[]> lossAt = new HashMap<>();      // TE id -> loss epoch millis
    Map<String, String> rmSettings = new LinkedHashMap<>(settings);
    rmSettings.putAll(o.rmSettings());
    try (RmProcess rm = RmProcess.start(rmSettings, List.of("-Xmx1g"))) {
      String[] rmHostPort = rm.rpcAddress().split(":");
      for (int r = 0; r < o.realTaskExecutors(); r++) {
        List<String> args = new ArrayList<>();
        settings.forEach((k, v) -> args.add("-D" + k + "=" + v));
        args.addAll(List.of("-Dtaskexecutor.resource-id=real-te-" + r, "-Dtaskexecutor.rpc.port=0",
            "-Dresourcemanager.rpc.address=" + rmHostPort[0], "-Dresourcemanager.rpc.port=" + rmHostPort[1]));
        realTes.add(ChildJvm.start("real-te-" + r, List.of("-Xmx128m", "-XX:TieredStopAtLevel=1"),
            "dev.pulse.te.server.TaskExecutorMain", args));
      }
      farms = Farms.start("te-farm", o.taskExecutors(), List.of("-Xmx" + o.farmHeap(),
              "-Dlogback.configurationFile=dev/pulse/bench/rpc/logback-quiet.xml"),
          List.of("--mode", "pulse", "--rm", rm.rpcAddress(), "--base-port", Integer.toString(o.basePort()),
              "--timeout", o.timeout().toMillis() + "ms"), line -> {
            if (line.startsWith("FAULT ")) {
              String[] f = line.split(" ");
              synchronized (faultAt) {
                faultAt.put(Endpoints.resourceId(Integer.parseInt(f[2])), Long.parseLong(f[3]));
              }
            }
          });
      out.println("  farm ready");
      int expected = o.taskExecutors() + o.realTaskExecutors();
      long deadline = System.currentTimeMillis() + 60_000;
      while (rm.metrics().getOrDefault("pulse_task_executors_registered", 0.0) < expected) {
        if (System.currentTimeMillis() > deadline) {
          throw new IllegalStateException("not all " + expected + " task executors registered within 60 s");
        }
        Thread.sleep(200);
      }
      out.printf("  all %d registered; settling for 3 intervals%n", expected);
      Thread.sleep(3 * o.interval().toMillis());

      // Plan: which TE gets which fault, and when (random offsets over a window of 10 intervals).
      Random random = new Random(o.seed());
      long window = 10 * o.interval().toMillis();
      List<Object[]> plan = new ArrayList<>();   // {offsetMillis, kind, target}
      List<Integer> victims = new ArrayList<>();
      while (victims.size() < Math.min(2 * o.faults(), o.taskExecutors())) {
        int v = random.nextInt(o.taskExecutors());
        if (!victims.contains(v)) {
          victims.add(v);
        }
      }
      for (int k = 0; k < victims.size(); k++) {
        plan.add(new Object[] {(long) random.nextInt((int) window), k % 2 == 0 ? "refuse" : "hang", victims.get(k)});
      }
      for (int r = 0; r < realTes.size(); r++) {
        plan.add(new Object[] {(long) random.nextInt((int) window), r % 2 == 0 ? "sigkill" : "sigstop", r});
      }
      plan.sort((x, y) -> Long.compare((Long) x[0], (Long) y[0]));
      long start = System.currentTimeMillis();
      long[] seq = {0};
      for (Object[] step : plan) {
        long due = start + (Long) step[0];
        while (System.currentTimeMillis() < due) {
          pollEvents(rm, seq, lossAt);
          Thread.sleep(Math.max(1, Math.min(50, due - System.currentTimeMillis())));
        }
        String kind = (String) step[1];
        int target = (Integer) step[2];
        if (kind.equals("refuse") || kind.equals("hang")) {
          kindOf.put(Endpoints.resourceId(target), kind);
          farms.send(kind, target);
        } else {
          ChildJvm te = realTes.get(target);
          String id = "real-te-" + target;
          kindOf.put(id, kind);
          if (kind.equals("sigkill")) {
            te.kill();   // Process.destroyForcibly: SIGKILL on Linux
          } else {
            new ProcessBuilder("kill", "-STOP", Long.toString(te.pid())).start().waitFor();
          }
          synchronized (faultAt) {
            faultAt.put(id, System.currentTimeMillis());
          }
        }
      }
      double maxBound = bound.values().stream().mapToDouble(Double::doubleValue).max().orElse(0);
      long end = System.currentTimeMillis() + (long) (2 * maxBound * 1000) + 5_000;
      while (System.currentTimeMillis() < end && !lossAt.keySet().containsAll(kindOf.keySet())) {
        pollEvents(rm, seq, lossAt);
        Thread.sleep(100);
      }
      // One more timeout of watching the survivors for false losses.
      long watchEnd = System.currentTimeMillis() + o.timeout().toMillis();
      while (System.currentTimeMillis() < watchEnd) {
        pollEvents(rm, seq, lossAt);
        Thread.sleep(200);
      }
    } finally {
      if (farms != null) {
        farms.close();
      }
      for (ChildJvm te : realTes) {
        new ProcessBuilder("kill", "-CONT", Long.toString(te.pid())).start().waitFor();
        te.kill();
      }
    }

    Map<String, double[]> latencies = new LinkedHashMap<>();
    StringBuilder kinds = new StringBuilder();
    int undetected = 0;
    for (String kind : bound.keySet()) {
      List<Double> l = new ArrayList<>();
      for (Map.Entry<String, String> e : kindOf.entrySet()) {
        if (e.getValue().equals(kind)) {
          if (lossAt.containsKey(e.getKey()) && faultAt.containsKey(e.getKey())) {
            l.add((lossAt.get(e.getKey())[0] - faultAt.get(e.getKey())) / 1000.0);
          } else {
            undetected++;
          }
        }
      }
      double[] sorted = l.stream().mapToDouble(Double::doubleValue).sorted().toArray();
      latencies.put(kind, sorted);
      long within = l.stream().filter(x -> x <= bound.get(kind)).count();
      out.printf("  %-8s n=%d  latency s: min %.2f  median %.2f  max %.2f  bound %.2f  within bound %d/%d%n", kind,
          sorted.length, at(sorted, 0), at(sorted, 0.5), at(sorted, 1), bound.get(kind), within, sorted.length);
      kinds.append(kinds.length() == 0 ? "" : ",").append(Json.str(kind)).append(":{\"boundSeconds\":")
          .append(Json.num(bound.get(kind))).append(",\"latenciesSeconds\":[");
      for (int i = 0; i < sorted.length; i++) {
        kinds.append(i == 0 ? "" : ",").append(Json.num(sorted[i]));
      }
      kinds.append("],\"withinBound\":").append(within).append('}');
    }
    long falseLosses = lossAt.keySet().stream().filter(id -> !kindOf.containsKey(id)).count();
    out.printf("  undetected faults: %d, false losses among the %d others: %d, load %s%n", undetected,
        o.taskExecutors() + o.realTaskExecutors() - kindOf.size(), falseLosses, Load.average());
    String json = "{\"benchmark\":\"detection\",\"taskExecutors\":" + o.taskExecutors() + ",\"realTaskExecutors\":"
        + o.realTaskExecutors() + ",\"intervalMillis\":" + o.interval().toMillis() + ",\"timeoutMillis\":"
        + o.timeout().toMillis() + ",\"threshold\":" + o.threshold() + ",\"loadAverageAtEnd\":" + Json.str(Load.average())
        + ",\"kinds\":{" + kinds + "},\"undetected\":" + undetected + ",\"falseLosses\":" + falseLosses + "}";
    Files.writeString(o.json(), json + "\n");
    Charts.detection(latencies, bound, "Detection latency, " + o.taskExecutors() + " TEs, interval "
        + o.interval().toMillis() + " ms, timeout " + o.timeout().toMillis() + " ms", o.png());
    out.println("  wrote " + o.json() + " and " + o.png());
    return json;
  }

  private static double at(double[] sorted, double q) {
    return sorted.length == 0 ? Double.NaN : sorted[(int) Math.round(q * (sorted.length - 1))];
  }

  /** Reads new events; records the first TASK_EXECUTOR_LOST time per task executor. */
  private static void pollEvents(RmProcess rm, long[] seq, Map<String, long[]> lossAt) throws Exception {
    while (true) {
      String page = rm.get("/v1/events?after=" + seq[0]);
      Matcher m = EVENT.matcher(page);
      int n = 0;
      while (m.find()) {
        n++;
        seq[0] = Math.max(seq[0], Long.parseLong(m.group(1)));
        if (m.group(3).equals("TASK_EXECUTOR_LOST") && m.group(4) != null) {
          lossAt.putIfAbsent(m.group(4), new long[] {Long.parseLong(m.group(2))});
        }
      }
      if (n < 1000) {
        return;
      }
    }
  }
}
