package dev.pulse.bench.store;

import dev.pulse.heartbeat.HeartbeatConfig;
import dev.pulse.heartbeat.HeartbeatMetrics;
import dev.pulse.heartbeat.HeartbeatTarget;
import dev.pulse.heartbeat.ResourceId;
import dev.pulse.rm.Allocation;
import dev.pulse.rm.FencingToken;
import dev.pulse.rm.LossReason;
import dev.pulse.rm.RegistrationResult;
import dev.pulse.rm.ReportedSlot;
import dev.pulse.rm.ResourceManager;
import dev.pulse.rm.SlotReport;
import dev.pulse.rm.TaskExecutorConnection;
import dev.pulse.rm.TaskExecutorConnector;
import dev.pulse.rm.TaskExecutorRegistration;
import dev.pulse.rm.store.MemoryRegistryStore;
import dev.pulse.rm.store.RegistryStore;
import dev.pulse.rm.store.SqliteRegistryStore;
import dev.pulse.rm.store.StoreConfig;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Stream;

/**
 * Heartbeat tick lag of the resource manager while its store is busy (issue 11: "no heartbeat tick lag
 * increase beyond 1 ms p99 while the store is busy").
 *
 * <p>Builds the {@link ResourceManager} facade in-process with task executors that answer at once in
 * memory (heartbeats with their slot report, slot requests and frees completed on the spot), registers N
 * of them (default 1,000, 4 slots each; heartbeat interval 100 ms, timeout 10 s) and records every tick
 * lag the heartbeat sender reports through {@link HeartbeatMetrics#onTick}. Two runs of the same length in
 * one process: (a) the in-memory store, (b) SQLite with {@code sync: normal} in a temporary directory. In
 * each, one load thread churns allocations through the facade at a target rate: at each paced moment it
 * calls {@code allocateSlots(job, 1)}, and the release follows when the allocation is acknowledged; an
 * <em>allocation change</em> is one acknowledged allocate or release (at most 1,000 allocations in flight).
 * Only ticks and changes after the warm-up count.
 *
 * <p>Usage: {@code TickLagUnderStoreLoad [--task-executors 1000] [--rate 2000] [--duration 20s]
 * [--warmup 5s]}. Exit 0 when it ran.
 */
public final class TickLagUnderStoreLoad {

  private static final int SLOTS = 4;
  private static final int MAX_IN_FLIGHT = 1_000;
  /** Below the default bound on registrations in progress (resourcemanager.registration.max-in-progress). */
  private static final int REGISTRATION_WAVE = 100;
  private static final HeartbeatConfig HEARTBEATS = HeartbeatConfig.of(Duration.ofMillis(100), Duration.ofSeconds(10));

  private TickLagUnderStoreLoad() {}

  public static void main(String[] args) throws Exception {
    int taskExecutors = 1_000;
    int rate = 2_000;
    Duration duration = Duration.ofSeconds(20);
    Duration warmup = Duration.ofSeconds(5);
    for (int i = 0; i + 1 < args.length; i += 2) {
      switch (args[i]) {
        case "--task-executors" -> taskExecutors = Integer.parseInt(args[i + 1]);
        case "--rate" -> rate = Integer.parseInt(args[i + 1]);
        case "--duration" -> duration = Duration.parse("PT" + args[i + 1].toUpperCase());
        case "--warmup" -> warmup = Duration.parse("PT" + args[i + 1].toUpperCase());
        default -> throw new IllegalArgumentException("unknown option " + args[i]);
      }
    }
    PrintStream out = System.out;
    out.printf("%,d task executors x %d slots, heartbeat interval %d ms, target %,d allocation changes/s, "
        + "%s per run after %s warm-up%n", taskExecutors, SLOTS, HEARTBEATS.interval().toMillis(), rate,
        duration, warmup);
    out.printf("%-16s %8s %10s %10s %10s %14s%n", "store", "ticks", "p50 ms", "p99 ms", "max ms", "changes/s");
    Result memory;
    try (RegistryStore store = new MemoryRegistryStore()) {
      memory = run(store, taskExecutors, rate, duration, warmup);
    }
    out.printf("%-16s %s%n", "memory", memory);
    Path dir = Files.createTempDirectory("pulse-ticklag");
    Result sqlite;
    try {
      try (RegistryStore store = SqliteRegistryStore.lock(dir, StoreConfig.Sync.NORMAL)) {
        sqlite = run(store, taskExecutors, rate, duration, warmup);
      }
    } finally {
      delete(dir);
    }
    out.printf("%-16s %s%n", "sqlite normal", sqlite);
    out.printf("p99 tick lag, sqlite - memory: %+.3f ms%n", sqlite.millis(0.99) - memory.millis(0.99));
  }

  private static Result run(RegistryStore store, int taskExecutors, int rate, Duration duration, Duration warmup)
      throws InterruptedException {
    TickRecorder ticks = new TickRecorder();
    try (ResourceManager rm = ResourceManager.builder()
        .heartbeatConfig(HEARTBEATS)
        .connector(new InstantTaskExecutors())
        .store(store)
        .heartbeatMetrics(ticks)
        .build()
        .start()) {
      register(rm, taskExecutors);
      Load load = new Load(rm, rate);
      Thread thread = new Thread(load, "ticklag-load");
      thread.start();
      Thread.sleep(warmup.toMillis());
      ticks.recording = true;
      long changesBefore = load.changes.get();
      long start = System.nanoTime();
      Thread.sleep(duration.toMillis());
      ticks.recording = false;
      double seconds = (System.nanoTime() - start) / 1e9;
      long changes = load.changes.get() - changesBefore;
      load.running = false;
      thread.join();
      load.drain();
      return new Result(ticks.sorted(), changes / seconds, load.failures.get());
    }
  }

  /** Registers in waves below the resource manager's bound on registrations in progress. */
  private static void register(ResourceManager rm, int taskExecutors) {
    for (int wave = 0; wave < taskExecutors; wave += REGISTRATION_WAVE) {
      List<CompletableFuture<Void>> confirmed = new ArrayList<>();
      for (int i = wave; i < Math.min(taskExecutors, wave + REGISTRATION_WAVE); i++) {
        String id = "te-" + i;
        TaskExecutorRegistration registration = new TaskExecutorRegistration(id, id + "-1",
            "127.0.0.1:" + (7000 + i % 1000), SLOTS, SlotReport.allFree(SLOTS));
        confirmed.add(rm.registerTaskExecutor(registration)
            .thenCompose((RegistrationResult r) -> rm.reportSlots(id, r.registrationId(), SlotReport.allFree(SLOTS))));
      }
      CompletableFuture.allOf(confirmed.toArray(CompletableFuture[]::new)).join();
    }
  }

  /** Every tick lag reported while {@link #recording}; called on the main thread only, read after the run. */
  private static final class TickRecorder implements HeartbeatMetrics {
    private final long[] lags = new long[1 << 20];
    private final AtomicInteger count = new AtomicInteger();
    volatile boolean recording;

    @Override
    public void onTick(long lagNanos) {
      if (recording) {
        int i = count.getAndIncrement();
        if (i < lags.length) {
          lags[i] = lagNanos;
        }
      }
    }

    long[] sorted() {
      long[] copy = Arrays.copyOf(lags, Math.min(count.get(), lags.length));
      Arrays.sort(copy);
      return copy;
    }
  }

  /** Paced allocate-then-release churn through the facade; one thread issues, completions count. */
  private static final class Load implements Runnable {
    private final ResourceManager rm;
    private final long period;
    private final Semaphore inFlight = new Semaphore(MAX_IN_FLIGHT);
    final AtomicLong changes = new AtomicLong();
    final AtomicLong failures = new AtomicLong();
    volatile boolean running = true;

    Load(ResourceManager rm, int rate) {
      this.rm = rm;
      this.period = 1_000_000_000L / rate;
    }

    @Override
    public void run() {
      long next = System.nanoTime();
      long n = 0;
      while (running) {
        long wait = next - System.nanoTime();
        if (wait > 0) {
          LockSupport.parkNanos(wait);
          continue;
        }
        inFlight.acquireUninterruptibly();
        // An allocate now, its release one period later: two changes per two periods.
        rm.allocateSlots("job-" + (n++ % 17), 1)
            .thenCompose((List<Allocation> allocated) -> {
              changes.incrementAndGet();
              return rm.releaseAllocation(allocated.get(0).allocationId());
            })
            .whenComplete((ignored, failure) -> {
              if (failure != null) {
                failures.incrementAndGet();
              } else {
                changes.incrementAndGet();
              }
              inFlight.release();
            });
        next += 2 * period;
      }
    }

    void drain() {
      inFlight.acquireUninterruptibly(MAX_IN_FLIGHT);
    }
  }

  /** Instant in-memory task executors: each keeps a slot table and answers every call at once. */
  private static final class InstantTaskExecutors implements TaskExecutorConnector {
    @Override
    public TaskExecutorConnection connect(TaskExecutorRegistration registration, FencingToken fencing,
        HeartbeatReceiver heartbeatReceiver) {
      return new Instant(registration.slots(), heartbeatReceiver);
    }
  }

  /** One instant task executor; called on the resource manager's main thread. */
  private static final class Instant implements TaskExecutorConnection {
    private final String[] allocations;
    private final String[] jobs;
    private final TaskExecutorConnector.HeartbeatReceiver receiver;

    Instant(int slots, TaskExecutorConnector.HeartbeatReceiver receiver) {
      this.allocations = new String[slots];
      this.jobs = new String[slots];
      this.receiver = receiver;
    }

    private SlotReport report() {
      List<ReportedSlot> slots = new ArrayList<>(allocations.length);
      for (int i = 0; i < allocations.length; i++) {
        slots.add(new ReportedSlot(i, allocations[i], jobs[i]));
      }
      return new SlotReport(slots);
    }

    @Override
    public HeartbeatTarget<Void> heartbeatTarget() {
      return new HeartbeatTarget<>() {
        @Override
        public CompletableFuture<Void> receiveHeartbeat(ResourceId origin, Void payload) {
          return CompletableFuture.completedFuture(null);
        }

        @Override
        public CompletableFuture<Void> requestHeartbeat(ResourceId origin, Void payload) {
          receiver.heartbeatFrom(report());
          return CompletableFuture.completedFuture(null);
        }
      };
    }

    @Override
    public CompletableFuture<Void> requestSlot(int slotIndex, String allocationId, String jobId) {
      allocations[slotIndex] = allocationId;
      jobs[slotIndex] = jobId;
      return CompletableFuture.completedFuture(null);
    }

    @Override
    public CompletableFuture<Void> freeSlot(String allocationId, String cause) {
      for (int i = 0; i < allocations.length; i++) {
        if (allocationId.equals(allocations[i])) {
          allocations[i] = null;
          jobs[i] = null;
        }
      }
      return CompletableFuture.completedFuture(null);
    }

    @Override
    public CompletableFuture<Void> disconnect(LossReason reason, String cause) {
      return CompletableFuture.completedFuture(null);
    }

    @Override
    public void close() {}
  }

  /** One run: sorted tick lags, allocation changes acknowledged per second, failed churn rounds. */
  private record Result(long[] lags, double changesPerSecond, long failures) {
    double millis(double quantile) {
      return lags.length == 0 ? Double.NaN
          : lags[Math.min(lags.length - 1, Math.max(0, (int) Math.ceil(quantile * lags.length) - 1))] / 1e6;
    }

    @Override
    public String toString() {
      return String.format("%8d %10.3f %10.3f %10.3f %,14.0f%s", lags.length, millis(0.50), millis(0.99),
          lags.length == 0 ? Double.NaN : lags[lags.length - 1] / 1e6, changesPerSecond,
          failures == 0 ? "" : "  (" + failures + " failed)");
    }
  }

  private static void delete(Path root) {
    try (Stream<Path> files = Files.walk(root)) {
      files.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
