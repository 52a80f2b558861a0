package dev.pulse.te;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pulse.heartbeat.HeartbeatConfig;
import dev.pulse.heartbeat.ResourceId;
import dev.pulse.heartbeat.time.ManualMainThreadExecutor;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The edges of registering, on a fake clock with a scripted resource manager: the last attempt at the
 * registration timeout, answers that arrive after the task executor stopped, and a restarted resource
 * manager calling while the backoff waits. Every expected instant is worked out here from the documented
 * rules (ceilings of 100 ms doubling to 30 s without jitter, {@link ResourceManagerConnection#LAST_ATTEMPT_GRACE}).
 */
class RegistrationEdgesTest {

  private static final Duration INTERVAL = Duration.ofSeconds(1);
  private static final Duration TIMEOUT = Duration.ofSeconds(5);
  private static final Duration GRACE = Duration.ofSeconds(5);

  private final ManualMainThreadExecutor main = new ManualMainThreadExecutor();
  private final ScriptedResourceManagerClient client = new ScriptedResourceManagerClient(main);
  private final RecordingListener listener = new RecordingListener();
  private TaskExecutorCore core;
  /** The fake clock's reading at the start: every instant below is relative to it. */
  private long startedAt;

  // ------------------------------------------------------------------ the last attempt

  @Test
  void lastAttempt_isMadeAtTheTimeoutItself_andItsRefusalStopsTheTaskExecutorAtOnce() {
    client.refuseAll("UNAVAILABLE", "connection refused");
    start(Duration.ofSeconds(10));
    // Attempts at 0, 0.1, 0.3, 0.7, 1.5, 3.1 and 6.3 s; the backoff's next one would be at 12.7 s.
    main.advance(Duration.ofSeconds(10).minusNanos(1));
    assertThat(client.registrations()).hasSize(7);
    assertThat(core.failStop()).isNotDone();

    main.advanceNanos(1);

    assertThat(client.registrations()).hasSize(8);
    assertThat(client.lastRegistration().atNanos()).isEqualTo(startedAt + Duration.ofSeconds(10).toNanos());
    assertThat(core.failStop()).isCompleted();
    assertThat(core.failStop().join()).contains("after 8 attempt(s)").contains("UNAVAILABLE: connection refused");
  }

  @Test
  void lastAttempt_unanswered_stopsTheTaskExecutorWhenItsGraceEnds() {
    client.refuseAll("UNAVAILABLE");
    start(Duration.ofSeconds(10));
    main.advance(Duration.ofSeconds(9)); // the attempt at 6.3 s was refused; the next would be at 12.7 s
    client.answerNothing();
    main.advance(Duration.ofSeconds(1)); // the last attempt, at 10 s, hangs
    assertThat(client.lastRegistration().atNanos()).isEqualTo(startedAt + Duration.ofSeconds(10).toNanos());

    main.advance(GRACE.minusNanos(1));
    assertThat(core.failStop()).isNotDone();
    main.advanceNanos(1);

    assertThat(core.failStop()).isCompleted();
    assertThat(core.failStop().join()).contains("after 8 attempt(s)").contains("UNAVAILABLE");
  }

  @Test
  void lastAttempt_acceptedWithinItsGrace_keepsTheTaskExecutorAndItsTimerNeverFires() {
    client.refuseAll("UNAVAILABLE");
    start(Duration.ofSeconds(10));
    main.advance(Duration.ofSeconds(9));
    client.answerNothing();
    main.advance(Duration.ofSeconds(1)); // the last attempt, at 10 s, is in flight

    main.advance(GRACE.minusMillis(1));
    client.lastRegistration().accept("reg-last");
    main.runPending();
    assertThat(core.registration().registrationId()).isEqualTo("reg-last");

    main.advance(Duration.ofSeconds(1)); // past the grace: the give-up timer was cancelled
    core.heartbeats().receiveHeartbeat(ResourceId.of("rm-1"), null);
    assertThat(core.failStop()).isNotDone();
    assertThat(core.registration()).isNotNull();
  }

  @Test
  void lossAfterALastAttemptThatSucceeded_startsAFullRegistrationTimeoutAndAnotherLastAttempt() {
    client.refuseAll("UNAVAILABLE");
    start(Duration.ofSeconds(10));
    main.advance(Duration.ofSeconds(9));
    client.acceptAll();
    main.advance(Duration.ofSeconds(1)); // the last attempt, at 10 s, is accepted
    assertThat(core.registration()).isNotNull();
    client.refuseAll("UNAVAILABLE");

    main.advance(TIMEOUT); // no heartbeat: lost at 15 s, and registering again
    long lostAt = startedAt + Duration.ofSeconds(15).toNanos();
    assertThat(listener.eventsStartingWith("lost")).hasSize(1);
    main.advanceTo(lostAt + Duration.ofSeconds(10).toNanos() - 1);
    assertThat(core.failStop()).isNotDone();
    int before = client.registrations().size();

    main.advanceNanos(1);

    // A fresh last attempt at the new timeout, refused: stops at once.
    assertThat(client.registrations()).hasSize(before + 1);
    assertThat(client.lastRegistration().atNanos()).isEqualTo(lostAt + Duration.ofSeconds(10).toNanos());
    assertThat(core.failStop()).isCompleted();
  }

  // ------------------------------------------------------------------ answers after the end

  @Test
  void acceptedAfterClose_isUndoneWithAGoodbye_andNotFollowed() {
    start(Duration.ofMinutes(5)); // the first attempt stays unanswered

    core.close();
    client.lastRegistration().accept("reg-late");
    main.runPending();

    assertThat(core.registration()).isNull();
    assertThat(client.disconnects()).singleElement().satisfies(d -> {
      assertThat(d.registrationId()).isEqualTo("reg-late");
      assertThat(d.cause()).contains("stopped before the registration was accepted");
    });
    assertThat(listener.eventsStartingWith("registered")).isEmpty();
  }

  @Test
  void refusedAfterClose_sendsNoGoodbyeAndNoFurtherAttempt() {
    start(Duration.ofMinutes(5));
    core.close();
    client.lastRegistration().refuse("UNAVAILABLE", "");
    main.advance(Duration.ofMinutes(1));
    assertThat(client.disconnects()).isEmpty();
    assertThat(client.registrations()).hasSize(1);
  }

  // ------------------------------------------------------------------ a restart while the backoff waits

  @Test
  void resourceManagerRestarted_whileTheBackoffWaits_replacesThePendingRetry() {
    client.acceptAll();
    start(Duration.ofMinutes(5));
    client.refuseAll("UNAVAILABLE");
    main.advance(TIMEOUT); // lost at 5 s: attempts at 5, 5.1, 5.3, 5.7, 6.5, 8.1, 11.3, 17.7, 30.5 s; next at 56.1 s
    long lostAt = startedAt + TIMEOUT.toNanos();
    main.advanceTo(lostAt + Duration.ofSeconds(30).toNanos());
    assertThat(client.registrations()).hasSize(10);

    // Still refusing, but calling with a newer epoch: one attempt now, then the backoff goes on from there.
    core.resourceManagerRestarted(new FencingToken("rm-1", ScriptedResourceManagerClient.TOKEN.epoch() + 1));
    main.runPending();
    assertThat(client.registrations()).hasSize(11);
    long restartedAt = main.nanoTime();

    // The retry that was due at 56.1 s is gone; the next one follows the refused attempt by its 30 s ceiling.
    main.advanceTo(restartedAt + Duration.ofSeconds(30).toNanos() - 1);
    assertThat(client.registrations()).hasSize(11);
    main.advanceNanos(1);
    assertThat(client.registrations()).hasSize(12);
    assertThat(client.lastRegistration().atNanos()).isEqualTo(restartedAt + Duration.ofSeconds(30).toNanos());
  }

  @Test
  void resourceManagerRestarted_whileAnAttemptIsInFlight_makesNoSecondOne() {
    client.acceptAll();
    start(Duration.ofMinutes(5));
    client.answerNothing();
    main.advance(TIMEOUT); // lost; the attempt at once hangs
    assertThat(client.registrations()).hasSize(2);

    core.resourceManagerRestarted(new FencingToken("rm-1", ScriptedResourceManagerClient.TOKEN.epoch() + 1));
    main.runPending();

    assertThat(client.registrations()).hasSize(2);
  }

  // ------------------------------------------------------------------ helpers

  private void start(Duration registrationTimeout) {
    startedAt = main.nanoTime();
    core = newCore(main, client, registrationTimeout);
    core.start("127.0.0.1:5000");
    main.runPending();
  }

  private TaskExecutorCore newCore(ManualMainThreadExecutor executor, ScriptedResourceManagerClient rm,
      Duration registrationTimeout) {
    TaskExecutorConfig config = new TaskExecutorConfig(ResourceId.of("te-1"), 2, "127.0.0.1", 0, registrationTimeout,
        "127.0.0.1", 6123, HeartbeatConfig.of(INTERVAL, TIMEOUT));
    return new TaskExecutorCore(config, "instance-1", executor, rm, List.of(listener),
        RetryBackoff.forRegistration(() -> 1.0));
  }
}
