package dev.pulse.heartbeat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.ILoggingEvent;
import dev.pulse.heartbeat.TestingHeartbeatListener.Event;
import dev.pulse.heartbeat.TestingHeartbeatListener.Kind;
import dev.pulse.heartbeat.time.ManualMainThreadExecutor;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A callback that fails must not stop detection: whatever a listener callback or a target adapter
 * does (throw, return {@code null}), the one timer stays armed, the other targets are still asked
 * and still time out on time, and the failure is logged without flooding and counted. One test per
 * callback, on the fake clock; each ends with {@link #assertDetectionCarriesOn()}.
 */
class CallbackFailureTest {

  private static final Duration INTERVAL = Duration.ofSeconds(1);
  private static final Duration TIMEOUT = Duration.ofSeconds(5);
  private static final ResourceId OWN = ResourceId.of("rm");
  private static final ResourceId BAD = ResourceId.of("te-bad");

  private final ManualMainThreadExecutor main = new ManualMainThreadExecutor();
  private final List<String> failedCallbacks = new ArrayList<>();
  private final HeartbeatMetrics metrics = new HeartbeatMetrics() {
    @Override
    public void onCallbackFailed(String callback) {
      failedCallbacks.add(callback);
    }
  };
  private TestingHeartbeatListener<String, String> listener;
  private HeartbeatManager<String, String> manager;
  private int checks;
  private LogCapture log;

  @BeforeEach
  void captureLog() {
    log = LogCapture.of("dev.pulse.heartbeat");
  }

  @AfterEach
  void releaseLog() {
    log.close();
  }

  private void startSender(TestingHeartbeatListener.Builder<String, String> builder) {
    listener = builder.clock(main).build();
    manager = HeartbeatServices.of(HeartbeatConfig.of(INTERVAL, TIMEOUT))
        .createHeartbeatManagerSender(OWN, listener, main, metrics);
  }

  @Test
  void notifyHeartbeatTimeout_throws() {
    startSender(TestingHeartbeatListener.<String, String>builder().failIn(Kind.TIMEOUT));
    TestingHeartbeatTarget<String> bad = new TestingHeartbeatTarget<>();
    manager.monitorTarget(BAD, bad);
    main.advance(TIMEOUT);

    assertThat(listener.events(Kind.TIMEOUT)).extracting(Event::resourceId).containsExactly(BAD);
    assertFailedOnce("notifyHeartbeatTimeout", BAD);
    assertDetectionCarriesOn();
    assertThat(bad.requests()).as("the loss stands: asked at 0 to 4 s only").isEqualTo(5);
  }

  @Test
  void notifyTargetUnreachable_throws() {
    startSender(TestingHeartbeatListener.<String, String>builder().failIn(Kind.UNREACHABLE));
    manager.monitorTarget(BAD, new TestingHeartbeatTarget<String>().fail(RpcFailureKind.UNREACHABLE));
    main.advance(INTERVAL);

    assertThat(listener.events(Kind.UNREACHABLE)).extracting(Event::resourceId).containsExactly(BAD);
    assertFailedOnce("notifyTargetUnreachable", BAD);
    assertDetectionCarriesOn();
    assertThat(listener.events(Kind.TIMEOUT)).extracting(Event::resourceId).doesNotContain(BAD);
  }

  @Test
  void notifyTargetRestarted_throws() {
    startSender(TestingHeartbeatListener.<String, String>builder().failIn(Kind.RESTARTED));
    manager.monitorTarget(BAD, new TestingHeartbeatTarget<String>().fail(RpcFailureKind.RESTARTED));
    main.runPending();

    assertThat(listener.events(Kind.RESTARTED)).extracting(Event::resourceId).containsExactly(BAD);
    assertFailedOnce("notifyTargetRestarted", BAD);
    assertDetectionCarriesOn();
  }

  @Test
  void notifyLocalPause_throws() {
    startSender(TestingHeartbeatListener.<String, String>builder().failIn(Kind.LOCAL_PAUSE));
    main.advance(INTERVAL);
    main.freeze(TIMEOUT.multipliedBy(3));

    assertThat(listener.events(Kind.LOCAL_PAUSE)).hasSize(1);
    assertThat(failedCallbacks).containsExactly("notifyLocalPause");
    assertThat(log.warnings()).filteredOn(m -> m.startsWith("notifyLocalPause failed for heartbeat manager rm"))
        .hasSize(1);
    assertDetectionCarriesOn();
  }

  @Test
  void retrievePayload_throws_theTargetIsStillAskedWithoutPayload_andTheOthersWithTheirs() {
    startSender(TestingHeartbeatListener.<String, String>builder().payloads(id -> {
      if (id.equals(BAD)) {
        throw new IllegalStateException("test: no payload for " + id);
      }
      return "to-" + id;
    }));
    TestingHeartbeatTarget<String> bad = new TestingHeartbeatTarget<>();
    TestingHeartbeatTarget<String> good = new TestingHeartbeatTarget<>();
    manager.monitorTarget(BAD, bad);
    manager.monitorTarget(ResourceId.of("te-good"), good);
    main.advance(INTERVAL.multipliedBy(3));

    assertThat(bad.calls()).hasSize(4).extracting(TestingHeartbeatTarget.Call::payload).containsOnlyNulls();
    assertThat(good.calls()).hasSize(3).extracting(TestingHeartbeatTarget.Call::payload).containsOnly("to-te-good");
    assertThat(failedCallbacks).containsOnly("retrievePayload").hasSize(4);
    assertDetectionCarriesOn();
  }

  @Test
  void reportPayload_throws_theHeartbeatStillCounts() {
    startSender(TestingHeartbeatListener.<String, String>builder().failIn(Kind.PAYLOAD));
    manager.monitorTarget(BAD, new TestingHeartbeatTarget<>());
    main.advance(Duration.ofSeconds(4));

    assertThatCode(() -> manager.receiveHeartbeat(BAD, "report")).doesNotThrowAnyException();
    assertThat(manager.getLastHeartbeatFrom(BAD)).isEqualTo(main.nanoTime());
    assertFailedOnce("reportPayload", BAD);
    main.advance(Duration.ofSeconds(4));
    assertThat(listener.events(Kind.TIMEOUT)).as("the heartbeat moved the deadline").isEmpty();
    assertDetectionCarriesOn();
  }

  @Test
  void requestHeartbeat_throws_countsAsAFailedRpc_andIsLoggedOnce() {
    startSender(TestingHeartbeatListener.builder());
    TestingHeartbeatTarget<String> bad = new TestingHeartbeatTarget<String>() {
      @Override
      public CompletableFuture<Void> requestHeartbeat(ResourceId origin, String payload) {
        super.requestHeartbeat(origin, payload);
        main.execute(() -> manager.receiveHeartbeat(BAD, null)); // it is alive, only its adapter is broken
        throw new IllegalStateException("test: adapter bug");
      }
    };
    manager.monitorTarget(BAD, bad);
    main.advance(INTERVAL.multipliedBy(9));

    assertThat(bad.requests()).as("asked every interval all the same").isEqualTo(10);
    assertThat(manager.stats().rpcOther()).isEqualTo(10);
    assertThat(manager.stats().callbackFailures()).isEqualTo(10);
    assertThat(failedCallbacks).containsOnly("requestHeartbeat").hasSize(10);
    assertThat(log.warnings()).hasSize(1);
    assertDetectionCarriesOn();
  }

  @Test
  void requestHeartbeat_returnsNull_countsAsAFailedRpcOfKindOther() {
    startSender(TestingHeartbeatListener.builder());
    TestingHeartbeatTarget<String> bad = new TestingHeartbeatTarget<String>().answerWith(() -> null);
    manager.monitorTarget(BAD, bad);
    main.advance(INTERVAL);

    assertThat(bad.requests()).isEqualTo(2);
    assertThat(manager.stats().rpcOther()).isEqualTo(2);
    assertThat(manager.getConsecutiveFailedRpcs(BAD)).as("OTHER is not UNREACHABLE").isZero();
    assertThat(failedCallbacks).containsExactly("requestHeartbeat", "requestHeartbeat");
    assertThat(log.warnings()).singleElement().asString()
        .startsWith("requestHeartbeat failed for te-bad; the heartbeat manager of rm carries on");
    assertDetectionCarriesOn();
  }

  @Test
  void receiveHeartbeat_returnsNull_orThrows_inAReceivingManager_countsAsAFailedRpcOfKindOther() {
    listener = TestingHeartbeatListener.<String, String>builder().clock(main).build();
    manager = HeartbeatServices.of(HeartbeatConfig.of(INTERVAL, TIMEOUT))
        .createHeartbeatManager(ResourceId.of("te"), listener, main, metrics);
    ResourceId rm = ResourceId.of("rm-1");
    TestingHeartbeatTarget<String> answers = new TestingHeartbeatTarget<String>().answerWith(() -> null);
    manager.monitorTarget(rm, answers);
    ResourceId silent = ResourceId.of("rm-2");
    manager.monitorTarget(silent, new TestingHeartbeatTarget<>());
    long monitoredAt = main.nanoTime();

    assertThatCode(() -> manager.requestHeartbeat(rm, "request")).doesNotThrowAnyException();
    main.runPending();
    answers.answerWith(() -> {
      throw new IllegalStateException("test: adapter bug");
    });
    assertThatCode(() -> manager.requestHeartbeat(rm, "request")).doesNotThrowAnyException();
    main.runPending();

    assertThat(answers.calls()).hasSize(2);
    assertThat(manager.stats().rpcOther()).isEqualTo(2);
    assertThat(failedCallbacks).containsExactly("receiveHeartbeat", "receiveHeartbeat");
    main.advance(TIMEOUT);
    assertThat(listener.events(Kind.TIMEOUT)).extracting(Event::resourceId, Event::atNanos)
        .containsExactly(org.assertj.core.groups.Tuple.tuple(silent, monitoredAt + TIMEOUT.toNanos()),
            org.assertj.core.groups.Tuple.tuple(rm, monitoredAt + TIMEOUT.toNanos()));
  }

  @Test
  void errorInACallback_propagates_butTheTimerIsReArmedFirst() {
    boolean[] thrown = {false};
    startSender(TestingHeartbeatListener.<String, String>builder().payloads(id -> {
      if (id.equals(BAD) && !thrown[0]) {
        thrown[0] = true;
        throw new AssertionError("test: an Error, not an Exception");
      }
      return "p";
    }));
    TestingHeartbeatTarget<String> bad = new TestingHeartbeatTarget<>();
    manager.monitorTarget(BAD, bad);

    assertThatThrownBy(main::runPending).isInstanceOf(AssertionError.class);
    assertThat(main.scheduledTasks()).as("the next wake-up is armed").isEqualTo(1);
    main.advance(INTERVAL);
    assertThat(bad.requests()).isEqualTo(2);
    assertDetectionCarriesOn();
  }

  @Test
  void repeatedFailures_warnOncePerCallbackWithTheStackTrace_thenDebug_andASummaryAtMostOncePerMinute() {
    startSender(TestingHeartbeatListener.<String, String>builder().failIn(Kind.TIMEOUT).payloads(id -> {
      throw new IllegalStateException("test: no payload");
    }));
    for (int i = 0; i < 3; i++) {
      manager.monitorTarget(ResourceId.of("te-" + i), new TestingHeartbeatTarget<>());
    }
    main.advance(TIMEOUT);

    // 3 timeouts and 15 payloads failed; one WARN for each of the two callbacks, the rest DEBUG.
    assertThat(manager.stats().callbackFailures()).isEqualTo(18);
    List<ILoggingEvent> warnings = log.atLeast(Level.WARN);
    assertThat(warnings).extracting(ILoggingEvent::getFormattedMessage)
        .satisfiesExactlyInAnyOrder(
            m -> assertThat(m).startsWith("retrievePayload failed for te-0; the heartbeat manager of rm carries on."),
            m -> assertThat(m).startsWith("notifyHeartbeatTimeout failed for te-0; the heartbeat manager of rm"));
    assertThat(warnings).allSatisfy(w -> assertThat(w.getThrowableProxy().getMessage()).startsWith("test: "));
    assertThat(log.at(Level.DEBUG)).filteredOn(e -> e.getFormattedMessage().contains("failed again")).hasSize(16);

    // A minute later, the next failure of a callback is summed up in one WARN line, without the trace.
    main.advance(Duration.ofSeconds(55));
    manager.monitorTarget(ResourceId.of("te-3"), new TestingHeartbeatTarget<>());
    main.advance(TIMEOUT);
    assertThat(log.warnings()).hasSize(4).contains(
        "notifyHeartbeatTimeout failed 3 more time(s) in the heartbeat manager of rm, the last for te-3:"
            + " java.lang.IllegalStateException: test: the TIMEOUT callback fails");
    assertThat(log.warnings().get(2)).startsWith("retrievePayload failed ");
    assertThat(log.atLeast(Level.WARN).get(2).getThrowableProxy()).isNull();
  }

  // ------------------------------------------------------------------ helpers

  /** One failure of {@code callback}, for {@code target}: counted, in the metrics, and one WARN with the trace. */
  private void assertFailedOnce(String callback, ResourceId target) {
    assertThat(manager.stats().callbackFailures()).isEqualTo(1);
    assertThat(failedCallbacks).containsExactly(callback);
    assertThat(log.atLeast(Level.WARN)).singleElement().satisfies(w -> {
      assertThat(w.getFormattedMessage()).startsWith(callback + " failed for " + target + ";");
      assertThat(w.getThrowableProxy()).isNotNull();
    });
  }

  /**
   * The timer still runs for everyone else: a new silent target times out exactly one timeout after
   * it was monitored, and a new answering one is asked every interval and never times out.
   */
  private void assertDetectionCarriesOn() {
    checks++;
    ResourceId silent = ResourceId.of("silent-" + checks);
    ResourceId answering = ResourceId.of("answering-" + checks);
    TestingHeartbeatTarget<String> answeringTarget = new TestingHeartbeatTarget<>() {
      @Override
      public CompletableFuture<Void> requestHeartbeat(ResourceId origin, String payload) {
        main.execute(() -> manager.receiveHeartbeat(answering, null));
        return super.requestHeartbeat(origin, payload);
      }
    };
    long monitoredAt = main.nanoTime();
    manager.monitorTarget(silent, new TestingHeartbeatTarget<>());
    manager.monitorTarget(answering, answeringTarget);
    main.advance(TIMEOUT.multipliedBy(2));

    assertThat(listener.events(Kind.TIMEOUT)).filteredOn(e -> e.resourceId().equals(silent))
        .singleElement().extracting(Event::atNanos).isEqualTo(monitoredAt + TIMEOUT.toNanos());
    assertThat(listener.events(Kind.TIMEOUT)).extracting(Event::resourceId).doesNotContain(answering);
    assertThat(answeringTarget.requests()).isBetween(10L, 11L);
  }
}
