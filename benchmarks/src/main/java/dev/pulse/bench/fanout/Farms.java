package dev.pulse.bench.fanout;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * The {@link TaskExecutorFarm} JVMs of a run. Each farm endpoint holds two descriptors (its listening
 * socket and the accepted connection), so one farm JVM hosts at most {@link #PER_FARM} endpoints and stays
 * under an open-file limit of 20,000, the limit of the machine this was built on, where the benchmark
 * cannot raise the hard limit (no CAP_SYS_RESOURCE in its container). Larger fan-outs use several farm JVMs;
 * they share the same cores either way.
 */
final class Farms implements AutoCloseable {

  static final int PER_FARM = 5_000;

  private final List<ChildJvm> farms;
  /** {@link System#nanoTime()} when the farms were told to register (pulse mode), else when they were ready. */
  private long registrationStarted;

  private Farms(List<ChildJvm> farms) {
    this.farms = farms;
  }

  /** Starts farms for endpoints 0..n-1 with {@code args} added, and waits until each printed READY. */
  static Farms start(String name, int n, List<String> jvmOptions, List<String> args, Consumer<String> lines)
      throws Exception {
    return start(name, n, jvmOptions, args, lines, false);
  }

  /**
   * As {@link #start(String, int, List, List, Consumer)}; with {@code tolerateFailures}, task executors that gave
   * up registering (their READY line says how many) do not fail the start: the caller reports them.
   */
  static Farms start(String name, int n, List<String> jvmOptions, List<String> args, Consumer<String> lines,
      boolean tolerateFailures) throws Exception {
    List<ChildJvm> started = new ArrayList<>();
    Farms farms = new Farms(started);
    try {
      for (int first = 0; first < n; first += PER_FARM) {
        List<String> all = new ArrayList<>(args);
        all.addAll(List.of("--first", Integer.toString(first), "--count", Integer.toString(Math.min(PER_FARM, n - first))));
        ChildJvm farm = ChildJvm.start(name + "-" + started.size(), jvmOptions, TaskExecutorFarm.class.getName(), all);
        farm.onLine(lines);
        started.add(farm);
      }
      if (args.contains("pulse")) {
        // Simulated task executors: every endpoint serves first, then all farms register at once (the storm).
        for (ChildJvm farm : started) {
          farm.awaitLine("SERVING", 120_000L + 20L * PER_FARM);
        }
        started.forEach(farm -> farm.send("register"));
      }
      farms.registrationStarted = System.nanoTime();
      for (ChildJvm farm : started) {
        String ready = farm.awaitLine("READY", TaskExecutorFarm.REGISTRATION_PATIENCE.toMillis() + 60_000L);
        if (ready.contains("failed") && !tolerateFailures) {
          throw new IllegalStateException("some task executors could not register: " + ready);
        }
      }
      return farms;
    } catch (Exception e) {
      farms.close();
      throw e;
    }
  }

  /** {@link System#nanoTime()} when the simulated task executors began to register (pulse mode). */
  long registrationStarted() {
    return registrationStarted;
  }

  /** CPU time of all farm JVMs together, in nanoseconds. */
  long cpuNanos() {
    return farms.stream().mapToLong(f -> ProcStat.cpuNanos(f.pid())).sum();
  }

  /** Sends a command for endpoint {@code i} to the farm that hosts it. */
  void send(String command, int i) {
    farms.get(i / PER_FARM).send(command + " " + i);
  }

  @Override
  public void close() {
    farms.forEach(ChildJvm::close);
  }
}
