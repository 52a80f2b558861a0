package dev.pulse.heartbeat;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pulse.heartbeat.time.ScheduledMainThreadExecutor;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * SPEC 2 point 1, on real threads: whatever thread a transport completes its futures on, every
 * listener callback and every request runs on the owner's main thread.
 */
class MainThreadConfinementTest {

  private final ScheduledMainThreadExecutor main = new ScheduledMainThreadExecutor("pulse-test-main");
  private final ScheduledExecutorService transport = Executors.newScheduledThreadPool(2);

  @AfterEach
  void tearDown() {
    transport.shutdownNow();
    main.close();
  }

  @Test
  void everyCallbackAndRequest_runsOnTheMainThread() throws InterruptedException {
    List<String> offMainThread = new CopyOnWriteArrayList<>();
    CountDownLatch unreachable = new CountDownLatch(1);
    CountDownLatch timedOut = new CountDownLatch(1);
    CountDownLatch payloads = new CountDownLatch(20);
    HeartbeatManager<String, String>[] sender = new HeartbeatManager[1];

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
      public void reportPayload(ResourceId id, String payload) {
        check("reportPayload");
        payloads.countDown();
      }

      @Override
      public String retrievePayload(ResourceId id) {
        check("retrievePayload");
        return "p";
      }

      private void check(String what) {
        if (!main.isInMainThread()) {
          offMainThread.add(what + " on " + Thread.currentThread().getName());
        }
      }
    };
    HeartbeatConfig config = HeartbeatConfig.of(Duration.ofMillis(20), Duration.ofMillis(400));
    main.execute(() -> {
      sender[0] = HeartbeatServices.of(config).createHeartbeatManagerSender(ResourceId.of("rm"), listener, main);
      // Answers from a transport thread, a few milliseconds later.
      sender[0].monitorTarget(ResourceId.of("healthy"), new TransportTarget(false, sender, offMainThread));
      // Fails as unreachable from a transport thread.
      sender[0].monitorTarget(ResourceId.of("refusing"), new TransportTarget(true, sender, offMainThread));
      // Never answers at all.
      sender[0].monitorTarget(ResourceId.of("silent"), new TestingHeartbeatTarget<String>().hang());
    });

    assertThat(unreachable.await(30, TimeUnit.SECONDS)).isTrue();
    assertThat(timedOut.await(30, TimeUnit.SECONDS)).isTrue();
    assertThat(payloads.await(30, TimeUnit.SECONDS)).isTrue();
    CountDownLatch drained = new CountDownLatch(1);
    main.execute(() -> {
      sender[0].stop();
      drained.countDown();
    });
    assertThat(drained.await(30, TimeUnit.SECONDS)).isTrue();
    assertThat(offMainThread).isEmpty();
  }

  private final class TransportTarget implements HeartbeatTarget<String> {
    private final boolean refuse;
    private final HeartbeatManager<String, String>[] sender;
    private final List<String> offMainThread;

    TransportTarget(boolean refuse, HeartbeatManager<String, String>[] sender, List<String> offMainThread) {
      this.refuse = refuse;
      this.sender = sender;
      this.offMainThread = offMainThread;
    }

    @Override
    public CompletableFuture<Void> receiveHeartbeat(ResourceId origin, String payload) {
      return CompletableFuture.completedFuture(null);
    }

    @Override
    public CompletableFuture<Void> requestHeartbeat(ResourceId origin, String payload) {
      if (!main.isInMainThread()) {
        offMainThread.add("requestHeartbeat on " + Thread.currentThread().getName());
      }
      CompletableFuture<Void> answer = new CompletableFuture<>();
      transport.schedule(() -> {
        if (refuse) {
          answer.completeExceptionally(new HeartbeatRpcException(RpcFailureKind.UNREACHABLE, "connection refused"));
        } else {
          main.execute(() -> sender[0].receiveHeartbeat(ResourceId.of("healthy"), "report"));
          answer.complete(null);
        }
      }, 2, TimeUnit.MILLISECONDS);
      return answer;
    }
  }
}
