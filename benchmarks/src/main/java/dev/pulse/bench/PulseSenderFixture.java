package dev.pulse.bench;

import static dev.pulse.bench.HeartbeatCoreBenchmark.ANSWERED;
import static dev.pulse.bench.HeartbeatCoreBenchmark.INTERVAL;
import static dev.pulse.bench.HeartbeatCoreBenchmark.PAYLOAD;
import static dev.pulse.bench.HeartbeatCoreBenchmark.RPC_FAILURE_THRESHOLD;
import static dev.pulse.bench.HeartbeatCoreBenchmark.TIMEOUT;
import static dev.pulse.bench.HeartbeatCoreBenchmark.check;

import dev.pulse.bench.HeartbeatCoreBenchmark.AskedTargets;
import dev.pulse.heartbeat.AnsweringHeartbeatTarget;
import dev.pulse.heartbeat.HeartbeatAnswer;
import dev.pulse.heartbeat.HeartbeatConfig;
import dev.pulse.heartbeat.HeartbeatListener;
import dev.pulse.heartbeat.HeartbeatManager;
import dev.pulse.heartbeat.HeartbeatServices;
import dev.pulse.heartbeat.HeartbeatStats;
import dev.pulse.heartbeat.HeartbeatTarget;
import dev.pulse.heartbeat.ResourceId;
import dev.pulse.heartbeat.time.Cancellable;
import dev.pulse.heartbeat.time.MainThreadExecutor;
import dev.pulse.heartbeat.time.ManualMainThreadExecutor;
import java.util.concurrent.CompletableFuture;

/**
 * Pulse's side of {@link HeartbeatCoreBenchmark}: heartbeat-core's sender on a
 * {@link ManualMainThreadExecutor}. One interval is {@code advance(interval)}, which runs the
 * sender's 1000 phases of that interval and so asks every target once, followed by one answer per
 * asked target:
 * <ul>
 *   <li>answered at once ({@code pulse}, {@code pulse-realclock}): the target returns an already
 *       completed future and the heartbeat comes through {@code receiveHeartbeat}, a path
 *       production never takes (a gRPC answer is never there when the request returns);
 *   <li>answered later ({@code pulse-pending}, the production path): the target is an
 *       {@link AnsweringHeartbeatTarget}, as the gRPC target is, and keeps its
 *       {@link HeartbeatAnswer}; after the phases the benchmark reports each answer to it, as a
 *       transport thread would, and lets the main thread run after every {@code batch} answers (one
 *       drain task, one clock reading per batch). Reporting is part of the measured work, as
 *       completing Flink's futures is in {@code flink-pending}.
 * </ul>
 *
 * <h2>The clock</h2>
 * The manual executor's clock is a field read, whereas a production clock read
 * ({@code System.nanoTime()}) costs tens of nanoseconds, and the core reads the clock once per
 * received heartbeat and once per timer slot. Flink's manager pays
 * for its clock reads in this benchmark. With {@code realClock}, every read of the manual clock also
 * reads {@code System.nanoTime()}, so that Pulse pays for its clock reads too, while time still moves
 * only when the benchmark advances it.
 */
final class PulseSenderFixture implements HeartbeatCoreBenchmark.SenderFixture {

  private final int targets;
  private final ResourceId[] ids;
  private final ManualMainThreadExecutor mainThread = new ManualMainThreadExecutor();
  private final RealClockCost realClockCost;
  private final LossCounter listener = new LossCounter();
  private final AskedTargets<ResourceId> asked;
  private final AskedTargets<HeartbeatAnswer<Object>> answers;
  private final int batch;
  private final HeartbeatManager<Object, Object> sender;
  private long intervals;

  /**
   * @param realClock whether each clock read also pays for a {@code System.nanoTime()} call
   * @param batch 0: targets answer at once; else they answer later, through their answer handle,
   *     and the main thread runs after every {@code batch} answers
   */
  PulseSenderFixture(int targets, boolean realClock, int batch) {
    this.targets = targets;
    this.realClockCost = realClock ? new RealClockCost(mainThread) : null;
    this.ids = new ResourceId[targets];
    this.asked = new AskedTargets<>(targets);
    this.answers = new AskedTargets<>(targets);
    this.batch = batch;
    HeartbeatConfig config = new HeartbeatConfig(INTERVAL, TIMEOUT, RPC_FAILURE_THRESHOLD, true);
    sender = HeartbeatServices.of(config)
        .createHeartbeatManagerSender(ResourceId.of("resource-manager"), listener,
            realClock ? realClockCost : mainThread);
    // The sender's first wake-up runs slot 0 right away. Running it before any target is monitored
    // makes each advance(INTERVAL) run slots 1..1000 of the grid: every target's slot exactly once.
    mainThread.runPending();
    for (int i = 0; i < targets; i++) {
      ids[i] = ResourceId.of("task-executor-" + i);
      sender.monitorTarget(ids[i], batch == 0 ? new Target(ids[i], asked) : new LaterTarget(ids[i], asked, answers));
    }
  }

  @Override
  public int runInterval() {
    asked.clear();
    answers.clear();
    mainThread.advance(INTERVAL);
    int count = asked.count();
    if (batch == 0) {
      for (int i = 0; i < count; i++) {
        sender.receiveHeartbeat(asked.get(i), PAYLOAD);
      }
    } else {
      for (int i = 0; i < count; i++) {
        answers.get(i).heartbeat(PAYLOAD);
        if ((i + 1) % batch == 0) {
          mainThread.runPending();
        }
      }
      mainThread.runPending();
    }
    intervals++;
    return count;
  }

  @Override
  public void verifyAndStop() {
    HeartbeatStats stats = sender.stats();
    long expected = intervals * targets;
    boolean allHeard = true;
    for (ResourceId id : ids) {
      allHeard &= sender.getLastHeartbeatFrom(id) > 0;
    }
    sender.stop();
    check(listener.losses == 0 && stats.targetsTimedOut() == 0 && stats.targetsUnreachable() == 0
        && stats.targetsRestarted() == 0, "pulse lost targets: " + stats);
    check(stats.localPauses() == 0, "pulse saw a local pause on the manual clock: " + stats);
    check(stats.requestsSent() == expected && asked.total() == expected && stats.requestsSkippedInFlight() == 0,
        "pulse sent " + stats.requestsSent() + " requests, targets saw " + asked.total() + ", expected "
            + intervals + " intervals x " + targets + " targets = " + expected + ": " + stats);
    check(stats.heartbeatsReceived() == expected && stats.rpcSuccesses() == expected,
        "pulse received " + stats.heartbeatsReceived() + " heartbeats and " + stats.rpcSuccesses()
            + " answered requests, expected " + expected + " each: " + stats);
    check(allHeard, "pulse has a target it never heard from");
    check(realClockCost == null || realClockCost.reads > 0, "pulse never read the clock");
  }

  /**
   * The manual executor, except that each clock read also calls {@code System.nanoTime()} (and
   * keeps the sum, so that the call cannot be optimized away).
   */
  private static final class RealClockCost implements MainThreadExecutor {
    private final ManualMainThreadExecutor manual;
    long reads;
    long sum;

    RealClockCost(ManualMainThreadExecutor manual) {
      this.manual = manual;
    }

    @Override
    public long nanoTime() {
      reads++;
      sum += System.nanoTime();
      return manual.nanoTime();
    }

    @Override
    public void execute(Runnable task) {
      manual.execute(task);
    }

    @Override
    public Cancellable schedule(Runnable task, long delayNanos) {
      return manual.schedule(task, delayNanos);
    }
  }

  /** A target that answers every request at once and notes that it was asked. */
  private record Target(ResourceId id, AskedTargets<ResourceId> asked) implements HeartbeatTarget<Object> {

    @Override
    public CompletableFuture<Void> requestHeartbeat(ResourceId requestOrigin, Object heartbeatPayload) {
      asked.add(id);
      return ANSWERED;
    }

    @Override
    public CompletableFuture<Void> receiveHeartbeat(ResourceId heartbeatOrigin, Object heartbeatPayload) {
      throw new UnsupportedOperationException("a sender only requests heartbeats");
    }
  }

  /** A target that answers later, through its answer handle, which it hands to the benchmark. */
  private record LaterTarget(ResourceId id, AskedTargets<ResourceId> asked, AskedTargets<HeartbeatAnswer<Object>> answers)
      implements AnsweringHeartbeatTarget<Object, Object> {

    @Override
    public void requestHeartbeat(ResourceId requestOrigin, Object heartbeatPayload, HeartbeatAnswer<Object> answer) {
      asked.add(id);
      answers.add(answer);
    }

    @Override
    public CompletableFuture<Void> requestHeartbeat(ResourceId requestOrigin, Object heartbeatPayload) {
      throw new UnsupportedOperationException("the sender asks through the answer handle");
    }

    @Override
    public CompletableFuture<Void> receiveHeartbeat(ResourceId heartbeatOrigin, Object heartbeatPayload) {
      throw new UnsupportedOperationException("a sender only requests heartbeats");
    }
  }

  /** Supplies the shared payload and counts lost targets; allocates nothing. */
  private static final class LossCounter implements HeartbeatListener<Object, Object> {
    long losses;

    @Override
    public void notifyHeartbeatTimeout(ResourceId resourceId) {
      losses++;
    }

    @Override
    public void notifyTargetUnreachable(ResourceId resourceId) {
      losses++;
    }

    @Override
    public void reportPayload(ResourceId resourceId, Object payload) {}

    @Override
    public Object retrievePayload(ResourceId resourceId) {
      return PAYLOAD;
    }
  }
}
