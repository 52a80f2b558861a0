package dev.pulse.bench.fanout;

import java.io.PrintStream;
import java.nio.file.Files;
import java.util.List;

/**
 * {@code bin/benchmark grpc-ping}: the transport's own limits at the same fan-out. The same farm JVM with
 * N endpoints in {@code ping} mode, and a {@link PingDriver} JVM in place of the resource manager (first its
 * slot-batched unary client, then its streaming one) that
 * calls each endpoint once per interval, spread over the interval. Both sides use heartbeat-rpc's
 * {@code RpcTransport} and {@code ChannelPool}, one channel per endpoint, the same message and deadline;
 * only the heartbeat machinery is absent, so the ratio of Pulse to this is the cost of that machinery
 * at this fan-out on this machine.
 */
final class GrpcPingBenchmark {

  private GrpcPingBenchmark() {}

  /**
   * Runs the slot-batched unary client and then the streaming one against the same farm, and returns
   * {@code {"unary": ..., "stream": ...}}, each the driver's JSON result.
   */
  static String run(FanoutBenchmark.Options o, PrintStream out) throws Exception {
    out.printf("grpc-ping: %d endpoints, interval %s, warm-up %s, duration %s, load %s%n", o.taskExecutors(),
        Args.format(o.interval()), Args.format(warmup(o)), Args.format(o.duration()), Load.average());
    String net = Integer.toString(Endpoints.PING_NET);
    try (Farms farm = Farms.start("ping-farm", o.taskExecutors(), FanoutBenchmark.farmJvm(o),
        List.of("--mode", "ping", "--net", net, "--base-port", Integer.toString(o.basePort())), line -> {})) {
      String stream = drive("stream", o, net, out);
      String unary = drive("unary", o, net, out);
      return "{\"unary\":" + unary + ",\"stream\":" + stream + "}";
    }
  }

  private static String drive(String client, FanoutBenchmark.Options o, String net, PrintStream out) throws Exception {
    try (ChildJvm driver = startDriver(client, o, net, "--warmup", warmup(o).toMillis() + "ms")) {
      long waitMillis = warmup(o).toMillis() + o.duration().toMillis() + 120_000L + 20L * o.taskExecutors();
      return result(client, driver, waitMillis, out);
    }
  }

  private static ChildJvm startDriver(String client, FanoutBenchmark.Options o, String net, String... window)
      throws Exception {
    List<String> args = new java.util.ArrayList<>(List.of("--client", client, "--count",
        Integer.toString(o.taskExecutors()), "--net", net, "--base-port", Integer.toString(o.basePort()),
        "--interval", o.interval().toMillis() + "ms", "--duration", o.duration().toMillis() + "ms"));
    args.addAll(List.of(window));
    return ChildJvm.start("ping-driver-" + client, List.of("-Xmx" + o.rmHeap(), "-Xms" + o.rmHeap(),
        "-Dlogback.configurationFile=dev/pulse/bench/rpc/logback-quiet.xml"), PingDriver.class.getName(), args);
  }

  private static String result(String client, ChildJvm driver, long waitMillis, PrintStream out) throws Exception {
    String result = driver.awaitLine("RESULT ", waitMillis).substring("RESULT ".length());
    out.printf("  grpc-ping %s: %.0f calls/s, RTT p50 %.2f / p99 %.2f / p999 %.2f / max %.2f ms, failures %.0f,"
            + " skipped %.0f, driver CPU %.3f s/1000 calls, load %s%n", client,
        JsonPeek.number(result, "callsPerSecond"), JsonPeek.number(result, "rttMillis", "p50"),
        JsonPeek.number(result, "rttMillis", "p99"), JsonPeek.number(result, "rttMillis", "p999"),
        JsonPeek.number(result, "rttMillis", "max"), JsonPeek.number(result, "failures"),
        JsonPeek.number(result, "skippedInFlight"), JsonPeek.number(result, "driverCpuSecondsPer1000Calls"),
        Load.average());
    return result;
  }

  /**
   * Both bare clients at the same time as the resource manager, against a ping farm of their own, their
   * measured windows opening at {@code windowAt} (epoch ms) with the RM's: the three see the same machine
   * load, which on a shared machine moves more between sequential runs than the differences measured. Each
   * farm endpoint then answers two bare calls per interval (one per client). {@link #close()} ends them all.
   */
  static final class Concurrent implements AutoCloseable {
    private final Farms farm;
    private final ChildJvm unary;
    private final ChildJvm stream;
    private final FanoutBenchmark.Options o;
    private final long windowAt;

    private Concurrent(Farms farm, ChildJvm unary, ChildJvm stream, FanoutBenchmark.Options o, long windowAt) {
      this.farm = farm;
      this.unary = unary;
      this.stream = stream;
      this.o = o;
      this.windowAt = windowAt;
    }

    /**
     * Starts the ping farm and both drivers; their window opens after {@code --driver-warmup} plus time to
     * connect every channel (10 s + 5 ms per endpoint).
     */
    static Concurrent start(FanoutBenchmark.Options o, PrintStream out) throws Exception {
      String net = Integer.toString(Endpoints.PING_NET);
      Farms farm = Farms.start("ping-farm", o.taskExecutors(), FanoutBenchmark.farmJvm(o),
          List.of("--mode", "ping", "--net", net, "--base-port", Integer.toString(o.basePort())), line -> {});
      long windowAt = System.currentTimeMillis() + o.driverWarmup().toMillis() + 10_000L + 5L * o.taskExecutors();
      out.printf("grpc-ping (concurrent): %d endpoints, both clients, window in %.0f s, load %s%n",
          o.taskExecutors(), (windowAt - System.currentTimeMillis()) / 1e3, Load.average());
      ChildJvm unary = null;
      try {
        unary = startDriver("unary", o, net, "--window-at", Long.toString(windowAt));
        ChildJvm stream = startDriver("stream", o, net, "--window-at", Long.toString(windowAt));
        return new Concurrent(farm, unary, stream, o, windowAt);
      } catch (Exception e) {
        if (unary != null) {
          unary.close();
        }
        farm.close();
        throw e;
      }
    }

    /** When the drivers' measured window opens, epoch ms. */
    long windowAt() {
      return windowAt;
    }

    /** Waits for both results: {@code {"unary": ..., "stream": ...}}. */
    String results(PrintStream out) throws Exception {
      long waitMillis = o.duration().toMillis() + 120_000L;
      return "{\"unary\":" + result("unary", unary, waitMillis, out) + ",\"stream\":"
          + result("stream", stream, waitMillis, out) + "}";
    }

    @Override
    public void close() {
      unary.close();
      stream.close();
      farm.close();
    }
  }

  /**
   * The driver's warm-up: at least {@code --driver-warmup} (60 s). The resource manager's JVM has run through
   * the whole registration and its warm-up before its window opens, the driver's JVM starts fresh: with 10 s
   * on a loaded machine its JIT was still compiling the call path and the unary client fell behind for good.
   */
  static java.time.Duration warmup(FanoutBenchmark.Options o) {
    return o.warmup().compareTo(o.driverWarmup()) >= 0 ? o.warmup() : o.driverWarmup();
  }

  /** The standalone command: runs it and writes {@code --json}. */
  static void runAlone(FanoutBenchmark.Options o, PrintStream out) throws Exception {
    String result = run(o, out);
    Files.writeString(o.json(), "{\"benchmark\":\"grpc-ping\",\"taskExecutors\":" + o.taskExecutors()
        + ",\"intervalMillis\":" + o.interval().toMillis() + ",\"durationSeconds\":" + o.duration().toSeconds()
        + ",\"loadAverageAtEnd\":" + Json.str(Load.average()) + ",\"grpcPing\":" + result + "}\n");
    out.println("  wrote " + o.json());
  }
}
