package dev.pulse.rm;

import dev.pulse.config.Settings;
import dev.pulse.heartbeat.time.ScheduledMainThreadExecutor;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * A started {@link ResourceManager} on a real main thread, with {@link FakeTaskExecutors} behind it, for
 * tests in other packages (REST, metrics) that call it from other threads as production code does.
 *
 * <p>The fakes are not thread-safe: every change to them goes through the main thread here. Heartbeats
 * run every {@link #INTERVAL_MS} ms with a long timeout, so no task executor is lost unless a test makes
 * it unreachable.
 */
public final class LiveResourceManager implements AutoCloseable {

  /** Heartbeat interval, short so that heartbeats and unreachable losses happen within a test. */
  public static final long INTERVAL_MS = 50;

  private final ScheduledMainThreadExecutor main = new ScheduledMainThreadExecutor("pulse-rm-test-main");
  private final FakeTaskExecutors fakes = new FakeTaskExecutors();
  private final ResourceManager rm;

  /**
   * @param customizer sets listeners, metrics, ids or a wall clock on the builder before it is built
   */
  public LiveResourceManager(Consumer<ResourceManager.Builder> customizer) {
    ResourceManager.Builder builder = ResourceManager.builder()
        .settings(Settings.of("heartbeat.interval", INTERVAL_MS + " ms", "heartbeat.timeout", "60 s"))
        .mainThread(main)
        .connector(fakes);
    customizer.accept(builder);
    rm = builder.build();
  }

  public ResourceManager start() {
    return rm.start();
  }

  public ResourceManager resourceManager() {
    return rm;
  }

  /** Registers a task executor with {@code slots} free slots and waits for the answer. */
  public RegistrationResult register(String id, int slots) {
    return get(rm.registerTaskExecutor(FakeTaskExecutors.registration(id, "instance-of-" + id, slots)));
  }

  /** From now on the task executor's heartbeat RPCs fail as unreachable, as if its process was gone. */
  public void makeUnreachable(String id) {
    onMain(() -> fakes.get(id).health = FakeTaskExecutors.Health.REFUSING);
  }

  /** From now on the task executor refuses slot requests. */
  public void refuseSlots(String id) {
    onMain(() -> fakes.get(id).refuseSlots = true);
  }

  /** From now on the task executor accepts slot requests but never answers them. */
  public void hangSlotRequests(String id) {
    onMain(() -> fakes.get(id).hangSlots = true);
  }

  /** Runs {@code action} on the main thread and waits for it. */
  public void onMain(Runnable action) {
    get(CompletableFuture.runAsync(action, main));
  }

  /** Evaluates {@code read} on the main thread. */
  public <T> T readOnMain(Supplier<T> read) {
    return get(CompletableFuture.supplyAsync(read, main));
  }

  /** Closes the resource manager, then its main thread. */
  @Override
  public void close() {
    rm.close();
    main.close();
  }

  private static <T> T get(CompletableFuture<T> f) {
    try {
      return f.get(10, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new AssertionError("the resource manager's main thread did not answer", e);
    }
  }
}
