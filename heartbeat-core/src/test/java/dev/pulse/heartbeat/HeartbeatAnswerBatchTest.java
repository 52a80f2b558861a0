package dev.pulse.heartbeat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pulse.heartbeat.TestingHeartbeatListener.Event;
import dev.pulse.heartbeat.TestingHeartbeatListener.Kind;
import dev.pulse.heartbeat.time.Cancellable;
import dev.pulse.heartbeat.time.MainThreadExecutor;
import dev.pulse.heartbeat.time.ManualMainThreadExecutor;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The sender's answer path ({@link HeartbeatAnswer}, {@link AnsweringHeartbeatTarget}): answers queued
 * from transport threads reach the main thread in batches, one task and one clock reading per batch,
 * the heartbeat before the request's success; on the fake clock, with a main thread whose tasks the
 * test can hold back (a main thread busy elsewhere) and whose clock readings it counts.
 */
class HeartbeatAnswerBatchTest {

  private static final Duration INTERVAL = Duration.ofSeconds(1);
  private static final Duration TIMEOUT = Duration.ofSeconds(5);
  private static final ResourceId OWN = ResourceId.of("rm");
  private static final ResourceId TE1 = ResourceId.of("te-1");
  private static final ResourceId TE2 = ResourceId.of("te-2");
  private static final ResourceId TE3 = ResourceId.of("te-3");

  private ManualMainThreadExecutor manual;
  private ProbedMainThread main;
  private TestingHeartbeatListener<String, String> listener;
  private HeartbeatManager<String, String> sender;
  private final List<Long> roundTrips = new ArrayList<>();

  @BeforeEach
  void setUp() {
    manual = new ManualMainThreadExecutor();
    main = new ProbedMainThread(manual);
    listener = TestingHeartbeatListener.<String, String>builder().clock(manual).build();
    // One phase: every target is asked at the same instant, once per interval.
    sender = HeartbeatServices.of(HeartbeatConfig.of(INTERVAL, TIMEOUT).withSpread(false))
        .createHeartbeatManagerSender(OWN, listener, main, new HeartbeatMetrics() {
          @Override
          public void onRpcSucceeded(long roundTripNanos) {
            roundTrips.add(roundTripNanos);
          }
        });
    manual.runPending();
  }

  /** Monitors targets that answer through their handle, and runs the phase that asks them. */
  private List<AnsweringTarget> askAnsweringTargets(ResourceId... ids) {
    List<AnsweringTarget> targets = new ArrayList<>();
    for (ResourceId id : ids) {
      AnsweringTarget t = new AnsweringTarget();
      targets.add(t);
      sender.monitorTarget(id, t);
    }
    manual.advance(INTERVAL);
    return targets;
  }

  @Test
  void answers_reportedBeforeTheMainThreadRuns_areAppliedAsOneBatch_withOneClockReading() {
    List<AnsweringTarget> targets = askAnsweringTargets(TE1, TE2, TE3);
    long askedAt = manual.nanoTime();
    manual.advance(Duration.ofMillis(30));
    main.hold();
    targets.get(0).answer.heartbeat("report-1");
    targets.get(1).answer.heartbeat("report-2");
    targets.get(2).answer.heartbeat("report-3");
    assertThat(main.held()).as("one drain task for the three answers").hasSize(1);
    assertThat(listener.events()).isEmpty();

    long readsBefore = main.clockReads;
    main.release();

    assertThat(main.clockReads - readsBefore).as("clock readings for the batch").isEqualTo(1);
    assertThat(listener.events(Kind.PAYLOAD)).extracting(Event::resourceId, Event::payload)
        .containsExactly(org.assertj.core.groups.Tuple.tuple(TE1, "report-1"),
            org.assertj.core.groups.Tuple.tuple(TE2, "report-2"), org.assertj.core.groups.Tuple.tuple(TE3, "report-3"));
    for (ResourceId id : List.of(TE1, TE2, TE3)) {
      assertThat(sender.getLastHeartbeatFrom(id)).isEqualTo(askedAt + Duration.ofMillis(30).toNanos());
    }
    assertThat(roundTrips).containsExactly(30_000_000L, 30_000_000L, 30_000_000L);
    assertThat(sender.stats().heartbeatsReceived()).isEqualTo(3);
    assertThat(sender.stats().rpcSuccesses()).isEqualTo(3);
  }

  @Test
  void answer_appliesTheHeartbeatBeforeTheRequestsSuccess() {
    List<Long> successesSeenByPayload = new ArrayList<>();
    listener = TestingHeartbeatListener.<String, String>builder().build();
    HeartbeatManager<String, String>[] self = new HeartbeatManager[1];
    HeartbeatListener<String, String> probing = new HeartbeatListener<>() {
      @Override
      public void notifyHeartbeatTimeout(ResourceId resourceId) {}

      @Override
      public void notifyTargetUnreachable(ResourceId resourceId) {}

      @Override
      public void reportPayload(ResourceId resourceId, String payload) {
        successesSeenByPayload.add(self[0].stats().rpcSuccesses());
      }

      @Override
      public String retrievePayload(ResourceId resourceId) {
        return null;
      }
    };
    self[0] = HeartbeatServices.of(HeartbeatConfig.of(INTERVAL, TIMEOUT).withSpread(false))
        .createHeartbeatManagerSender(OWN, probing, main);
    AnsweringTarget target = new AnsweringTarget();
    self[0].monitorTarget(TE1, target);
    manual.runPending();

    target.answer.heartbeat("report");
    manual.runPending();

    assertThat(successesSeenByPayload).containsExactly(0L);
    assertThat(self[0].stats().rpcSuccesses()).isEqualTo(1);
  }

  @Test
  void answer_reportedTwice_countsOnce_andTheTargetIsAskedAgainNextInterval() {
    AnsweringTarget target = askAnsweringTargets(TE1).get(0);
    target.answer.heartbeat("first");
    target.answer.heartbeat("second");
    target.answer.failed(new HeartbeatRpcException(RpcFailureKind.UNREACHABLE, "late"));
    manual.runPending();

    assertThat(listener.events(Kind.PAYLOAD)).extracting(Event::payload).containsExactly("first");
    assertThat(sender.stats().rpcSuccesses()).isEqualTo(1);
    assertThat(sender.stats().rpcUnreachable()).isZero();

    manual.advance(INTERVAL);
    assertThat(target.requests).isEqualTo(2);
    assertThat(sender.stats().requestsSkippedInFlight()).isZero();
  }

  @Test
  void noAnswer_keepsTheRequestInFlight_soTheNextPhaseSkipsTheTarget() {
    AnsweringTarget target = askAnsweringTargets(TE1).get(0);
    manual.advance(INTERVAL);

    assertThat(target.requests).isEqualTo(1);
    assertThat(sender.stats().requestsSkippedInFlight()).isEqualTo(1);
  }

  @Test
  void noAnswer_fromATargetWithoutATransportDeadline_failsAsDeadlineExceededAtItsNextTurn_andItIsAskedAgain() {
    AnsweringTarget target = new AnsweringTarget();
    target.senderEndsRequests = true;
    sender.monitorTarget(TE1, target);
    manual.advance(INTERVAL);
    assertThat(target.requests).isEqualTo(1);

    manual.advance(INTERVAL);

    assertThat(target.requests).as("asked again at its next turn").isEqualTo(2);
    assertThat(sender.stats().rpcDeadlineExceeded()).isEqualTo(1);
    assertThat(sender.stats().requestsSkippedInFlight()).isZero();
    assertThat(sender.getConsecutiveFailedRpcs(TE1)).as("a hung target is the timeout's job").isZero();
    long answeredAt = manual.nanoTime() + Duration.ofMillis(5).toNanos();
    manual.advance(Duration.ofMillis(5));
    target.answer.heartbeat("late but for the second request");
    manual.runPending();
    assertThat(sender.getLastHeartbeatFrom(TE1)).isEqualTo(answeredAt);
    assertThat(sender.stats().rpcSuccesses()).isEqualTo(1);
    assertThat(listener.events(Kind.TIMEOUT)).isEmpty();
  }

  @Test
  void noAnswer_fromATargetWithoutATransportDeadline_stillTimesOut() {
    AnsweringTarget target = new AnsweringTarget();
    target.senderEndsRequests = true;
    sender.monitorTarget(TE1, target);

    manual.advance(TIMEOUT.plus(INTERVAL));

    assertThat(listener.events(Kind.TIMEOUT)).extracting(Event::resourceId).containsExactly(TE1);
    assertThat(sender.stats().rpcDeadlineExceeded()).isEqualTo(target.requests - 1);
    assertThat(target.requests).as("asked every interval until the timeout").isEqualTo(4);
  }

  @Test
  void failures_unreachableInARow_reachTheThreshold_onceAndOnlyOnce() {
    AnsweringTarget target = askAnsweringTargets(TE1).get(0);
    target.answer.failed(new HeartbeatRpcException(RpcFailureKind.UNREACHABLE, "refused"));
    manual.runPending();
    assertThat(sender.getConsecutiveFailedRpcs(TE1)).isEqualTo(1);
    assertThat(listener.events(Kind.UNREACHABLE)).isEmpty();

    manual.advance(INTERVAL);
    target.answer.failed(new HeartbeatRpcException(RpcFailureKind.UNREACHABLE, "refused"));
    manual.runPending();

    assertThat(listener.events(Kind.UNREACHABLE)).extracting(Event::resourceId).containsExactly(TE1);
    assertThat(sender.stats().rpcUnreachable()).isEqualTo(2);
    manual.advance(TIMEOUT.multipliedBy(2));
    assertThat(listener.events()).hasSize(1);
  }

  @Test
  void failure_notAHeartbeatRpcException_countsAsOther_andANullOneToo() {
    AnsweringTarget target = askAnsweringTargets(TE1).get(0);
    target.answer.failed(new IllegalStateException("broken"));
    manual.runPending();
    manual.advance(INTERVAL);
    target.answer.failed(null);
    manual.runPending();

    assertThat(sender.stats().rpcOther()).isEqualTo(2);
    assertThat(sender.getConsecutiveFailedRpcs(TE1)).isZero();
    assertThat(target.requests).isEqualTo(2);
  }

  @Test
  void answer_afterUnmonitor_isIgnored() {
    AnsweringTarget target = askAnsweringTargets(TE1).get(0);
    sender.unmonitorTarget(TE1);
    target.answer.heartbeat("late");
    manual.runPending();

    assertThat(listener.events()).isEmpty();
    assertThat(sender.stats().heartbeatsReceived()).isZero();
    assertThat(sender.stats().rpcSuccesses()).isZero();
  }

  @Test
  void answer_afterStop_isIgnored_andDoesNotReadTheClock() {
    AnsweringTarget target = askAnsweringTargets(TE1).get(0);
    sender.stop();
    long reads = main.clockReads;
    target.answer.heartbeat("late");
    manual.runPending();

    assertThat(listener.events()).isEmpty();
    assertThat(main.clockReads).isEqualTo(reads);
  }

  @Test
  void timer_appliesQueuedAnswers_beforeLookingForTimeouts() {
    AnsweringTarget target = askAnsweringTargets(TE1).get(0);
    long monitoredAt = manual.nanoTime() - INTERVAL.toNanos();
    // The main thread is busy elsewhere: the answer's drain task waits behind it, past the deadline.
    manual.advanceTo(monitoredAt + TIMEOUT.toNanos() - 1);
    main.hold();
    target.answer.heartbeat("just in time");
    manual.advanceTo(monitoredAt + TIMEOUT.toNanos());

    assertThat(listener.events(Kind.TIMEOUT)).isEmpty();
    assertThat(listener.events(Kind.PAYLOAD)).extracting(Event::payload).containsExactly("just in time");
    assertThat(sender.getLastHeartbeatFrom(TE1)).isEqualTo(monitoredAt + TIMEOUT.toNanos());
  }

  @Test
  void errorInACallback_putsTheRestOfTheBatchBack_forTheNextDrain() {
    HeartbeatListener<String, String> failingOnce = new HeartbeatListener<>() {
      boolean failed;

      @Override
      public void notifyHeartbeatTimeout(ResourceId resourceId) {}

      @Override
      public void notifyTargetUnreachable(ResourceId resourceId) {}

      @Override
      public void reportPayload(ResourceId resourceId, String payload) {
        if (!failed) {
          failed = true;
          throw new AssertionError("an Error escapes the guard");
        }
        listener.reportPayload(resourceId, payload);
      }

      @Override
      public String retrievePayload(ResourceId resourceId) {
        return null;
      }
    };
    sender.stop();
    sender = HeartbeatServices.of(HeartbeatConfig.of(INTERVAL, TIMEOUT).withSpread(false))
        .createHeartbeatManagerSender(OWN, failingOnce, main);
    manual.runPending();
    List<AnsweringTarget> targets = askAnsweringTargets(TE1, TE2, TE3);
    targets.forEach(t -> t.answer.heartbeat("report"));

    assertThatThrownBy(manual::runPending).isInstanceOf(AssertionError.class);
    manual.runPending();

    assertThat(listener.events(Kind.PAYLOAD)).extracting(Event::resourceId).containsExactlyInAnyOrder(TE2, TE3);
    assertThat(sender.stats().rpcSuccesses()).isEqualTo(2);
    assertThat(sender.stats().heartbeatsReceived()).isEqualTo(3);
  }

  @Test
  void targetThatThrows_countsAsAFailedRequest_unlessItReportedFirst() {
    AnsweringTarget throwing = new AnsweringTarget();
    throwing.throwOnRequest = true;
    AnsweringTarget reportingThenThrowing = new AnsweringTarget();
    reportingThenThrowing.throwOnRequest = true;
    reportingThenThrowing.reportOnRequest = true;
    sender.monitorTarget(TE1, throwing);
    sender.monitorTarget(TE2, reportingThenThrowing);
    manual.advance(INTERVAL);

    assertThat(sender.stats().callbackFailures()).isEqualTo(2);
    assertThat(sender.stats().rpcOther()).isEqualTo(1);
    assertThat(sender.stats().rpcSuccesses()).isEqualTo(1);
    assertThat(listener.events(Kind.PAYLOAD)).extracting(Event::resourceId).containsExactly(TE2);
    throwing.answer.heartbeat("after the throw");
    manual.runPending();
    assertThat(sender.stats().heartbeatsReceived()).as("a report after the throw is ignored").isEqualTo(1);

    throwing.throwOnRequest = false;
    manual.advance(INTERVAL);
    assertThat(throwing.requests).as("asked again: nothing left in flight").isEqualTo(2);
  }

  @Test
  void pendingFutures_ofOtherTargets_completeThroughTheSameBatches() {
    List<CompletableFuture<Void>> futures = new ArrayList<>();
    for (ResourceId id : List.of(TE1, TE2, TE3)) {
      sender.monitorTarget(id, new TestingHeartbeatTarget<String>().answerWith(() -> {
        CompletableFuture<Void> f = new CompletableFuture<>();
        futures.add(f);
        return f;
      }));
    }
    manual.advance(INTERVAL);
    main.hold();
    futures.get(0).complete(null);
    futures.get(1).complete(null);
    futures.get(2).completeExceptionally(new HeartbeatRpcException(RpcFailureKind.UNREACHABLE, "refused"));
    long reads = main.clockReads;
    assertThat(main.held()).hasSize(1);
    main.release();

    assertThat(main.clockReads - reads).isEqualTo(1);
    assertThat(sender.stats().rpcSuccesses()).isEqualTo(2);
    assertThat(sender.stats().rpcUnreachable()).isEqualTo(1);
    assertThat(sender.stats().heartbeatsReceived()).as("the future path carries no heartbeat").isZero();
  }

  @Test
  void answer_whenTheMainThreadRefusesTasks_isDroppedQuietly() {
    AnsweringTarget target = askAnsweringTargets(TE1).get(0);
    main.refuse = true;

    assertThatCode(() -> target.answer.heartbeat("too late")).doesNotThrowAnyException();
    assertThat(listener.events()).isEmpty();
  }

  /** Answers through its handle when the test says so; counts requests. */
  private static final class AnsweringTarget implements AnsweringHeartbeatTarget<String, String> {
    HeartbeatAnswer<String> answer;
    int requests;
    boolean throwOnRequest;
    boolean reportOnRequest;
    boolean senderEndsRequests;

    @Override
    public boolean senderEndsRequestsAtDeadline() {
      return senderEndsRequests;
    }

    @Override
    public void requestHeartbeat(ResourceId requestOrigin, String heartbeatPayload, HeartbeatAnswer<String> answer) {
      assertThat(this.answer == null || this.answer == answer).as("one answer object per target").isTrue();
      this.answer = answer;
      requests++;
      if (reportOnRequest) {
        answer.heartbeat("at once");
      }
      if (throwOnRequest) {
        throw new IllegalStateException("test: adapter bug");
      }
    }

    @Override
    public CompletableFuture<Void> requestHeartbeat(ResourceId requestOrigin, String heartbeatPayload) {
      throw new AssertionError("the sender asks through the answer handle");
    }

    @Override
    public CompletableFuture<Void> receiveHeartbeat(ResourceId heartbeatOrigin, String heartbeatPayload) {
      throw new AssertionError("a sender only requests heartbeats");
    }
  }

  /**
   * The manual executor, counting clock readings; while held, tasks submitted with {@code execute}
   * wait (a main thread busy with other work) until released; when refusing, it rejects them.
   */
  private static final class ProbedMainThread implements MainThreadExecutor {
    private final ManualMainThreadExecutor manual;
    private final List<Runnable> held = new ArrayList<>();
    private boolean holding;
    boolean refuse;
    long clockReads;

    ProbedMainThread(ManualMainThreadExecutor manual) {
      this.manual = manual;
    }

    void hold() {
      holding = true;
    }

    List<Runnable> held() {
      return held;
    }

    void release() {
      holding = false;
      held.forEach(manual::execute);
      held.clear();
      manual.runPending();
    }

    @Override
    public void execute(Runnable task) {
      if (refuse) {
        throw new RejectedExecutionException("test: shut down");
      }
      if (holding) {
        held.add(task);
      } else {
        manual.execute(task);
      }
    }

    @Override
    public Cancellable schedule(Runnable task, long delayNanos) {
      return manual.schedule(task, delayNanos);
    }

    @Override
    public long nanoTime() {
      clockReads++;
      return manual.nanoTime();
    }
  }
}
