package dev.pulse.bench.store;

import dev.pulse.rm.store.Mutation;
import dev.pulse.rm.store.RegistryStore;
import dev.pulse.rm.store.SqliteRegistryStore;
import dev.pulse.rm.store.StoreConfig;
import dev.pulse.rm.store.StoredAllocation;
import dev.pulse.rm.store.StoredEvent;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Comparator;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Stream;

/**
 * Write throughput and acknowledgement latency of the SQLite store (issue 11), for {@code sync: normal} and
 * {@code sync: full}.
 *
 * <p>One <em>allocation change</em> is what the resource manager writes when an allocation changes: the
 * allocation (a put, PENDING then ALLOCATED, or a remove, cycling over 1,000 ids) and the event it logs,
 * two mutations; it is acknowledged when the future of the event completed (both committed). Two runs per
 * sync mode, each on a fresh store:
 * <ul>
 *   <li><b>max</b>: one thread applies changes as fast as it can with at most 10,000 unacknowledged;
 *       changes acknowledged per second over the run.
 *   <li><b>paced</b>: changes at a fixed rate (default 2,000/s) from one thread, the way the main thread
 *       would issue them; latency from the <em>intended</em> issue time to the acknowledgement (so a
 *       stall also counts for the changes it delayed), p50 / p99 / max.
 * </ul>
 *
 * <p>Usage: {@code StoreLoadBenchmark [--duration 10s] [--rate 2000] [--dir DIR]}. Exit 0 when it ran.
 */
public final class StoreLoadBenchmark {

  private static final int IDS = 1_000;
  private static final int MAX_OUTSTANDING = 10_000;

  private StoreLoadBenchmark() {}

  public static void main(String[] args) throws Exception {
    Duration duration = Duration.ofSeconds(10);
    int rate = 2_000;
    Path base = null;
    for (int i = 0; i + 1 < args.length; i += 2) {
      switch (args[i]) {
        case "--duration" -> duration = Duration.parse("PT" + args[i + 1].toUpperCase());
        case "--rate" -> rate = Integer.parseInt(args[i + 1]);
        case "--dir" -> base = Path.of(args[i + 1]);
        default -> throw new IllegalArgumentException("unknown option " + args[i]);
      }
    }
    Path root = base != null ? Files.createDirectories(base) : Files.createTempDirectory("pulse-store-bench");
    PrintStream out = System.out;
    out.printf("SQLite store, %s per run, paced rate %,d changes/s, 1 change = allocation + event (2 mutations)%n",
        duration, rate);
    out.printf("%-7s %-6s %14s %10s %10s %10s%n", "sync", "run", "changes/s", "p50 ms", "p99 ms", "max ms");
    try {
      int run = 0;
      for (StoreConfig.Sync sync : StoreConfig.Sync.values()) {
        out.printf("%-7s %-6s %,14.0f%n", sync, "max", max(root.resolve("run-" + run++), sync, duration));
        long[] latencies = paced(root.resolve("run-" + run++), sync, duration, rate);
        out.printf("%-7s %-6s %,14d %10.3f %10.3f %10.3f%n", sync, "paced", rate, millis(latencies, 0.50),
            millis(latencies, 0.99), latencies[latencies.length - 1] / 1e6);
      }
    } finally {
      if (base == null) {
        delete(root);
      }
    }
  }

  private static double max(Path dir, StoreConfig.Sync sync, Duration duration) {
    try (RegistryStore store = SqliteRegistryStore.lock(dir, sync)) {
      store.open("bench");
      Semaphore outstanding = new Semaphore(MAX_OUTSTANDING);
      long start = System.nanoTime();
      long end = start + duration.toNanos();
      long changes = 0;
      CompletableFuture<Void> last = CompletableFuture.completedFuture(null);
      while (System.nanoTime() < end) {
        outstanding.acquireUninterruptibly();
        last = change(store, changes++).whenComplete((v, e) -> outstanding.release());
      }
      last.join();
      return changes / ((System.nanoTime() - start) / 1e9);
    }
  }

  private static long[] paced(Path dir, StoreConfig.Sync sync, Duration duration, int rate) {
    int count = (int) (duration.toNanos() * rate / 1_000_000_000L);
    long[] latencies = new long[count];
    long period = 1_000_000_000L / rate;
    try (RegistryStore store = SqliteRegistryStore.lock(dir, sync)) {
      store.open("bench");
      CompletableFuture<?>[] acks = new CompletableFuture<?>[count];
      long start = System.nanoTime();
      for (int i = 0; i < count; i++) {
        long intended = start + i * period;
        long wait = intended - System.nanoTime();
        if (wait > 0) {
          LockSupport.parkNanos(wait);
        }
        int index = i;
        acks[i] = change(store, i).whenComplete((v, e) -> latencies[index] = System.nanoTime() - intended);
      }
      CompletableFuture.allOf(acks).join();
    }
    Arrays.sort(latencies);
    return latencies;
  }

  /** The {@code n}-th allocation change; completes when it is durable. */
  private static CompletableFuture<Void> change(RegistryStore store, long n) {
    String id = "alloc-" + (n % IDS);
    long round = n / IDS;
    Mutation mutation = switch ((int) (round % 3)) {
      case 0 -> new Mutation.PutAllocation(new StoredAllocation(id, "job-" + (n % 17), "te-" + (n % 97),
          (int) (n % 4), "PENDING", n, 1, null));
      case 1 -> new Mutation.PutAllocation(new StoredAllocation(id, "job-" + (n % 17), "te-" + (n % 97),
          (int) (n % 4), "ALLOCATED", n, 1, null));
      default -> new Mutation.RemoveAllocation(id);
    };
    store.apply(mutation);
    return store.apply(new Mutation.AppendEvent(new StoredEvent(n + 1, n, "ALLOCATION_CHANGED", "te-" + (n % 97),
        id, "job-" + (n % 17), null, 0, null)));
  }

  private static double millis(long[] sorted, double quantile) {
    return sorted[Math.min(sorted.length - 1, (int) Math.ceil(quantile * sorted.length) - 1)] / 1e6;
  }

  private static void delete(Path root) {
    try (Stream<Path> files = Files.walk(root)) {
      files.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
