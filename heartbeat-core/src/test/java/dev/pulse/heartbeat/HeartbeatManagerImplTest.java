package dev.pulse.heartbeat;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pulse.heartbeat.TestingHeartbeatListener.Kind;
import dev.pulse.heartbeat.time.ManualMainThreadExecutor;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The receiving manager: SPEC 2, points 2 to 6, on the fake clock. */
class HeartbeatManagerImplTest {

  private static final Duration INTERVAL = Duration.ofSeconds(1);
  private static final Duration TIMEOUT = Duration.ofSeconds(5);
  private static final ResourceId OWN = ResourceId.of("rm");
  private static final ResourceId TE1 = ResourceId.of("te-1");
  private static final ResourceId TE2 = ResourceId.of("te-2");

  private ManualMainThreadExecutor main;
  private TestingHeartbeatListener<String, String> listener;
  private HeartbeatManager<String, String> manager;

  @BeforeEach
  void setUp() {
    main = new ManualMainThreadExecutor();
    listener = TestingHeartbeatListener.<String, String>builder().clock(main)
        .payloads(id -> "to-" + id).build();
    manager = HeartbeatServices.of(HeartbeatConfig.of(INTERVAL, TIMEOUT))
        .createHeartbeatManager(OWN, listener, main);
    main.runPending();
  }

  @Test
  void monitorTarget_silentTarget_timesOutExactlyTimeoutLater() {
    long monitoredAt = main.nanoTime();
    manager.monitorTarget(TE1, new TestingHeartbeatTarget<>());

    main.advance(TIMEOUT.minusNanos(1));
    assertThat(listener.events(Kind.TIMEOUT)).isEmpty();

    main.advanceNanos(1);
    assertThat(listener.events(Kind.TIMEOUT))
        .singleElement()
        .satisfies(e -> {
          assertThat(e.resourceId()).isEqualTo(TE1);
          assertThat(e.atNanos()).isEqualTo(monitoredAt + TIMEOUT.toNanos());
        });
  }

  @Test
  void receiveHeartbeat_movesDeadlineToNowPlusTimeout() {
    manager.monitorTarget(TE1, new TestingHeartbeatTarget<>());
    main.advance(Duration.ofSeconds(3));
    long heardAt = main.nanoTime();
    manager.receiveHeartbeat(TE1, null);

    main.advance(TIMEOUT.minusNanos(1));
    assertThat(listener.events(Kind.TIMEOUT)).isEmpty();
    main.advanceNanos(1);
    assertThat(listener.events(Kind.TIMEOUT)).singleElement()
        .extracting(TestingHeartbeatListener.Event::atNanos).isEqualTo(heardAt + TIMEOUT.toNanos());
  }

  @Test
  void targetThatKeepsAnswering_neverTimesOut_andOneThatStops_timesOutOnce() {
    manager.monitorTarget(TE1, new TestingHeartbeatTarget<>());
    manager.monitorTarget(TE2, new TestingHeartbeatTarget<>());
    for (int i = 0; i < 100; i++) {
      main.advance(INTERVAL);
      manager.receiveHeartbeat(TE1, null);
      if (i < 10) {
        manager.receiveHeartbeat(TE2, null);
      }
    }
    assertThat(listener.events(Kind.TIMEOUT)).extracting(TestingHeartbeatListener.Event::resourceId)
        .containsExactly(TE2);
    // Late heartbeats from a lost target revive nothing and fire nothing.
    manager.receiveHeartbeat(TE2, "late");
    for (int i = 0; i < 15; i++) {
      main.advance(INTERVAL);
      manager.receiveHeartbeat(TE1, null);
    }
    assertThat(listener.events(Kind.TIMEOUT)).hasSize(1);
    assertThat(listener.events(Kind.PAYLOAD)).isEmpty();
  }

  @Test
  void unmonitorTarget_cancelsItsTimeout() {
    manager.monitorTarget(TE1, new TestingHeartbeatTarget<>());
    manager.monitorTarget(TE2, new TestingHeartbeatTarget<>());
    main.advance(Duration.ofSeconds(2));
    manager.unmonitorTarget(TE1);

    main.advance(TIMEOUT.multipliedBy(2));
    assertThat(listener.events(Kind.TIMEOUT)).extracting(TestingHeartbeatListener.Event::resourceId)
        .containsExactly(TE2);
    assertThat(manager.getLastHeartbeatFrom(TE1)).isEqualTo(-1);
  }

  @Test
  void stop_cancelsEverything_noCallbackAndNoTimerAfterwards() {
    manager.monitorTarget(TE1, new TestingHeartbeatTarget<>());
    main.advance(INTERVAL);
    manager.stop();

    assertThat(main.scheduledTasks()).isZero();
    main.advance(TIMEOUT.multipliedBy(10));
    manager.receiveHeartbeat(TE1, "after stop");
    manager.monitorTarget(TE2, new TestingHeartbeatTarget<>());
    main.advance(TIMEOUT.multipliedBy(10));

    assertThat(listener.events()).isEmpty();
    assertThat(manager.numberOfTargets()).isZero();
  }

  @Test
  void getLastHeartbeatFrom_minusOneForUnknown_zeroBeforeFirst_thenTheTime() {
    assertThat(manager.getLastHeartbeatFrom(TE1)).isEqualTo(-1);
    manager.monitorTarget(TE1, new TestingHeartbeatTarget<>());
    assertThat(manager.getLastHeartbeatFrom(TE1)).isZero();

    main.advance(Duration.ofMillis(1500));
    long at = main.nanoTime();
    manager.receiveHeartbeat(TE1, null);
    assertThat(manager.getLastHeartbeatFrom(TE1)).isEqualTo(at).isPositive();
  }

  @Test
  void receiveHeartbeat_routesPayloadToItsOrigin_andIgnoresUnknownOrigins() {
    manager.monitorTarget(TE1, new TestingHeartbeatTarget<>());
    manager.monitorTarget(TE2, new TestingHeartbeatTarget<>());

    manager.receiveHeartbeat(TE2, "from-2");
    manager.receiveHeartbeat(TE1, "from-1");
    manager.receiveHeartbeat(ResourceId.of("stranger"), "from-stranger");
    manager.receiveHeartbeat(TE1, null);

    assertThat(listener.events(Kind.PAYLOAD))
        .extracting(e -> e.resourceId() + "=" + e.payload())
        .containsExactly("te-2=from-2", "te-1=from-1");
  }

  @Test
  void requestHeartbeat_countsAsHeartbeat_andAnswersTheRequesterWithItsPayload() {
    TestingHeartbeatTarget<String> rm1 = new TestingHeartbeatTarget<>();
    TestingHeartbeatTarget<String> rm2 = new TestingHeartbeatTarget<>();
    manager.monitorTarget(TE1, rm1);
    manager.monitorTarget(TE2, rm2);
    main.advance(Duration.ofSeconds(4));

    manager.requestHeartbeat(TE2, "request-from-2");
    main.runPending();

    assertThat(rm2.calls()).containsExactly(new TestingHeartbeatTarget.Call(false, OWN, "to-te-2"));
    assertThat(rm1.calls()).isEmpty();
    assertThat(listener.events(Kind.PAYLOAD)).extracting(TestingHeartbeatListener.Event::payload)
        .containsExactly("request-from-2");
    main.advance(Duration.ofSeconds(2));
    assertThat(listener.events(Kind.TIMEOUT)).extracting(TestingHeartbeatListener.Event::resourceId)
        .containsExactly(TE1);
  }

  @Test
  void monitorTarget_twice_keepsTheFirstTargetAndDeadline() {
    TestingHeartbeatTarget<String> first = new TestingHeartbeatTarget<>();
    manager.monitorTarget(TE1, first);
    main.advance(Duration.ofSeconds(3));
    manager.monitorTarget(TE1, new TestingHeartbeatTarget<>());

    main.advance(Duration.ofSeconds(2));
    assertThat(listener.events(Kind.TIMEOUT)).hasSize(1);
    assertThat(manager.numberOfTargets()).isEqualTo(1);
  }

  @Test
  void listenerMayUnmonitorFromItsCallback_andMonitorAgainLater() {
    listener = TestingHeartbeatListener.<String, String>builder().clock(main)
        .onLoss(id -> manager.unmonitorTarget(id)).build();
    manager = HeartbeatServices.of(HeartbeatConfig.of(INTERVAL, TIMEOUT)).createHeartbeatManager(OWN, listener, main);
    manager.monitorTarget(TE1, new TestingHeartbeatTarget<>());
    main.advance(TIMEOUT);
    assertThat(manager.numberOfTargets()).isZero();

    manager.monitorTarget(TE1, new TestingHeartbeatTarget<>());
    main.advance(TIMEOUT);
    assertThat(listener.events(Kind.TIMEOUT)).hasSize(2);
  }

  @Test
  void heartbeats_neverTouchTheTimer() {
    manager.monitorTarget(TE1, new TestingHeartbeatTarget<>());
    main.runPending();
    long tasksBefore = main.tasksRun();
    int scheduledBefore = main.scheduledTasks();
    for (int i = 0; i < 10_000; i++) {
      manager.receiveHeartbeat(TE1, null);
    }
    assertThat(main.scheduledTasks()).isEqualTo(scheduledBefore).isEqualTo(1);
    assertThat(main.tasksRun()).isEqualTo(tasksBefore);
  }

  @Test
  void noOpTarget_succeedsAtOnce_andStillTimesOutWhenNothingArrives() {
    HeartbeatTarget<String> target = HeartbeatTarget.noOp();
    assertThat(target.requestHeartbeat(OWN, "x")).isCompleted();
    assertThat(target.receiveHeartbeat(OWN, "x")).isCompleted();
    manager.monitorTarget(TE1, target);
    main.advance(TIMEOUT);
    assertThat(listener.events(Kind.TIMEOUT)).hasSize(1);
  }

  @Test
  void noOpServices_watchNothing() {
    ManualMainThreadExecutor other = new ManualMainThreadExecutor();
    HeartbeatManager<String, String> noOp = HeartbeatServices.noOp().createHeartbeatManagerSender(OWN, listener, other);
    noOp.monitorTarget(TE1, new TestingHeartbeatTarget<>());
    other.advance(TIMEOUT.multipliedBy(3));
    assertThat(listener.events()).isEmpty();
    assertThat(other.scheduledTasks()).isZero();
    assertThat(noOp.getLastHeartbeatFrom(TE1)).isEqualTo(-1);
  }

  @Test
  void noOpServices_bothKindsOfManager_answerEverythingAndCountNothing() {
    HeartbeatServices services = HeartbeatServices.noOp();
    HeartbeatManager<String, String> receiver = services.createHeartbeatManager(OWN, listener, main);
    HeartbeatManager<String, String> sender = services.createHeartbeatManagerSender(OWN, listener, main);

    assertThat(services.config()).isEqualTo(HeartbeatConfig.DEFAULTS);
    for (HeartbeatManager<String, String> m : List.of(receiver, sender)) {
      m.monitorTarget(TE1, new TestingHeartbeatTarget<>());
      assertThat(m.receiveHeartbeat(TE1, "x")).isCompleted();
      assertThat(m.requestHeartbeat(TE1, "x")).isCompleted();
      assertThat(m.numberOfTargets()).isZero();
      assertThat(m.getConsecutiveFailedRpcs(TE1)).isEqualTo(-1);
      assertThat(m.stats()).isEqualTo(new HeartbeatStats(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0));
      m.unmonitorTarget(TE1);
      m.stop();
    }
    assertThat(listener.events()).isEmpty();
  }

  @Test
  void listenerWithoutARestartCallback_hearsARestartAsUnreachable() {
    List<ResourceId> unreachable = new ArrayList<>();
    HeartbeatListener<String, String> flinkStyle = new HeartbeatListener<>() {
      @Override
      public void notifyHeartbeatTimeout(ResourceId id) {}

      @Override
      public void notifyTargetUnreachable(ResourceId id) {
        unreachable.add(id);
      }

      @Override
      public void reportPayload(ResourceId id, String payload) {}

      @Override
      public String retrievePayload(ResourceId id) {
        return null;
      }
    };

    flinkStyle.notifyTargetRestarted(TE1);

    assertThat(unreachable).containsExactly(TE1);
  }
}
