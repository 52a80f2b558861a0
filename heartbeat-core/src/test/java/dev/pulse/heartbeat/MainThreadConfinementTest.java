package dev.pulse.heartbeat;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pulse.heartbeat.time.Cancellable;
import dev.pulse.heartbeat.time.MainThreadExecutor;
import dev.pulse.heartbeat.time.MonotonicClock;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * SPEC 2 point 1, on real threads: whatever thread a transport completes its futures on, every
 * listener callback and every request runs on the owner's main thread.
 *
 * <p>The oracle is the test's own: {@link ObservedMainThread} runs the manager's tasks and marks,
 * on its one thread and only while it runs one of them, that a main-thread task is in progress.
 * A callback is confined if it finds that mark; nothing of the code under test decides it.
 */
class MainThreadConfinementTest {

  private final ObservedMainThread main = new ObservedMainThread();
  private final ScheduledExecutorService transport = Executors.newScheduledThreadPool(2);
  /** Calls that ran off the main thread, and the names of all calls seen. */
  private final List<String> offMainThread = new CopyOnWriteArrayList<>();
  private final Set<String> seen = ConcurrentHashMap.newKeySet();

  @AfterEach
  void tearDown() throws InterruptedException {
    transport.shutdownNow();
    main.close();
  }

  @Test
  void everyCallbackAndRequest_runsOnTheMainThread() throws InterruptedException {
    CountDownLatch unreachable = new CountDownLatch(1);
    CountDownLatch restarted = new CountDownLatch(1);
    CountDownLatch timedOut = new CountDownLatch(1);
    CountDownLatch payloads = new CountDownLatch(20);
    AtomicReference<HeartbeatManager<String, String>> sender = new AtomicReference<>();

    HeartbeatListener<String, String> listener = new HeartbeatListener<>() {
      @Override
      public void notifyHeartbeatTimeout(ResourceId id) {
        check("notifyHeartbeatTimeout");
        timedOut.countDown();
      }

      @Override
      public void notifyTargetUnreachable(ResourceId id) {
        check("notifyTargetUnreachable");
        unreachable.countDown();
      }

      @Override
      public void notifyTargetRestarted(ResourceId id) {
        check("notifyTargetRestarted");
        restarted.countDown();
      }

      @Override
      public void reportPayload(ResourceId id, String payload) {
        check("reportPayload");
        payloads.countDown();
      }

      @Override
      public String retrievePayload(ResourceId id) {
        check("retrievePayload");
        return "p";
      }

    };
    HeartbeatConfig config = HeartbeatConfig.of(Duration.ofMillis(20), Duration.ofMillis(400));
    main.execute(() -> {
      sender.set(HeartbeatServices.of(config).createHeartbeatManagerSender(ResourceId.of("rm"), listener, main));
      // Answers from a transport thread, a few milliseconds later.
      sender.get().monitorTarget(ResourceId.of("healthy"), new TransportTarget(null, sender));
      // Fail from a transport thread.
      sender.get().monitorTarget(ResourceId.of("refusing"),
          new TransportTarget(RpcFailureKind.UNREACHABLE, sender));
      sender.get().monitorTarget(ResourceId.of("restarted"),
          new TransportTarget(RpcFailureKind.RESTARTED, sender));
      // Never answers at all.
      sender.get().monitorTarget(ResourceId.of("silent"), new TestingHeartbeatTarget<String>().hang());
    });

    assertThat(unreachable.await(30, TimeUnit.SECONDS)).isTrue();
    assertThat(restarted.await(30, TimeUnit.SECONDS)).isTrue();
    assertThat(timedOut.await(30, TimeUnit.SECONDS)).isTrue();
    assertThat(payloads.await(30, TimeUnit.SECONDS)).isTrue();
    CountDownLatch drained = new CountDownLatch(1);
    main.execute(() -> {
      sender.get().stop();
      drained.countDown();
    });
    assertThat(drained.await(30, TimeUnit.SECONDS)).isTrue();
    assertThat(seen).containsExactlyInAnyOrder("notifyHeartbeatTimeout", "notifyTargetUnreachable",
        "notifyTargetRestarted", "reportPayload", "retrievePayload", "requestHeartbeat");
    assertThat(offMainThread).isEmpty();
  }

  @Test
  void oracle_seesTheTransportThread_andTheTestThread_asOffTheMainThread() throws Exception {
    assertThat(main.isRunningATask()).isFalse();
    assertThat(transport.submit(main::isRunningATask).get(30, TimeUnit.SECONDS)).isFalse();
    CompletableFuture<Boolean> onMain = new CompletableFuture<>();
    main.execute(() -> onMain.complete(main.isRunningATask()));
    assertThat(onMain.get(30, TimeUnit.SECONDS)).isTrue();
  }

  /** Records the call, and whether it ran off the main thread by the test's own oracle. */
  private void check(String what) {
    seen.add(what);
    if (!main.isRunningATask()) {
      offMainThread.add(what + " on " + Thread.currentThread().getName());
    }
  }

  private final class TransportTarget implements HeartbeatTarget<String> {
    private final RpcFailureKind failure;
    private final AtomicReference<HeartbeatManager<String, String>> sender;

    /** @param failure what every request fails with, from a transport thread; {@code null} to answer */
    TransportTarget(RpcFailureKind failure, AtomicReference<HeartbeatManager<String, String>> sender) {
      this.failure = failure;
      this.sender = sender;
    }

    @Override
    public CompletableFuture<Void> receiveHeartbeat(ResourceId origin, String payload) {
      return CompletableFuture.completedFuture(null);
    }

    @Override
    public CompletableFuture<Void> requestHeartbeat(ResourceId origin, String payload) {
      check("requestHeartbeat");
      CompletableFuture<Void> answer = new CompletableFuture<>();
      transport.schedule(() -> {
        if (failure != null) {
          answer.completeExceptionally(new HeartbeatRpcException(failure, "test: " + failure));
        } else {
          main.execute(() -> sender.get().receiveHeartbeat(ResourceId.of("healthy"), "report"));
          answer.complete(null);
        }
      }, 2, TimeUnit.MILLISECONDS);
      return answer;
    }
  }

  /**
   * The test's own main thread: one platform thread running the tasks in order, which sets a
   * thread-local mark exactly while it runs one of them. The mark is the oracle; it does not rely
   * on any code of the heartbeat core.
   */
  private static final class ObservedMainThread implements MainThreadExecutor {
    private final ScheduledThreadPoolExecutor scheduler =
        new ScheduledThreadPoolExecutor(1, r -> new Thread(r, "observed-main"));
    private final ThreadLocal<Boolean> runningATask = ThreadLocal.withInitial(() -> false);
    private final MonotonicClock clock = MonotonicClock.system();

    /** Whether the calling thread is this executor's, inside one of its tasks. */
    boolean isRunningATask() {
      return runningATask.get();
    }

    @Override
    public void execute(Runnable task) {
      scheduler.execute(marked(task));
    }

    @Override
    public Cancellable schedule(Runnable task, long delayNanos) {
      var future = scheduler.schedule(marked(task), Math.max(0, delayNanos), TimeUnit.NANOSECONDS);
      return () -> future.cancel(false);
    }

    @Override
    public long nanoTime() {
      return clock.nanoTime();
    }

    private Runnable marked(Runnable task) {
      return () -> {
        runningATask.set(true);
        try {
          task.run();
        } finally {
          runningATask.set(false);
        }
      };
    }

    void close() throws InterruptedException {
      scheduler.shutdownNow();
      assertThat(scheduler.awaitTermination(30, TimeUnit.SECONDS)).isTrue();
    }
  }
}
