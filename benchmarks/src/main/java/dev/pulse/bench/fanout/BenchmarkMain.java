package dev.pulse.bench.fanout;

import java.util.Arrays;

/**
 * {@code bin/benchmark fanout|grpc-ping|detection|transport [options]}: the load benchmarks. Only dispatches;
 * see {@link FanoutBenchmark}, {@link GrpcPingBenchmark}, {@link DetectionBenchmark} and
 * {@link TransportBenchmark} for what each
 * measures. Exit code 0 when the run completed (whatever the numbers), 1 when it could not run, 2 for
 * bad arguments.
 */
public final class BenchmarkMain {

  private static final String USAGE = String.join("\n",
      "usage: benchmark fanout    [--task-executors N] [--interval 1s] [--timeout 10s] [--warmup 10s] [--duration 60s]",
      "                           [--compare-grpc | --concurrent-grpc] [--driver-warmup 60s] [--json FILE] [--png FILE] [--rm-heap 2g]",
      "                           [--farm-heap 4g] [--rm-settings key=value;key=value]",
      "       benchmark grpc-ping [same options as fanout]",
      "       benchmark detection [--task-executors N] [--faults K] [--real-task-executors R] [--interval 1s]",
      "                           [--timeout 5s] [--threshold 2] [--json FILE] [--png FILE] [--rm-settings k=v;k=v]",
      "       benchmark transport [--task-executors N] [--rounds 3] [--interval 1s] [--warmup 20s] [--duration 30s]",
      "                           [--json FILE] [--rm-heap 1g] [--farm-heap 2g]",
      "                           [--transports unary,stream[,inbound_stream]] (the first is the baseline)");

  private BenchmarkMain() {}

  public static void main(String[] args) {
    if (args.length == 0 || args[0].equals("--help")) {
      System.err.println(USAGE);
      System.exit(args.length == 0 ? 2 : 0);
    }
    Args options;
    try {
      options = Args.parse(Arrays.copyOfRange(args, 1, args.length));
    } catch (IllegalArgumentException e) {
      System.err.println("benchmark: " + e.getMessage() + "\n" + USAGE);
      System.exit(2);
      return;
    }
    try {
      switch (args[0]) {
        case "fanout" -> FanoutBenchmark.run(FanoutBenchmark.options(options), System.out);
        case "grpc-ping" -> GrpcPingBenchmark.runAlone(FanoutBenchmark.options(options), System.out);
        case "detection" -> DetectionBenchmark.run(DetectionBenchmark.options(options), System.out);
        case "transport" -> TransportBenchmark.run(TransportBenchmark.options(options), System.out);
        default -> {
          System.err.println("benchmark: unknown benchmark " + args[0] + "\n" + USAGE);
          System.exit(2);
        }
      }
    } catch (Exception e) {
      System.err.println("benchmark " + args[0] + " failed: " + e);
      System.err.println("child logs: " + ChildJvm.LOG_DIR);
      System.exit(1);
    }
    System.exit(0);
  }
}
