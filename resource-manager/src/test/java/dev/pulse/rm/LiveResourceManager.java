package dev.pulse.rm;

import dev.pulse.config.Settings;
import dev.pulse.heartbeat.time.ScheduledMainThreadExecutor;
import dev.pulse.rm.server.ResourceManagerServer;
import java.net.URI;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * A started {@link ResourceManager} on a real main thread, with {@link FakeTaskExecutors} behind it, for
 * tests in other packages (REST, metrics) that call it from other threads as production code does.
 *
 * <p>The fakes are not thread-safe: every change to them goes through the main thread here. Heartbeats
 * run every {@link #INTERVAL_MS} ms with a long timeout, so no task executor is lost unless a test makes
 * it unreachable.
 */
public final class LiveResourceManager implements AutoCloseable {

  /**
   * Heartbeat interval, short so that heartbeats and unreachable losses happen within a test. A main thread
   * that falls this far behind (a loaded machine) logs a {@code LOCAL_PAUSE_DETECTED} event: tests that
   * count events must allow for those.
   */
  public static final long INTERVAL_MS = 100;

  private final ScheduledMainThreadExecutor main = new ScheduledMainThreadExecutor("pulse-rm-test-main");
  private final FakeTaskExecutors fakes = new FakeTaskExecutors();
  /** The server around {@link #rm}, when serving REST ({@link #servingRest}); {@code null} otherwise. */
  private final ResourceManagerServer server;
  private ResourceManager rm;

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
    server = null;
  }

  private LiveResourceManager(Settings settings) {
    server = ResourceManagerServer.builder().settings(settings).mainThread(main).connector(fakes).serveRpc(false)
        .build();
  }

  /** One served by a {@link ResourceManagerServer} with the REST API only (no gRPC), built from {@code settings}. */
  public static LiveResourceManager servingRest(Settings settings) {
    return new LiveResourceManager(settings);
  }

  public ResourceManager start() {
    if (server != null) {
      rm = server.start().resourceManager();
      return rm;
    }
    return rm.start();
  }

  /** The REST API's base URL; only {@link #servingRest} serves one. */
  public URI restUrl() {
    return server.restUrl();
  }

  public ResourceManager resourceManager() {
    return rm;
  }

  /** Registers a task executor with {@code slots} free slots, confirms the registration, and waits for both. */
  public RegistrationResult register(String id, int slots) {
    return register(id, "instance-of-" + id, slots);
  }

  /** As {@link #register(String, int)}, as process instance {@code instanceId}: a new one replaces the last. */
  public RegistrationResult register(String id, String instanceId, int slots) {
    TaskExecutorRegistration registration = FakeTaskExecutors.registration(id, instanceId, slots);
    RegistrationResult result = get(rm.registerTaskExecutor(registration));
    // As a real task executor does once it has taken the answer: confirm, so the slots are offered.
    get(rm.reportSlots(id, result.registrationId(), registration.slotReport()));
    return result;
  }

  /** The gRPC address {@link #register} gives the task executor {@code id}. */
  public static String addressOf(String id) {
    return FakeTaskExecutors.registration(id, "any", 1).address();
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

  /**
   * Occupies the main thread until the returned latch is counted down, as a stuck main thread would; the
   * resource manager answers nothing meanwhile. Returns once the main thread is held.
   */
  public CountDownLatch holdMainThread() {
    CountDownLatch release = new CountDownLatch(1);
    CountDownLatch held = new CountDownLatch(1);
    main.execute(() -> {
      held.countDown();
      try {
        release.await();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    });
    try {
      if (!held.await(10, TimeUnit.SECONDS)) {
        throw new AssertionError("the main thread did not pick up the task within 10 s");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
    return release;
  }

  /** Runs {@code action} on the main thread and waits for it. */
  public void onMain(Runnable action) {
    get(CompletableFuture.runAsync(action, main));
  }

  /** Closes the resource manager, then its main thread. */
  @Override
  public void close() {
    if (server != null) {
      server.close();
    } else {
      rm.close();
    }
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
