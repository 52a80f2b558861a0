package dev.pulse.heartbeat;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pulse.heartbeat.TestingHeartbeatListener.Kind;
import dev.pulse.heartbeat.time.ManualMainThreadExecutor;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/**
 * What a manager counts ({@link HeartbeatStats}) and reports to its {@link HeartbeatMetrics} hook: each
 * expected figure is counted by the test from what it made happen on the fake clock.
 */
class HeartbeatStatsTest {

  private static final Duration INTERVAL = Duration.ofSeconds(1);
  private static final Duration TIMEOUT = Duration.ofSeconds(5);
  private static final ResourceId OWN = ResourceId.of("rm");

  private final ManualMainThreadExecutor main = new ManualMainThreadExecutor();
  private final TestingHeartbeatListener<String, String> listener = TestingHeartbeatListener.recording();
  private final RecordingMetrics metrics = new RecordingMetrics();

  private HeartbeatManager<String, String> sender(HeartbeatConfig config) {
    return HeartbeatServices.of(config).createHeartbeatManagerSender(OWN, listener, main, metrics);
  }

  @Test
  void losses_areCountedByKind() {
    HeartbeatManager<String, String> sender = sender(HeartbeatConfig.of(INTERVAL, TIMEOUT));
    sender.monitorTarget(ResourceId.of("silent"), new TestingHeartbeatTarget<>());
    sender.monitorTarget(ResourceId.of("refusing"), new TestingHeartbeatTarget<String>().fail(RpcFailureKind.UNREACHABLE));
    sender.monitorTarget(ResourceId.of("restarted"), new TestingHeartbeatTarget<String>().fail(RpcFailureKind.RESTARTED));

    main.advance(TIMEOUT);

    HeartbeatStats stats = sender.stats();
    assertThat(listener.events()).extracting(TestingHeartbeatListener.Event::kind)
        .containsExactlyInAnyOrder(Kind.TIMEOUT, Kind.UNREACHABLE, Kind.RESTARTED);
    assertThat(stats.targetsTimedOut()).isEqualTo(1);
    assertThat(stats.targetsUnreachable()).isEqualTo(1);
    assertThat(stats.targetsRestarted()).isEqualTo(1);
    assertThat(stats.rpcUnreachable()).isEqualTo(2); // threshold 2
    assertThat(stats.rpcRestarted()).isEqualTo(1);
  }

  @Test
  void heartbeatsAndRequests_areCounted_andTheHeartbeatMethodsAnswerAtOnce() {
    HeartbeatManager<String, String> sender = sender(HeartbeatConfig.of(INTERVAL, TIMEOUT));
    ResourceId te = ResourceId.of("te");
    sender.monitorTarget(te, new TestingHeartbeatTarget<>());

    for (int i = 0; i < 3; i++) {
      assertThat(sender.receiveHeartbeat(te, "report")).isCompleted();
      main.advance(INTERVAL);
    }
    assertThat(sender.requestHeartbeat(te, null)).isCompleted();
    main.runPending();

    // Asked at 0, 1, 2 and 3 s; three heartbeats and one request received.
    assertThat(sender.stats().requestsSent()).isEqualTo(4);
    assertThat(metrics.requestsSent).isEqualTo(4);
    assertThat(sender.stats().heartbeatsReceived()).isEqualTo(4);
  }

  @Test
  void roundTrip_isReportedFromSendToCompletion() {
    HeartbeatManager<String, String> sender = sender(HeartbeatConfig.of(INTERVAL, TIMEOUT));
    TestingHeartbeatTarget<String> slow = new TestingHeartbeatTarget<String>().hang();
    sender.monitorTarget(ResourceId.of("slow"), slow);
    main.runPending();

    main.advance(Duration.ofMillis(30));
    slow.pending().get(0).complete(null);
    main.runPending();

    assertThat(metrics.roundTrips).containsExactly(Duration.ofMillis(30).toNanos());
    assertThat(sender.stats().rpcSuccesses()).isEqualTo(1);
  }

  @Test
  void failedRpcs_areReportedWithTheirKind() {
    HeartbeatManager<String, String> sender =
        sender(HeartbeatConfig.of(INTERVAL, TIMEOUT).withRpcFailureThreshold(-1));
    sender.monitorTarget(ResourceId.of("slow"), new TestingHeartbeatTarget<String>().fail(RpcFailureKind.DEADLINE_EXCEEDED));
    sender.monitorTarget(ResourceId.of("refusing"), new TestingHeartbeatTarget<String>().fail(RpcFailureKind.UNREACHABLE));
    main.advance(Duration.ofMillis(500)); // asked in phases 0 and 50 (0 ms and 500 ms)

    assertThat(metrics.failures).containsExactlyInAnyOrder(RpcFailureKind.DEADLINE_EXCEEDED, RpcFailureKind.UNREACHABLE);
    assertThat(metrics.roundTrips).isEmpty();
  }

  @Test
  void receiverAnsweringARequest_countsTheSuccess_butReportsNoRoundTrip() {
    HeartbeatManager<String, String> receiver = HeartbeatServices.of(HeartbeatConfig.of(INTERVAL, TIMEOUT))
        .createHeartbeatManager(ResourceId.of("te"), listener, main, metrics);
    receiver.monitorTarget(OWN, new TestingHeartbeatTarget<>());

    main.advance(Duration.ofMillis(300));
    receiver.requestHeartbeat(OWN, null);
    main.runPending();

    // The answer is not a request this manager sent: there is no round trip to time.
    assertThat(receiver.stats().rpcSuccesses()).isEqualTo(1);
    assertThat(metrics.roundTrips).isEmpty();
  }

  @Test
  void everyWakeUp_reportsItsLag() {
    HeartbeatManager<String, String> receiver = HeartbeatServices.of(HeartbeatConfig.of(INTERVAL, TIMEOUT))
        .createHeartbeatManager(ResourceId.of("te"), listener, main, metrics);
    main.runPending(); // the first wake-up, on time
    main.freeze(Duration.ofMillis(1_200)); // the second was due at 1 s

    assertThat(metrics.tickLags).containsExactly(0L, Duration.ofMillis(200).toNanos());
    assertThat(receiver.stats().maxTickLagNanos()).isEqualTo(Duration.ofMillis(200).toNanos());
  }

  /** Records every call of the hook. */
  private static final class RecordingMetrics implements HeartbeatMetrics {
    final List<Long> tickLags = new ArrayList<>();
    final List<Long> roundTrips = new ArrayList<>();
    final List<RpcFailureKind> failures = new ArrayList<>();
    long requestsSent;

    @Override
    public void onTick(long lagNanos) {
      tickLags.add(lagNanos);
    }

    @Override
    public void onRequestSent() {
      requestsSent++;
    }

    @Override
    public void onRpcSucceeded(long roundTripNanos) {
      roundTrips.add(roundTripNanos);
    }

    @Override
    public void onRpcFailed(RpcFailureKind kind) {
      failures.add(kind);
    }
  }
}
