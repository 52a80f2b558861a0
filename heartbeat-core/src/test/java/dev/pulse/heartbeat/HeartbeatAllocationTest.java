package dev.pulse.heartbeat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.pulse.heartbeat.time.ManualMainThreadExecutor;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/**
 * SPEC 2 point 10: receiving a heartbeat allocates nothing, and neither does asking a target whose
 * transport completes synchronously. Counted with the JVM's per-thread allocation counter, which is
 * exact for the calling thread; a single allocation per heartbeat (16 bytes or more) over 100,000
 * heartbeats would show as 1.6 MB, far above the tolerance for the counter's own noise.
 */
class HeartbeatAllocationTest {

  private static final int TARGETS = 1_000;
  private static final int ROUNDS = 100;
  private static final Object PAYLOAD = new Object();
  private static final CompletableFuture<Void> DONE = CompletableFuture.completedFuture(null);

  @Test
  void fullIntervals_allocateNothingPerHeartbeat() {
    com.sun.management.ThreadMXBean threads = threadBean();
    ManualMainThreadExecutor main = new ManualMainThreadExecutor();
    HeartbeatManager<Object, Object> sender = HeartbeatServices.of(
        HeartbeatConfig.of(Duration.ofSeconds(10), Duration.ofSeconds(50)).withSpread(false))
        .createHeartbeatManagerSender(ResourceId.of("rm"), new QuietListener(), main);
    ResourceId[] ids = new ResourceId[TARGETS];
    HeartbeatTarget<Object> target = new HeartbeatTarget<>() {
      @Override
      public CompletableFuture<Void> receiveHeartbeat(ResourceId origin, Object payload) {
        return DONE;
      }

      @Override
      public CompletableFuture<Void> requestHeartbeat(ResourceId origin, Object payload) {
        return DONE;
      }
    };
    for (int i = 0; i < TARGETS; i++) {
      ids[i] = ResourceId.of("te-" + i);
      sender.monitorTarget(ids[i], target);
    }
    Duration interval = Duration.ofSeconds(10);
    // Warm up so that class loading and JIT compilation are out of the measurement.
    runIntervals(main, sender, ids, interval, ROUNDS);

    long heartbeats = (long) ROUNDS * TARGETS;
    long before = threads.getThreadAllocatedBytes(Thread.currentThread().getId());
    for (int r = 0; r < ROUNDS; r++) {
      for (ResourceId id : ids) {
        sender.receiveHeartbeat(id, PAYLOAD);
      }
    }
    long receiving = threads.getThreadAllocatedBytes(Thread.currentThread().getId()) - before;
    assertThat((double) receiving / heartbeats).as("bytes allocated per received heartbeat").isLessThan(0.1);

    before = threads.getThreadAllocatedBytes(Thread.currentThread().getId());
    runIntervals(main, sender, ids, interval, ROUNDS);
    long fullIntervals = threads.getThreadAllocatedBytes(Thread.currentThread().getId()) - before;
    // Per interval the timer itself allocates a few objects (one scheduled task); per heartbeat nothing.
    assertThat((double) fullIntervals / heartbeats).as("bytes allocated per request + heartbeat").isLessThan(1.0);
    assertThat(sender.stats().targetsTimedOut()).isZero();
    // One extra round: the phase at the start, when the targets were monitored.
    assertThat(sender.stats().requestsSent()).isEqualTo((2L * ROUNDS + 1) * TARGETS);
  }

  /**
   * The production path: targets answer later, through their {@link HeartbeatAnswer}, as a transport
   * thread would; the main thread applies the answers in batches (here 10 per batch). Neither asking,
   * answering nor applying allocates per heartbeat.
   */
  @Test
  void answersThroughTheHandle_allocateNothingPerHeartbeat() {
    com.sun.management.ThreadMXBean threads = threadBean();
    ManualMainThreadExecutor main = new ManualMainThreadExecutor();
    QuietListener listener = new QuietListener();
    HeartbeatManager<Object, Object> sender = HeartbeatServices.of(
        HeartbeatConfig.of(Duration.ofSeconds(10), Duration.ofSeconds(50)).withSpread(false))
        .createHeartbeatManagerSender(ResourceId.of("rm"), listener, main);
    main.runPending();
    @SuppressWarnings("unchecked")
    HeartbeatAnswer<Object>[] answers = new HeartbeatAnswer[TARGETS];
    for (int i = 0; i < TARGETS; i++) {
      int index = i;
      sender.monitorTarget(ResourceId.of("te-" + i), new AnsweringHeartbeatTarget<Object, Object>() {
        @Override
        public void requestHeartbeat(ResourceId origin, Object payload, HeartbeatAnswer<Object> answer) {
          answers[index] = answer;
        }

        @Override
        public CompletableFuture<Void> requestHeartbeat(ResourceId origin, Object payload) {
          throw new AssertionError("the sender asks through the answer handle");
        }

        @Override
        public CompletableFuture<Void> receiveHeartbeat(ResourceId origin, Object payload) {
          throw new AssertionError("a sender only requests heartbeats");
        }
      });
    }
    Duration interval = Duration.ofSeconds(10);
    Runnable rounds = () -> {
      for (int r = 0; r < ROUNDS; r++) {
        main.advance(interval);
        for (int i = 0; i < TARGETS; i++) {
          answers[i].heartbeat(PAYLOAD);
          if (i % 10 == 9) {
            main.runPending();
          }
        }
      }
    };
    rounds.run(); // warm-up

    long before = threads.getThreadAllocatedBytes(Thread.currentThread().getId());
    rounds.run();
    long allocated = threads.getThreadAllocatedBytes(Thread.currentThread().getId()) - before;

    long heartbeats = (long) ROUNDS * TARGETS;
    assertThat((double) allocated / heartbeats).as("bytes allocated per request + answer").isLessThan(1.0);
    assertThat(listener.payloads).isEqualTo(2 * heartbeats);
    assertThat(sender.stats().rpcSuccesses()).isEqualTo(2 * heartbeats);
    assertThat(sender.stats().targetsTimedOut()).isZero();
  }

  private static void runIntervals(ManualMainThreadExecutor main, HeartbeatManager<Object, Object> sender,
      ResourceId[] ids, Duration interval, int rounds) {
    for (int r = 0; r < rounds; r++) {
      main.advance(interval);
      for (ResourceId id : ids) {
        sender.receiveHeartbeat(id, PAYLOAD);
      }
    }
  }

  private static com.sun.management.ThreadMXBean threadBean() {
    var bean = ManagementFactory.getThreadMXBean();
    assumeTrue(bean instanceof com.sun.management.ThreadMXBean, "JVM without per-thread allocation counters");
    var threads = (com.sun.management.ThreadMXBean) bean;
    assumeTrue(threads.isThreadAllocatedMemorySupported() && threads.isThreadAllocatedMemoryEnabled(),
        "per-thread allocation counters are off");
    return threads;
  }

  /** Allocation-free listener. */
  private static final class QuietListener implements HeartbeatListener<Object, Object> {
    long payloads;

    @Override
    public void notifyHeartbeatTimeout(ResourceId resourceId) {}

    @Override
    public void notifyTargetUnreachable(ResourceId resourceId) {}

    @Override
    public void reportPayload(ResourceId resourceId, Object payload) {
      payloads++;
    }

    @Override
    public Object retrievePayload(ResourceId resourceId) {
      return PAYLOAD;
    }
  }
}
