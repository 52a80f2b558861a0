package dev.pulse.bench.rm;

import dev.pulse.heartbeat.HeartbeatConfig;
import dev.pulse.heartbeat.HeartbeatTarget;
import dev.pulse.heartbeat.ResourceId;
import dev.pulse.rm.FencingToken;
import dev.pulse.rm.LossReason;
import dev.pulse.rm.OverloadedException;
import dev.pulse.rm.RegistrationConfig;
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
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.BenchmarkParams;

/**
 * What one task executor's registration costs the resource manager itself, without the network: the
 * {@link ResourceManager} facade on its own main thread, with task executors that answer every call at once in
 * memory (as {@code TickLagUnderStoreLoad}'s do), so that what is measured is the resource manager's own work.
 *
 * <ul>
 *   <li>{@link #registerAndConfirm}: a new task executor registers and confirms with its slot report
 *       ({@code RegisterTaskExecutor} then {@code SendSlotReport}, as the task executor does), {@value #BURST}
 *       at a time, as in a start-up storm: validation, the admission checks, the registry, the heartbeat
 *       sender's new target, the slot manager, the store write, the event, the log line, the listeners, the
 *       first reconcile. Two main-thread tasks per registration. The time per operation is the time per
 *       registration with the main thread busy, an upper bound of its main-thread cost (the caller's thread
 *       runs in parallel). {@code store}: {@code memory}, or {@code sqlite} with {@code sync: normal} in a
 *       temporary directory.
 *   <li>{@link #refusedWhileBehind}: a new task executor asks while the lag rule refuses (the resource manager
 *       is behind): what a refused attempt costs, which a storm pays for every retry.
 * </ul>
 * A fresh resource manager per iteration (heartbeat interval 60 s, so that the registered task executors'
 * heartbeats cost next to nothing), so each iteration registers into a registry that grows from empty.
 *
 * <p>Run: {@code java -jar benchmarks/target/benchmarks.jar RegistrationBenchmark -prof gc}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 2, jvmArgsAppend = {"-Xmx2g", "-Xms2g",
    "-Dlogback.configurationFile=dev/pulse/bench/rpc/logback-quiet.xml"})
public class RegistrationBenchmark {

  /** Registrations in flight at once: below the default bound of 256 in progress. */
  static final int BURST = 100;
  private static final int SLOTS = 4;
  private static final HeartbeatConfig HEARTBEATS = HeartbeatConfig.of(Duration.ofSeconds(60), Duration.ofMinutes(10));

  @Param({"memory", "sqlite"})
  public String store;

  private ResourceManager rm;
  private RegistryStore registryStore;
  private Path dir;
  private long next;
  private final CompletableFuture<?>[] burst = new CompletableFuture<?>[BURST];

  @Setup(Level.Iteration)
  public void start(BenchmarkParams params) throws IOException {
    if (store.equals("sqlite")) {
      dir = Files.createTempDirectory("pulse-registration-bench");
      registryStore = SqliteRegistryStore.lock(dir, StoreConfig.Sync.NORMAL);
    } else {
      registryStore = new MemoryRegistryStore();
    }
    // refusedWhileBehind: the lag rule as bin/resource-manager has it, without the start-up grace; a retry hint of a
    // minute keeps it refusing after the one lag it reports. registerAndConfirm: no lag rule, so that a busy host
    // (a late main-thread timer) cannot refuse what it measures.
    Duration lagLimit = params.getBenchmark().endsWith("refusedWhileBehind")
        ? RegistrationConfig.DEFAULT_MAX_TICK_LAG : Duration.ZERO;
    rm = ResourceManager.builder()
        .heartbeatConfig(HEARTBEATS)
        .connector(new InstantTaskExecutors())
        .store(registryStore)
        .registration(new RegistrationConfig(RegistrationConfig.DEFAULT_MAX_IN_PROGRESS, lagLimit, lagLimit,
            Duration.ofMinutes(1), Duration.ZERO))
        .build()
        .start();
  }

  @TearDown(Level.Iteration)
  public void stop() {
    rm.close();
    registryStore.close();
    if (dir != null) {
      delete(dir);
      dir = null;
    }
  }

  @Benchmark
  @OperationsPerInvocation(BURST)
  public void registerAndConfirm() {
    for (int i = 0; i < BURST; i++) {
      String id = "te-" + next++;
      burst[i] = rm.registerTaskExecutor(registration(id))
          .thenCompose(r -> rm.reportSlots(id, r.registrationId(), SlotReport.allFree(SLOTS)));
    }
    CompletableFuture.allOf(burst).join();
  }

  @Benchmark
  @OperationsPerInvocation(BURST)
  public int refusedWhileBehind() {
    rm.eventLoopLag(TimeUnit.SECONDS.toNanos(1));
    for (int i = 0; i < BURST; i++) {
      burst[i] = rm.registerTaskExecutor(registration("new-" + next++));
    }
    int refused = 0;
    for (CompletableFuture<?> f : burst) {
      try {
        f.join();
      } catch (CompletionException e) {
        if (!(e.getCause() instanceof OverloadedException)) {
          throw e;
        }
        refused++;
      }
    }
    if (refused != BURST) {
      throw new IllegalStateException("expected every registration refused, " + refused + " of " + BURST + " were");
    }
    return refused;
  }

  private static TaskExecutorRegistration registration(String id) {
    return new TaskExecutorRegistration(id, id + "-1", "127.0.0.1:" + (7000 + id.length()), SLOTS,
        SlotReport.allFree(SLOTS));
  }

  private static void delete(Path root) {
    try (Stream<Path> files = Files.walk(root)) {
      files.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Task executors in memory that answer every call at once; nothing to connect to. */
  private static final class InstantTaskExecutors implements TaskExecutorConnector {
    @Override
    public TaskExecutorConnection connect(TaskExecutorRegistration registration, FencingToken fencing,
        HeartbeatReceiver heartbeatReceiver) {
      SlotReport report = SlotReport.allFree(registration.slots());
      return new TaskExecutorConnection() {
        @Override
        public HeartbeatTarget<Void> heartbeatTarget() {
          return new HeartbeatTarget<>() {
            @Override
            public CompletableFuture<Void> receiveHeartbeat(ResourceId origin, Void payload) {
              return CompletableFuture.completedFuture(null);
            }

            @Override
            public CompletableFuture<Void> requestHeartbeat(ResourceId origin, Void payload) {
              heartbeatReceiver.heartbeatFrom(report);
              return CompletableFuture.completedFuture(null);
            }
          };
        }

        @Override
        public CompletableFuture<Void> requestSlot(int slotIndex, String allocationId, String jobId) {
          return CompletableFuture.completedFuture(null);
        }

        @Override
        public CompletableFuture<Void> freeSlot(String allocationId, String cause) {
          return CompletableFuture.completedFuture(null);
        }

        @Override
        public CompletableFuture<Void> disconnect(LossReason reason, String cause) {
          return CompletableFuture.completedFuture(null);
        }

        @Override
        public void close() {}
      };
    }
  }
}
