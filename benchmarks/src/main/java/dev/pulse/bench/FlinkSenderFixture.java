package dev.pulse.bench;

import static dev.pulse.bench.HeartbeatCoreBenchmark.ANSWERED;
import static dev.pulse.bench.HeartbeatCoreBenchmark.INTERVAL;
import static dev.pulse.bench.HeartbeatCoreBenchmark.PAYLOAD;
import static dev.pulse.bench.HeartbeatCoreBenchmark.RPC_FAILURE_THRESHOLD;
import static dev.pulse.bench.HeartbeatCoreBenchmark.TIMEOUT;
import static dev.pulse.bench.HeartbeatCoreBenchmark.check;

import dev.pulse.bench.HeartbeatCoreBenchmark.AskedTargets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.flink.runtime.clusterframework.types.ResourceID;
import org.apache.flink.runtime.heartbeat.HeartbeatListener;
import org.apache.flink.runtime.heartbeat.HeartbeatManager;
import org.apache.flink.runtime.heartbeat.HeartbeatServicesImpl;
import org.apache.flink.runtime.heartbeat.HeartbeatTarget;
import org.apache.flink.util.concurrent.NeverCompleteFuture;
import org.apache.flink.util.concurrent.ScheduledExecutorServiceAdapter;
import org.slf4j.LoggerFactory;

/**
 * Flink's side of {@link HeartbeatCoreBenchmark}: the sender that Flink 1.20's
 * {@code HeartbeatServicesImpl} creates, the one Flink's resource manager uses.
 *
 * <h2>How Flink's sender is driven</h2>
 * Flink's sender ({@code HeartbeatManagerSenderImpl}, package-private) is a {@link Runnable}: its
 * constructor schedules itself on the main-thread executor with delay 0, and each {@code run()} asks
 * every monitored target once and schedules itself again one interval later. The main-thread
 * executor given to Flink, {@link MainThread}, keeps that task instead of scheduling it, and the
 * benchmark runs it once per interval: one {@code run()} is one full round of requests. Everything
 * else Flink schedules, which is one heartbeat timeout per target, goes to a real
 * {@link ScheduledThreadPoolExecutor}: a received heartbeat cancels its target's timeout and schedules
 * a new one, which is the cost being compared. Request outcomes, which Flink hands to the main thread
 * with {@code whenCompleteAsync}, run directly on the calling thread.
 *
 * <h2>The timer</h2>
 * The timer removes cancelled tasks at once, so its queue holds exactly one timeout per target. With
 * the JDK's default (cancelled tasks stay queued until due), intervals run back to back would pile up
 * millions of cancelled 50 s timeouts per second, which no deployment sees. Flink's own RPC main
 * thread does more per timeout than this: it wraps each one in a {@code FutureTask} and a
 * {@code ScheduledFutureAdapter} and leaves cancelled ones queued until due.
 */
final class FlinkSenderFixture implements HeartbeatCoreBenchmark.SenderFixture {

  private final int targets;
  private final ResourceID[] ids;
  private final ScheduledThreadPoolExecutor timer;
  private final MainThread mainThread;
  private final LossCounter listener = new LossCounter();
  private final AskedTargets<ResourceID> asked;
  /** With pending futures: each asked target's future, completed by the benchmark after the round. */
  private final AskedTargets<CompletableFuture<Void>> pending;
  private final HeartbeatManager<Object, Object> sender;
  private final Runnable senderRound;
  private long intervals;

  /**
   * @param pendingFutures whether targets answer later (a fresh future per request, completed by the
   *     benchmark after the heartbeat arrived, as Flink's RPC answers) instead of at once
   */
  FlinkSenderFixture(int targets, boolean pendingFutures) {
    this.targets = targets;
    this.ids = new ResourceID[targets];
    this.asked = new AskedTargets<>(targets);
    this.pending = pendingFutures ? new AskedTargets<>(targets) : null;
    timer = new ScheduledThreadPoolExecutor(1, task -> {
      Thread thread = new Thread(task, "flink-heartbeat-timeouts");
      thread.setDaemon(true);
      return thread;
    });
    timer.setRemoveOnCancelPolicy(true);
    mainThread = new MainThread(timer);
    sender = new HeartbeatServicesImpl(INTERVAL.toMillis(), TIMEOUT.toMillis(), RPC_FAILURE_THRESHOLD)
        .createHeartbeatManagerSender(new ResourceID("resource-manager"), listener, mainThread,
            LoggerFactory.getLogger(FlinkSenderFixture.class));
    senderRound = mainThread.senderRound;
    check(senderRound != null, "flink's sender did not schedule itself on construction");
    for (int i = 0; i < targets; i++) {
      ids[i] = new ResourceID("task-executor-" + i);
      sender.monitorTarget(ids[i], new Target(ids[i], asked, pending));
    }
  }

  @Override
  public int runInterval() {
    asked.clear();
    if (pending != null) {
      pending.clear();
    }
    senderRound.run();
    int count = asked.count();
    for (int i = 0; i < count; i++) {
      sender.receiveHeartbeat(asked.get(i), PAYLOAD);
      if (pending != null) {
        pending.get(i).complete(null);
      }
    }
    intervals++;
    return count;
  }

  @Override
  public void verifyAndStop() {
    long expected = intervals * targets;
    int pendingTimeouts = timer.getQueue().size();
    boolean allHeard = true;
    for (ResourceID id : ids) {
      allHeard &= sender.getLastHeartbeatFrom(id) > 0;
    }
    sender.stop();
    timer.shutdownNow();
    check(listener.losses.get() == 0, "flink lost " + listener.losses.get() + " targets");
    check(asked.total() == expected, "flink sent " + asked.total() + " requests, expected " + intervals
        + " intervals x " + targets + " targets = " + expected);
    check(mainThread.senderRoundsScheduled == intervals + 1, "flink's sender scheduled itself "
        + mainThread.senderRoundsScheduled + " times in " + intervals + " intervals, expected once more");
    check(pendingTimeouts == targets, "flink had " + pendingTimeouts + " timeouts pending for " + targets + " targets");
    check(allHeard, "flink has a target it never heard from");
  }

  /**
   * The main-thread executor handed to Flink's sender: runs tasks directly, keeps the sender's own
   * periodic task for the benchmark to run, and schedules everything else (the targets' timeouts) on
   * a real timer.
   */
  private static final class MainThread extends ScheduledExecutorServiceAdapter {
    Runnable senderRound;
    long senderRoundsScheduled;

    MainThread(ScheduledThreadPoolExecutor timer) {
      super(timer);
    }

    @Override
    public void execute(Runnable command) {
      command.run();
    }

    @Override
    public ScheduledFuture<?> schedule(Runnable command, long delay, TimeUnit unit) {
      if (command instanceof HeartbeatManager) {
        senderRound = command;
        senderRoundsScheduled++;
        return new NeverCompleteFuture(unit.toMillis(delay));
      }
      return super.schedule(command, delay, unit);
    }
  }

  /**
   * A target that notes that it was asked and answers at once, or, with {@code pending}, returns a
   * fresh future that the benchmark completes later.
   */
  private record Target(ResourceID id, AskedTargets<ResourceID> asked, AskedTargets<CompletableFuture<Void>> pending)
      implements HeartbeatTarget<Object> {

    @Override
    public CompletableFuture<Void> requestHeartbeat(ResourceID requestOrigin, Object heartbeatPayload) {
      asked.add(id);
      if (pending == null) {
        return ANSWERED;
      }
      CompletableFuture<Void> answer = new CompletableFuture<>();
      pending.add(answer);
      return answer;
    }

    @Override
    public CompletableFuture<Void> receiveHeartbeat(ResourceID heartbeatOrigin, Object heartbeatPayload) {
      throw new UnsupportedOperationException("a sender only requests heartbeats");
    }
  }

  /**
   * Supplies the shared payload and counts lost targets; allocates nothing. Flink reports timeouts
   * on the timer's thread, hence the atomic counter.
   */
  private static final class LossCounter implements HeartbeatListener<Object, Object> {
    final AtomicInteger losses = new AtomicInteger();

    @Override
    public void notifyHeartbeatTimeout(ResourceID resourceId) {
      losses.incrementAndGet();
    }

    @Override
    public void notifyTargetUnreachable(ResourceID resourceId) {
      losses.incrementAndGet();
    }

    @Override
    public void reportPayload(ResourceID resourceId, Object payload) {}

    @Override
    public Object retrievePayload(ResourceID resourceId) {
      return PAYLOAD;
    }
  }
}
