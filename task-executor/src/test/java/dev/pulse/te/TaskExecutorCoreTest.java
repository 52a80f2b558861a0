package dev.pulse.te;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pulse.heartbeat.HeartbeatConfig;
import dev.pulse.heartbeat.ResourceId;
import dev.pulse.heartbeat.time.ManualMainThreadExecutor;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/**
 * The task executor's rules on a fake clock: registration with backoff, losing and finding the
 * resource manager, fail-stop, slot calls and goodbye. The resource manager is a scripted client;
 * its heartbeats are fed straight into the receiving heartbeat manager, as the gateway does.
 */
class TaskExecutorCoreTest {

  private static final Duration INTERVAL = Duration.ofSeconds(1);
  private static final Duration TIMEOUT = Duration.ofSeconds(5);
  private static final ResourceId RM = ResourceId.of("rm-1");
  private static final TaskExecutorInstance IDENTITY = new TaskExecutorInstance("te-1", "instance-1");
  private static final String ADDRESS = "127.0.0.1:5000";

  private final ManualMainThreadExecutor main = new ManualMainThreadExecutor();
  private final ScriptedResourceManagerClient client = new ScriptedResourceManagerClient(main);
  private final RecordingListener listener = new RecordingListener();
  private TaskExecutorCore core;

  // ------------------------------------------------------------------ registration

  @Test
  void start_registersWithIdentityAddressSlotCountAndSlotReport() {
    start(Duration.ofMinutes(5));

    assertThat(client.registrations()).hasSize(1);
    ScriptedResourceManagerClient.RegistrationCall request = client.lastRegistration();
    assertThat(request.taskExecutor()).isEqualTo(IDENTITY);
    assertThat(request.rpcAddress()).isEqualTo(ADDRESS);
    assertThat(request.numberOfSlots()).isEqualTo(2);
    assertThat(request.slots().slots()).extracting(TaskSlot::isFree).containsExactly(true, true);
    assertThat(core.registration()).isNull();
    assertThat(core.acceptedToken()).isNull();
  }

  @Test
  void registration_refused_isRetriedWithExponentialBackoffCappedAt30Seconds() {
    client.refuseAll("UNAVAILABLE", "connection refused");
    start(Duration.ofMinutes(5));

    main.advance(Duration.ofSeconds(120));

    assertThat(gapsInMillis(client.registrations())).containsExactly(
        100L, 200L, 400L, 800L, 1_600L, 3_200L, 6_400L, 12_800L, 25_600L, 30_000L, 30_000L);
  }

  @Test
  void registration_refused_isRetriedWithFullJitter_eachGapWithinItsCeiling() {
    long seed = new java.util.Random().nextLong();
    java.util.Random random = new java.util.Random(seed);
    client.refuseAll("UNAVAILABLE", "connection refused");
    start(Duration.ofMinutes(5), RetryBackoff.forRegistration(random::nextDouble));

    main.advance(Duration.ofSeconds(120));

    List<Long> gaps = gapsInMillis(client.registrations());
    List<Long> ceilings = List.of(100L, 200L, 400L, 800L, 1_600L, 3_200L, 6_400L, 12_800L, 25_600L, 30_000L);
    assertThat(gaps).as("seed %d", seed).hasSizeGreaterThan(ceilings.size());
    for (int i = 0; i < gaps.size(); i++) {
      assertThat(gaps.get(i)).as("gap %d, seed %d", i, seed).isBetween(0L, ceilings.get(Math.min(i, 9)));
    }
    assertThat(gaps.subList(0, ceilings.size())).as("seed %d", seed).isNotEqualTo(ceilings);
  }

  @Test
  void resourceManagerCutOff_forLessThanTheRegistrationTimeout_noFailStop_andItsSlotsAreKept() {
    client.acceptAll();
    start(Duration.ofSeconds(60));
    requestSlot(1, "a-1", "job-1");
    client.refuseAll("UNAVAILABLE");
    main.advance(TIMEOUT); // the resource manager is lost; registration is retried
    long lostAt = main.nanoTime();

    main.advanceTo(lostAt + Duration.ofSeconds(59).toNanos()); // a 59 s cut, 1 s short of the timeout
    assertThat(core.failStop()).isNotDone();
    assertThat(core.slotSnapshot().get(1).isFree()).isFalse();
    int registeredBefore = (int) listener.events().stream().filter(e -> e.startsWith("registered")).count();
    client.acceptAll();
    // The next attempt by the backoff would come 81.1 s after the loss; the last one, at the timeout, finds it.
    main.advanceTo(lostAt + Duration.ofSeconds(60).toNanos());

    assertThat(listener.events().stream().filter(e -> e.startsWith("registered")).count())
        .as(listener.events() + " " + gapsInMillis(client.registrations())).isGreaterThan(registeredBefore);
    assertThat(core.failStop()).isNotDone();
    assertThat(core.slotSnapshot().get(1).isFree()).isFalse();
    main.advance(Duration.ofSeconds(60));
    assertThat(core.failStop()).isNotDone();
  }

  @Test
  void registration_accepted_isFollowedAndTheResourceManagerWatched() {
    client.refuseAll("UNAVAILABLE");
    start(Duration.ofMinutes(5));
    main.advance(Duration.ofMillis(300)); // attempts at 0, 100 and 300 ms were refused
    client.acceptAll();

    main.advance(Duration.ofMillis(400));

    assertThat(client.registrations()).hasSize(4);
    assertThat(core.registration().registrationId()).isEqualTo("reg-4");
    assertThat(core.acceptedToken()).isEqualTo(ScriptedResourceManagerClient.TOKEN);
    assertThat(core.heartbeats().getLastHeartbeatFrom(RM)).isZero();
    assertThat(listener.events()).containsExactly("registered rm-1 reg-4");
    // Once the answer is taken, one slot report confirms it, so the resource manager offers the slots.
    assertThat(client.slotReports()).singleElement().satisfies(r -> {
      assertThat(r.registrationId()).isEqualTo("reg-4");
      assertThat(r.slots()).isEqualTo(core.slotReport());
    });
  }

  @Test
  void registration_afterALoss_backsOffFrom100MillisAgain() {
    client.refuseAll("UNAVAILABLE");
    start(Duration.ofMinutes(5));
    main.advance(Duration.ofSeconds(30)); // attempts up to 25.5 s; the next one comes at 51.1 s
    client.acceptAll();
    main.advance(Duration.ofSeconds(25));
    assertThat(core.registration()).isNotNull();
    core.heartbeats().receiveHeartbeat(RM, null);
    int before = client.registrations().size();
    client.refuseAll("UNAVAILABLE");

    main.advance(TIMEOUT); // no more heartbeats from the resource manager: lost, first attempt at once
    main.advance(Duration.ofMillis(700));

    List<ScriptedResourceManagerClient.RegistrationCall> after =
        client.registrations().subList(before, client.registrations().size());
    assertThat(gapsInMillis(after)).containsExactly(100L, 200L, 400L);
  }

  @Test
  void registration_refusedAsInvalid_keepsRetryingAndTheFailStopSaysWhy() {
    client.refuseAll("INVALID_ARGUMENT", "rpc_address: '0.0.0.0:5000' cannot be called");
    start(Duration.ofMinutes(1));

    main.advance(Duration.ofSeconds(59));
    assertThat(client.registrations()).hasSizeGreaterThan(5);
    assertThat(core.failStop()).isNotDone();

    main.advance(Duration.ofSeconds(1));

    assertThat(core.failStop()).isCompleted();
    assertThat(core.failStop().join())
        .contains("INVALID_ARGUMENT: rpc_address: '0.0.0.0:5000' cannot be called")
        .contains("taskexecutor.rpc.address");
  }

  @Test
  void registration_malformedAnswer_countsAsAFailedAttempt() {
    start(Duration.ofMinutes(5));

    client.lastRegistration().answer().completeExceptionally(
        ResourceManagerCallException.malformedAnswer("registration_id: is required"));
    main.runPending();

    assertThat(core.registration()).isNull();
    main.advance(Duration.ofMillis(100));
    assertThat(client.registrations()).hasSize(2);
  }

  // ------------------------------------------------------------------ losing the resource manager

  @Test
  void heartbeatTimeout_dropsTheRegistrationAndRegistersAgainKeepingTheSlots() {
    client.acceptAll();
    start(Duration.ofMinutes(5));
    requestSlot(0, "a-1", "job-1");
    for (int i = 0; i < 10; i++) {
      main.advance(INTERVAL);
      core.heartbeats().receiveHeartbeat(RM, null);
    }
    assertThat(core.registration().registrationId()).isEqualTo("reg-1");
    long lastHeartbeat = main.nanoTime();
    client.answerNothing();

    main.advanceTo(lastHeartbeat + TIMEOUT.toNanos() - 1);
    assertThat(core.registration()).isNotNull();
    assertThat(client.registrations()).hasSize(1);

    main.advanceNanos(1);

    assertThat(core.registration()).isNull();
    assertThat(core.acceptedToken()).isNull();
    assertThat(core.heartbeats().getLastHeartbeatFrom(RM)).isEqualTo(-1);
    assertThat(client.registrations()).hasSize(2);
    assertThat(client.lastRegistration().atNanos()).isEqualTo(lastHeartbeat + TIMEOUT.toNanos());
    assertThat(client.lastRegistration().slots().slots().get(0).allocationId()).isEqualTo("a-1");
    assertThat(core.slotSnapshot().get(0).allocationId()).isEqualTo("a-1");
    assertThat(listener.eventsStartingWith("lost")).singleElement().asString()
        .startsWith("lost rm-1: ").contains("sent no heartbeat request for 5 s");
  }

  @Test
  void resourceManagerRestarted_newerEpochOfTheFollowedOne_registersAgainAtOnceWithTheSlotReport() {
    client.acceptAll();
    start(Duration.ofMinutes(5));
    requestSlot(0, "a-1", "job-1");
    main.advance(INTERVAL);
    core.heartbeats().receiveHeartbeat(RM, null);
    long restartSeenAt = main.nanoTime();
    FencingToken older = ScriptedResourceManagerClient.TOKEN;

    core.resourceManagerRestarted(new FencingToken("rm-other", older.epoch() + 1)); // another RM: no effect
    core.resourceManagerRestarted(new FencingToken(older.resourceManagerId(), older.epoch())); // same epoch
    assertThat(client.registrations()).hasSize(1);

    core.resourceManagerRestarted(new FencingToken(older.resourceManagerId(), older.epoch() + 1));
    main.runPending();

    // Long before the heartbeat timeout: at the same instant, with the allocation in the report.
    assertThat(client.registrations()).hasSize(2);
    assertThat(client.lastRegistration().atNanos()).isEqualTo(restartSeenAt);
    assertThat(client.lastRegistration().slots().slots().get(0).allocationId()).isEqualTo("a-1");
    assertThat(core.slotSnapshot().get(0).allocationId()).isEqualTo("a-1");
    assertThat(core.registration().registrationId()).isEqualTo("reg-2");
    assertThat(listener.eventsStartingWith("lost")).singleElement().asString().contains("restarted (newer epoch)");
  }

  @Test
  void resourceManagerRestarted_whileRegisteringAgain_retriesAtOnceInsteadOfAfterTheBackoff() {
    client.acceptAll();
    start(Duration.ofMinutes(5));
    FencingToken followed = ScriptedResourceManagerClient.TOKEN;
    // The resource manager goes away: the heartbeat timeout ends the registration, and attempts back off.
    client.refuseAll("UNAVAILABLE");
    main.advance(TIMEOUT.plus(Duration.ofSeconds(30)));
    int attemptsWhileDown = client.registrations().size();
    assertThat(core.registration()).isNull();

    // It comes back on its store and calls: another resource manager, or the same epoch, change nothing.
    client.acceptAll();
    core.resourceManagerRestarted(new FencingToken("rm-other", followed.epoch() + 1));
    core.resourceManagerRestarted(followed);
    assertThat(client.registrations()).hasSize(attemptsWhileDown);

    long calledAt = main.nanoTime();
    core.resourceManagerRestarted(new FencingToken(followed.resourceManagerId(), followed.epoch() + 1));
    main.runPending();
    assertThat(client.registrations()).hasSize(attemptsWhileDown + 1);
    assertThat(client.lastRegistration().atNanos()).isEqualTo(calledAt);
    assertThat(core.registration()).isNotNull();
  }

  @Test
  void resourceManagerHeartbeatAge_emptyUntilAsked_thenTheTimeSinceItsLastRequest_emptyAgainWhenLost() {
    start(Duration.ofMinutes(5)); // the attempt stays unanswered
    assertThat(core.resourceManagerHeartbeatAge()).isEmpty();
    client.lastRegistration().accept("reg-1");
    main.runPending();
    assertThat(core.resourceManagerHeartbeatAge()).as("registered, not asked yet").isEmpty();

    main.advance(INTERVAL);
    core.heartbeats().receiveHeartbeat(RM, null);
    main.advance(Duration.ofMillis(1_250));

    assertThat(core.resourceManagerHeartbeatAge()).contains(Duration.ofMillis(1_250));
    main.advance(TIMEOUT);
    assertThat(core.registration()).isNull();
    assertThat(core.resourceManagerHeartbeatAge()).isEmpty();
  }

  @Test
  void close_twice_theSecondChangesNothing() {
    client.acceptAll();
    start(Duration.ofMinutes(5));
    assertThat(core.close()).isCompleted();

    CompletableFuture<Void> again = core.close();

    assertThat(again).isCompleted();
    assertThat(client.disconnects()).hasSize(1);
  }

  @Test
  void heartbeatTimeout_thenAcceptedAgain_followsTheNewRegistration() {
    client.acceptAll();
    start(Duration.ofMinutes(5));

    main.advance(TIMEOUT);

    assertThat(client.registrations()).hasSize(2);
    assertThat(core.registration().registrationId()).isEqualTo("reg-2");
    assertThat(listener.events()).containsExactly("registered rm-1 reg-1",
        "lost rm-1: resource manager rm-1 sent no heartbeat request for 5 s (heartbeat.timeout)",
        "registered rm-1 reg-2");
  }

  @Test
  void disconnectResourceManager_freesEverySlotForgetsTheRegistrationAndRegistersAgain() {
    client.acceptAll();
    start(Duration.ofMinutes(5));
    requestSlot(0, "a-1", "job-1");
    requestSlot(1, "a-2", "job-1");
    client.answerNothing();

    core.disconnectResourceManager(ScriptedResourceManagerClient.TOKEN, "HEARTBEAT_TIMEOUT", "no heartbeat for 50 s");
    main.runPending();

    assertThat(core.registration()).isNull();
    assertThat(core.slotSnapshot()).allMatch(TaskSlot::isFree);
    assertThat(client.registrations()).hasSize(2);
    assertThat(client.lastRegistration().slots().slots()).allMatch(TaskSlot::isFree);
    assertThat(listener.eventsStartingWith("freed")).hasSize(2)
        .allMatch(e -> e.contains("HEARTBEAT_TIMEOUT: no heartbeat for 50 s"));
    assertThat(listener.eventsStartingWith("lost")).hasSize(1);
  }

  // ------------------------------------------------------------------ fail-stop

  @Test
  void registrationTimeout_withoutAnyResourceManager_failStopsExactlyAtTheTimeout() {
    client.refuseAll("UNAVAILABLE", "connection refused");
    start(Duration.ofSeconds(10));

    main.advance(Duration.ofSeconds(10).minusNanos(1));
    assertThat(core.failStop()).isNotDone();

    main.advanceNanos(1);

    assertThat(core.failStop()).isCompleted();
    assertThat(core.failStop().join())
        .contains("no registration with the resource manager at 127.0.0.1:6123 for 10 s")
        .contains("taskexecutor.registration.timeout")
        .contains("UNAVAILABLE: connection refused");
    assertThat(listener.events()).singleElement().asString().startsWith("fail-stop: ");
    int attempts = client.registrations().size();
    main.advance(Duration.ofMinutes(5));
    assertThat(client.registrations()).hasSize(attempts);
  }

  @Test
  void registrationTimeout_registeredInTime_neverFires() {
    client.refuseAll("UNAVAILABLE");
    start(Duration.ofSeconds(10));
    main.advance(Duration.ofSeconds(5)); // attempts at 0, 0.1, 0.3, 0.7, 1.5 and 3.1 s were refused
    client.acceptAll();
    main.advance(Duration.ofMillis(1_300)); // the one at 6.3 s is accepted
    assertThat(core.registration()).isNotNull();

    for (int i = 0; i < 60; i++) {
      core.heartbeats().receiveHeartbeat(RM, null);
      main.advance(INTERVAL);
    }

    assertThat(core.failStop()).isNotDone();
    assertThat(core.registration()).isNotNull();
  }

  @Test
  void registrationTimeout_afterLosingTheResourceManager_freesTheSlotsThenFailStops() {
    client.acceptAll();
    start(Duration.ofSeconds(30));
    requestSlot(1, "a-1", "job-1");
    client.refuseAll("UNAVAILABLE");
    main.advance(TIMEOUT); // lost
    long lostAt = main.nanoTime();

    main.advanceTo(lostAt + Duration.ofSeconds(30).toNanos() - 1);
    assertThat(core.failStop()).isNotDone();
    assertThat(core.slotSnapshot().get(1).isFree()).isFalse();

    main.advanceNanos(1);

    assertThat(core.failStop()).isCompleted();
    assertThat(core.slotSnapshot()).allMatch(TaskSlot::isFree);
    List<String> events = listener.events();
    assertThat(events.get(events.size() - 2)).startsWith("freed slot 1 (allocation a-1 of job job-1): the task"
        + " executor fail-stops");
    assertThat(events.get(events.size() - 1)).startsWith("fail-stop: ");
  }

  @Test
  void registrationTimeout_withAnAttemptUnanswered_failStopsAndALateAcceptanceIsUndone() {
    start(Duration.ofSeconds(10)); // the first attempt is never answered in time

    main.advance(Duration.ofSeconds(10));
    assertThat(core.failStop().join()).contains("the last one is still unanswered");

    client.lastRegistration().accept("reg-late");
    main.runPending();

    assertThat(core.registration()).isNull();
    assertThat(client.disconnects()).singleElement()
        .satisfies(d -> assertThat(d.registrationId()).isEqualTo("reg-late"));
  }

  // ------------------------------------------------------------------ slot calls

  @Test
  void requestSlot_freeSlot_allocatesItAndAnswersTheNewReport() {
    client.acceptAll();
    start(Duration.ofMinutes(5));

    SlotReport answer = requestSlot(1, "a-1", "job-1");

    assertThat(answer.slots().get(1).allocationId()).isEqualTo("a-1");
    assertThat(core.slotReport()).isEqualTo(answer);
    assertThat(listener.eventsStartingWith("allocated")).containsExactly(
        "allocated slot 1 (allocation a-1 of job job-1)");
  }

  @Test
  void requestSlot_again_succeedsWithoutASecondEvent() {
    client.acceptAll();
    start(Duration.ofMinutes(5));
    requestSlot(1, "a-1", "job-1");

    requestSlot(1, "a-1", "job-1");

    assertThat(listener.eventsStartingWith("allocated")).hasSize(1);
  }

  @Test
  void requestSlot_slotHeldByAnotherAllocation_isFailedPrecondition() {
    client.acceptAll();
    start(Duration.ofMinutes(5));
    requestSlot(1, "a-1", "job-1");

    assertThatThrownBy(() -> requestSlot(1, "a-2", "job-2"))
        .isInstanceOfSatisfying(SlotConflictException.class, e ->
          assertThat(e.getMessage()).contains("slot 1 holds allocation a-1 of job job-1"));
  }

  @Test
  void requestSlot_indexBeyondThisTaskExecutorsSlots_isInvalidArgument() {
    client.acceptAll();
    start(Duration.ofMinutes(5));

    assertThatThrownBy(() -> requestSlot(2, "a-1", "job-1"))
        .isInstanceOfSatisfying(InvalidCallException.class, e ->
          assertThat(e.getMessage()).startsWith("slot_index: must be between 0 and 1"));
  }

  @Test
  void freeSlot_heldAllocation_freesItAndTellsTheListener() {
    client.acceptAll();
    start(Duration.ofMinutes(5));
    requestSlot(0, "a-1", "job-1");

    core.freeSlot(ScriptedResourceManagerClient.TOKEN, "a-1", "job finished");

    assertThat(core.slotSnapshot().get(0).isFree()).isTrue();
    assertThat(listener.eventsStartingWith("freed")).containsExactly(
        "freed slot 0 (allocation a-1 of job job-1): job finished");
  }

  @Test
  void freeSlot_unknownAllocation_succeedsAndChangesNothing() {
    client.acceptAll();
    start(Duration.ofMinutes(5));
    requestSlot(0, "a-1", "job-1");

    SlotReport answer = core.freeSlot(ScriptedResourceManagerClient.TOKEN, "a-unknown", "");

    assertThat(answer.slots().get(0).allocationId()).isEqualTo("a-1");
    assertThat(listener.eventsStartingWith("freed")).isEmpty();
  }

  // ------------------------------------------------------------------ close

  @Test
  void close_whenRegistered_saysGoodbyeWithReasonDisconnectedAndFreesTheSlots() {
    client.acceptAll();
    start(Duration.ofMinutes(5));
    requestSlot(0, "a-1", "job-1");

    CompletableFuture<Void> goodbye = core.close();

    assertThat(goodbye).isCompleted();
    ScriptedResourceManagerClient.DisconnectCall sent = client.disconnects().get(0);
    assertThat(client.disconnects()).hasSize(1);
    assertThat(sent.registrationId()).isEqualTo("reg-1");
    assertThat(sent.taskExecutor()).isEqualTo(IDENTITY);
    assertThat(sent.cause()).contains("te-1 is shutting down");
    assertThat(core.registration()).isNull();
    assertThat(core.slotSnapshot()).allMatch(TaskSlot::isFree);
    main.advance(Duration.ofMinutes(10));
    assertThat(client.registrations()).hasSize(1);
    assertThat(core.failStop()).isNotDone();
  }

  @Test
  void close_whenNotRegistered_sendsNoGoodbyeAndStopsRetrying() {
    client.refuseAll("UNAVAILABLE");
    start(Duration.ofSeconds(10));
    main.advance(Duration.ofSeconds(1));
    int attempts = client.registrations().size();

    assertThat(core.close()).isCompleted();

    main.advance(Duration.ofMinutes(1));
    assertThat(client.registrations()).hasSize(attempts);
    assertThat(client.disconnects()).isEmpty();
    assertThat(core.failStop()).isNotDone();
  }

  // ------------------------------------------------------------------ helpers

  /** Starts with every backoff delay at its ceiling (no jitter), so that the gaps between attempts are exact. */
  private void start(Duration registrationTimeout) {
    start(registrationTimeout, RetryBackoff.forRegistration(() -> 1.0));
  }

  private void start(Duration registrationTimeout, RetryBackoff backoff) {
    TaskExecutorConfig config = new TaskExecutorConfig(ResourceId.of("te-1"), 2, "127.0.0.1", 0, registrationTimeout,
        "127.0.0.1", 6123, HeartbeatConfig.of(INTERVAL, TIMEOUT));
    core = new TaskExecutorCore(config, "instance-1", main, client, List.of(listener), backoff);
    core.start(ADDRESS);
    main.runPending();
  }

  private SlotReport requestSlot(int index, String allocationId, String jobId) {
    return core.requestSlot(ScriptedResourceManagerClient.TOKEN, index, allocationId, jobId);
  }

  private static List<Long> gapsInMillis(List<ScriptedResourceManagerClient.RegistrationCall> registrations) {
    List<Long> gaps = new ArrayList<>();
    for (int i = 1; i < registrations.size(); i++) {
      gaps.add(Duration.ofNanos(registrations.get(i).atNanos() - registrations.get(i - 1).atNanos()).toMillis());
    }
    return gaps;
  }
}
