package dev.pulse.heartbeat;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pulse.heartbeat.TestingHeartbeatListener.Event;
import dev.pulse.heartbeat.TestingHeartbeatListener.Kind;
import dev.pulse.heartbeat.time.ManualMainThreadExecutor;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * SPEC 2 point 12: when the owner's own process does not run (GC pause, SIGSTOP), the gap is not
 * charged to its targets. {@link ManualMainThreadExecutor#freeze} stops the world: time jumps while
 * nothing runs, then the overdue timer fires late.
 */
class LocalPauseTest {

  private static final Duration INTERVAL = Duration.ofSeconds(1);
  private static final Duration TIMEOUT = Duration.ofSeconds(5);
  private static final ResourceId OWN = ResourceId.of("rm");

  private ManualMainThreadExecutor main;
  private TestingHeartbeatListener<String, String> listener;
  private HeartbeatManager<String, String> sender;
  private final List<AnsweringTarget> targets = new ArrayList<>();

  @BeforeEach
  void setUp() {
    main = new ManualMainThreadExecutor();
    listener = TestingHeartbeatListener.<String, String>builder().clock(main).build();
    sender = HeartbeatServices.of(HeartbeatConfig.of(INTERVAL, TIMEOUT)).createHeartbeatManagerSender(OWN, listener, main);
    for (int i = 0; i < 3; i++) {
      AnsweringTarget t = new AnsweringTarget(ResourceId.of("te-" + i));
      targets.add(t);
      sender.monitorTarget(t.id, t);
    }
    main.advance(INTERVAL.multipliedBy(10));
    assertThat(listener.events()).isEmpty();
  }

  @Test
  void pauseOfThreeTimeouts_losesNoTarget_andIsReportedOnce() {
    main.freeze(TIMEOUT.multipliedBy(3));
    main.advance(INTERVAL.multipliedBy(20));

    assertThat(listener.events(Kind.TIMEOUT)).isEmpty();
    assertThat(listener.events(Kind.LOCAL_PAUSE)).singleElement().extracting(Event::paused)
        .satisfies(p -> assertThat(p).isBetween(Duration.ofMillis(14_900), Duration.ofSeconds(15)));
    assertThat(sender.stats().localPauses()).isEqualTo(1);
    assertThat(sender.stats().localPausedNanos()).isBetween(14_900_000_000L, 15_000_000_000L);
  }

  @Test
  void targetThatDiedDuringThePause_isAskedAgainAndGivenAFullIntervalBeforeItTimesOut() {
    AnsweringTarget dead = targets.get(1);
    // It stops answering; its deadline (last heard + 5 s) falls inside the pause.
    dead.answering = false;
    main.advance(Duration.ofMillis(4_000));
    main.freeze(TIMEOUT.multipliedBy(3));
    long resumedAt = main.nanoTime();
    main.advance(TIMEOUT.multipliedBy(2));

    Event timeout = listener.events(Kind.TIMEOUT).stream().filter(e -> e.resourceId().equals(dead.id))
        .findFirst().orElseThrow();
    long firstAskAfterResume = dead.requestTimes.stream().filter(t -> t >= resumedAt).findFirst().orElseThrow();
    assertThat(timeout.atNanos()).isGreaterThanOrEqualTo(firstAskAfterResume + INTERVAL.toNanos());
    assertThat(timeout.atNanos()).isLessThanOrEqualTo(resumedAt + 2 * INTERVAL.toNanos());
    // The healthy ones were never touched.
    assertThat(listener.events(Kind.TIMEOUT)).hasSize(1);
  }

  @Test
  void targetSilentLongBeforeThePause_stillTimesOut_withoutThePausedTimeCharged() {
    AnsweringTarget dead = targets.get(2);
    dead.answering = false;
    long lastHeard = sender.getLastHeartbeatFrom(dead.id);
    main.advance(Duration.ofSeconds(2));
    main.freeze(Duration.ofSeconds(20));
    main.advance(Duration.ofSeconds(10));

    Event timeout = listener.events(Kind.TIMEOUT).stream().findFirst().orElseThrow();
    long paused = listener.events(Kind.LOCAL_PAUSE).get(0).paused().toNanos();
    assertThat(timeout.resourceId()).isEqualTo(dead.id);
    assertThat(timeout.atNanos()).isEqualTo(lastHeard + TIMEOUT.toNanos() + paused);
  }

  @Test
  void lagBelowThePauseThreshold_isNotAPause() {
    // Threshold: three intervals (3 s), but at most half the timeout (2.5 s).
    main.freeze(Duration.ofMillis(2_400));
    main.advance(INTERVAL.multipliedBy(5));
    assertThat(listener.events()).isEmpty();
    assertThat(sender.stats().localPauses()).isZero();
    assertThat(sender.stats().maxTickLagNanos()).isBetween(2_300_000_000L, 2_400_000_000L);
  }

  @Test
  void lagOfExactlyThePauseThreshold_isNotAPause() {
    // setUp ended on a phase: the next wake-up is due 10 ms later. It runs 2.5 s late, the threshold.
    main.freeze(Duration.ofMillis(10 + 2_500));
    assertThat(listener.events(Kind.LOCAL_PAUSE)).isEmpty();
    assertThat(sender.stats().maxTickLagNanos()).isEqualTo(2_500_000_000L);
  }

  @Test
  void lagOfOneNanosecondOverThePauseThreshold_isAPause_ofExactlyThatLag() {
    main.freeze(Duration.ofMillis(10 + 2_500).plusNanos(1));
    assertThat(listener.events(Kind.LOCAL_PAUSE)).singleElement().extracting(Event::paused)
        .isEqualTo(Duration.ofMillis(2_500).plusNanos(1));
    assertThat(sender.stats().localPausedNanos()).isEqualTo(2_500_000_001L);
  }

  @Test
  void pauseThreshold_isThreeIntervals_atMostHalfTheTimeout_atLeastOneInterval() {
    long s = 1_000_000_000L;
    assertThat(HeartbeatManagerImpl.pauseThreshold(10 * s, 50 * s)).isEqualTo(25 * s);
    assertThat(HeartbeatManagerImpl.pauseThreshold(10 * s, 100 * s)).isEqualTo(30 * s);
    assertThat(HeartbeatManagerImpl.pauseThreshold(10 * s, 10 * s)).isEqualTo(10 * s);
  }

  @Test
  void receiver_pausedForThreeTimeouts_doesNotLoseTheSenderItWatches() {
    ManualMainThreadExecutor teMain = new ManualMainThreadExecutor();
    TestingHeartbeatListener<String, String> teListener = TestingHeartbeatListener.<String, String>builder()
        .clock(teMain).build();
    HeartbeatManager<String, String> receiver = HeartbeatServices.of(HeartbeatConfig.of(INTERVAL, TIMEOUT))
        .createHeartbeatManager(ResourceId.of("te"), teListener, teMain);
    receiver.monitorTarget(OWN, new TestingHeartbeatTarget<>());
    for (int i = 0; i < 10; i++) {
      teMain.advance(INTERVAL);
      receiver.requestHeartbeat(OWN, null);
    }
    teMain.freeze(TIMEOUT.multipliedBy(3));
    // The sender's next request arrives within an interval of the resume.
    teMain.advance(INTERVAL);
    receiver.requestHeartbeat(OWN, null);
    teMain.advance(INTERVAL.multipliedBy(3));
    receiver.requestHeartbeat(OWN, null);
    teMain.advance(INTERVAL.multipliedBy(3));

    assertThat(teListener.events(Kind.TIMEOUT)).isEmpty();
    assertThat(teListener.events(Kind.LOCAL_PAUSE)).hasSize(1);
  }

  /** A target that answers each request with a heartbeat through the main thread, like a TE would. */
  private final class AnsweringTarget extends TestingHeartbeatTarget<String> {
    final ResourceId id;
    final List<Long> requestTimes = new ArrayList<>();
    boolean answering = true;

    AnsweringTarget(ResourceId id) {
      this.id = id;
    }

    @Override
    public CompletableFuture<Void> requestHeartbeat(ResourceId origin, String payload) {
      requestTimes.add(main.nanoTime());
      if (answering) {
        main.execute(() -> sender.receiveHeartbeat(id, null));
      }
      return super.requestHeartbeat(origin, payload);
    }
  }
}
