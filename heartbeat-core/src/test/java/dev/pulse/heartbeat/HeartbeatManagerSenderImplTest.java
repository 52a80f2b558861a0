package dev.pulse.heartbeat;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pulse.heartbeat.TestingHeartbeatListener.Event;
import dev.pulse.heartbeat.TestingHeartbeatListener.Kind;
import dev.pulse.heartbeat.time.ManualMainThreadExecutor;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The sending manager: SPEC 2 points 6 to 8 and 11, on the fake clock. */
class HeartbeatManagerSenderImplTest {

  private static final Duration INTERVAL = Duration.ofSeconds(1);
  private static final Duration TIMEOUT = Duration.ofSeconds(5);
  private static final ResourceId OWN = ResourceId.of("rm");
  private static final ResourceId TE1 = ResourceId.of("te-1");
  private static final ResourceId TE2 = ResourceId.of("te-2");

  private ManualMainThreadExecutor main;
  private TestingHeartbeatListener<String, String> listener;
  private HeartbeatManager<String, String> sender;

  @BeforeEach
  void setUp() {
    main = new ManualMainThreadExecutor();
    listener = TestingHeartbeatListener.<String, String>builder().clock(main).payloads(id -> "to-" + id).build();
  }

  private void start(HeartbeatConfig config) {
    sender = HeartbeatServices.of(config).createHeartbeatManagerSender(OWN, listener, main);
  }

  @Test
  void sender_asksEveryTargetOncePerInterval_withItsPayload_andReceivesTheirs() {
    start(HeartbeatConfig.of(INTERVAL, TIMEOUT));
    TestingHeartbeatTarget<String> t1 = new TestingHeartbeatTarget<>();
    TestingHeartbeatTarget<String> t2 = new TestingHeartbeatTarget<>();
    sender.monitorTarget(TE1, t1);
    sender.monitorTarget(TE2, t2);

    for (int i = 0; i < 10; i++) {
      main.advance(INTERVAL);
      sender.receiveHeartbeat(TE1, "report-1-" + i);
      sender.receiveHeartbeat(TE2, "report-2-" + i);
    }

    // te-1 has phase 0 (asked at 0 s, 1 s, ... 10 s), te-2 phase 1/2 (0.5 s, 1.5 s, ... 9.5 s).
    assertThat(t1.requests()).isEqualTo(11);
    assertThat(t2.requests()).isEqualTo(10);
    assertThat(t1.calls()).allSatisfy(c -> assertThat(c).isEqualTo(new TestingHeartbeatTarget.Call(true, OWN, "to-te-1")));
    assertThat(t2.calls()).allSatisfy(c -> assertThat(c.payload()).isEqualTo("to-te-2"));
    assertThat(listener.events(Kind.PAYLOAD)).hasSize(20)
        .filteredOn(e -> e.resourceId().equals(TE2))
        .extracting(Event::payload).first().isEqualTo("report-2-0");
    assertThat(listener.events(Kind.TIMEOUT)).isEmpty();
    assertThat(sender.stats().requestsSent()).isEqualTo(21);
    assertThat(sender.stats().rpcSuccesses()).isEqualTo(21);
  }

  @Test
  void requestSuccess_withoutHeartbeat_stillTimesOut() {
    // A completed request proves the transport works, not that the target reported: only a
    // received heartbeat moves the deadline.
    start(HeartbeatConfig.of(INTERVAL, TIMEOUT));
    sender.monitorTarget(TE1, new TestingHeartbeatTarget<>());
    main.advance(TIMEOUT);
    assertThat(listener.events(Kind.TIMEOUT)).singleElement().extracting(Event::resourceId).isEqualTo(TE1);
  }

  @Test
  void unreachable_firesOnceAfterExactlyThresholdFailures() {
    start(HeartbeatConfig.of(INTERVAL, Duration.ofSeconds(60)).withRpcFailureThreshold(3));
    TestingHeartbeatTarget<String> target = new TestingHeartbeatTarget<String>().fail(RpcFailureKind.UNREACHABLE);
    sender.monitorTarget(TE1, target);
    main.runPending();
    assertThat(target.requests()).isEqualTo(1);
    assertThat(sender.getConsecutiveFailedRpcs(TE1)).isEqualTo(1);

    main.advance(INTERVAL);
    assertThat(sender.getConsecutiveFailedRpcs(TE1)).isEqualTo(2);
    assertThat(listener.events(Kind.UNREACHABLE)).isEmpty();

    main.advance(INTERVAL);
    assertThat(target.requests()).isEqualTo(3);
    assertThat(listener.events(Kind.UNREACHABLE)).singleElement().satisfies(e -> {
      assertThat(e.resourceId()).isEqualTo(TE1);
      assertThat(e.atNanos()).isEqualTo(main.nanoTime());
    });

    // Lost: no more requests, no second notification, no timeout on top.
    main.advance(Duration.ofSeconds(120));
    assertThat(target.requests()).isEqualTo(3);
    assertThat(listener.events()).hasSize(1);
  }

  @Test
  void unreachable_successInBetweenResetsTheCount() {
    start(HeartbeatConfig.of(INTERVAL, Duration.ofSeconds(60)).withRpcFailureThreshold(2));
    TestingHeartbeatTarget<String> target = new TestingHeartbeatTarget<String>().fail(RpcFailureKind.UNREACHABLE);
    sender.monitorTarget(TE1, target);
    for (int i = 0; i < 20; i++) {
      main.runPending();
      target.succeed();
      main.advance(INTERVAL);
      target.fail(RpcFailureKind.UNREACHABLE);
      main.advance(INTERVAL);
      assertThat(sender.getConsecutiveFailedRpcs(TE1)).isEqualTo(1);
    }
    assertThat(listener.events(Kind.UNREACHABLE)).isEmpty();
  }

  @Test
  void unreachable_disabledWithMinusOne() {
    start(HeartbeatConfig.of(INTERVAL, Duration.ofSeconds(30)).withRpcFailureThreshold(-1));
    sender.monitorTarget(TE1, new TestingHeartbeatTarget<String>().fail(RpcFailureKind.UNREACHABLE));
    main.advance(Duration.ofSeconds(29));
    assertThat(sender.getConsecutiveFailedRpcs(TE1)).isEqualTo(30);
    assertThat(listener.events()).isEmpty();
    main.advance(Duration.ofSeconds(1));
    assertThat(listener.events()).extracting(Event::kind).containsExactly(Kind.TIMEOUT);
  }

  @Test
  void deadlineExceededAndOtherFailures_neitherCountNorReset() {
    start(HeartbeatConfig.of(INTERVAL, Duration.ofSeconds(60)).withRpcFailureThreshold(2));
    TestingHeartbeatTarget<String> target = new TestingHeartbeatTarget<String>().fail(RpcFailureKind.UNREACHABLE);
    sender.monitorTarget(TE1, target);
    main.runPending();
    assertThat(sender.getConsecutiveFailedRpcs(TE1)).isEqualTo(1);

    target.fail(RpcFailureKind.DEADLINE_EXCEEDED);
    main.advance(INTERVAL.multipliedBy(5));
    target.answerWith(() -> CompletableFuture.failedFuture(new IllegalStateException("not a heartbeat failure")));
    main.advance(INTERVAL.multipliedBy(5));
    assertThat(sender.getConsecutiveFailedRpcs(TE1)).isEqualTo(1);
    assertThat(listener.events()).isEmpty();
    assertThat(sender.stats().rpcDeadlineExceeded()).isEqualTo(5);
    assertThat(sender.stats().rpcOther()).isEqualTo(5);

    target.fail(RpcFailureKind.UNREACHABLE);
    main.advance(INTERVAL);
    assertThat(listener.events(Kind.UNREACHABLE)).hasSize(1);
  }

  @Test
  void restarted_firesAtOnce() {
    start(HeartbeatConfig.of(INTERVAL, TIMEOUT));
    sender.monitorTarget(TE1, new TestingHeartbeatTarget<String>().fail(RpcFailureKind.RESTARTED));
    main.runPending();
    assertThat(listener.events()).extracting(Event::kind).containsExactly(Kind.RESTARTED);
    main.advance(TIMEOUT.multipliedBy(2));
    assertThat(listener.events()).hasSize(1);
  }

  @Test
  void atMostOneRequestInFlight_perTarget() {
    start(HeartbeatConfig.of(INTERVAL, Duration.ofSeconds(60)));
    TestingHeartbeatTarget<String> target = new TestingHeartbeatTarget<String>().hang();
    sender.monitorTarget(TE1, target);
    main.advance(INTERVAL.multipliedBy(5));
    assertThat(target.requests()).isEqualTo(1);
    assertThat(sender.stats().requestsSkippedInFlight()).isEqualTo(5);

    // The answer comes from a transport thread: it goes through the main thread's queue.
    CompletableFuture<Void> outstanding = target.pending().get(0);
    Thread transport = new Thread(() -> outstanding.complete(null));
    transport.start();
    join(transport);
    main.runPending();
    main.advance(INTERVAL);
    assertThat(target.requests()).isEqualTo(2);
  }

  @Test
  void asyncFailureOnAnotherThread_isAppliedOnTheMainThread() {
    start(HeartbeatConfig.of(INTERVAL, Duration.ofSeconds(60)).withRpcFailureThreshold(1));
    TestingHeartbeatTarget<String> target = new TestingHeartbeatTarget<String>().hang();
    sender.monitorTarget(TE1, target);
    main.runPending();
    CompletableFuture<Void> outstanding = target.pending().get(0);
    Thread transport = new Thread(() ->
        outstanding.completeExceptionally(new HeartbeatRpcException(RpcFailureKind.UNREACHABLE, "refused")));
    transport.start();
    join(transport);
    assertThat(listener.events()).as("nothing happens until the main thread runs").isEmpty();
    main.runPending();
    assertThat(listener.events()).extracting(Event::kind).containsExactly(Kind.UNREACHABLE);
  }

  @Test
  void spread_givesFewTargetsEvenlySpacedFixedPhases() {
    start(HeartbeatConfig.of(INTERVAL, TIMEOUT));
    long start = main.nanoTime();
    List<String> log = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      ResourceId id = ResourceId.of("te-" + i);
      sender.monitorTarget(id, recordingTarget(id, log));
    }
    for (int i = 0; i < 3; i++) {
      main.advance(INTERVAL);
      for (int t = 0; t < 4; t++) {
        sender.receiveHeartbeat(ResourceId.of("te-" + t), null);
      }
    }
    // Phases 0, 1/2, 1/4, 3/4 of the interval, each target at the same offset in every interval.
    List<String> expected = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      long base = i * 1000L;
      expected.addAll(List.of("te-0@" + base, "te-2@" + (base + 250), "te-1@" + (base + 500), "te-3@" + (base + 750)));
    }
    expected.add("te-0@3000");
    assertThat(log).containsExactlyElementsOf(expected.stream().map(s -> relative(s, start)).toList());
  }

  @Test
  void spread_manyTargetsFillEveryPhaseEvenly() {
    start(HeartbeatConfig.of(INTERVAL, TIMEOUT));
    for (int i = 0; i < 1000; i++) {
      sender.monitorTarget(ResourceId.of("te-" + i), new TestingHeartbeatTarget<>());
    }
    int[] sizes = ((HeartbeatManagerSenderImpl<String, String>) sender).bucketSizes();
    assertThat(sizes).hasSize(100).containsOnly(10);

    // Every phase of 10 ms asks its own 10 targets, never a burst of all of them.
    main.runPending();
    assertThat(sender.stats().requestsSent()).isEqualTo(10);
    List<Long> perPhase = new ArrayList<>();
    for (int phase = 0; phase < 100; phase++) {
      long before = sender.stats().requestsSent();
      main.advance(Duration.ofMillis(10));
      perPhase.add(sender.stats().requestsSent() - before);
    }
    assertThat(perPhase).containsOnly(10L);
  }

  @Test
  void stallShorterThanAnInterval_isCaughtUpSpread_atMostTwoPhasesPerWakeUp() {
    // SPEC 2.11: after any stall the requests are spread again. 1,000 targets, 100 phases of 10.
    start(HeartbeatConfig.of(INTERVAL, TIMEOUT));
    Map<ResourceId, List<Long>> asked = new HashMap<>();
    List<Long> sendTimes = new ArrayList<>();
    for (int i = 0; i < 1000; i++) {
      ResourceId id = ResourceId.of("te-" + i);
      asked.put(id, new ArrayList<>());
      sender.monitorTarget(id, new TestingHeartbeatTarget<String>() {
        @Override
        public CompletableFuture<Void> requestHeartbeat(ResourceId origin, String payload) {
          asked.get(id).add(main.nanoTime());
          sendTimes.add(main.nanoTime());
          main.execute(() -> sender.receiveHeartbeat(id, null));
          return super.requestHeartbeat(origin, payload);
        }
      });
    }
    main.advance(INTERVAL.multipliedBy(3));
    sendTimes.clear();

    // The main thread stalls for 900 ms, below the pause threshold: 90 phases are missed.
    main.freeze(Duration.ofMillis(900));
    long resumedAt = main.nanoTime();
    main.advance(INTERVAL.multipliedBy(3));

    // A wake-up sends all its requests at one clock reading: group by it.
    Map<Long, Long> perWakeUp = sendTimes.stream().collect(Collectors.groupingBy(t -> t, Collectors.counting()));
    assertThat(Collections.max(perWakeUp.values())).as("requests in one wake-up (a phase's share is 10)")
        .isLessThanOrEqualTo(20);
    assertThat(asked).allSatisfy((id, times) -> assertThat(times).as("%s asked within an interval of the resume", id)
        .anySatisfy(t -> assertThat(t).isBetween(resumedAt, resumedAt + INTERVAL.toNanos())));
    // Caught up within the stall's length: from then on, exactly one phase's share per phase again.
    assertThat(perWakeUp).allSatisfy((t, n) -> {
      if (t >= resumedAt + Duration.ofMillis(900).toNanos()) {
        assertThat(n).isEqualTo(10L);
      }
    });
    assertThat(sendTimes).hasSize(3000 + 900);
    assertThat(listener.events(Kind.TIMEOUT)).isEmpty();
    assertThat(sender.stats().localPauses()).isZero();
  }

  @Test
  void stallOfAnInterval_skipsTheMissedPhases_andKeepsToTheGrid() {
    start(HeartbeatConfig.of(INTERVAL, Duration.ofSeconds(10)));
    List<Long> sendTimes = new ArrayList<>();
    for (int i = 0; i < 1000; i++) {
      sender.monitorTarget(ResourceId.of("te-" + i), new TestingHeartbeatTarget<String>() {
        @Override
        public CompletableFuture<Void> requestHeartbeat(ResourceId origin, String payload) {
          sendTimes.add(main.nanoTime());
          return super.requestHeartbeat(origin, payload);
        }
      });
    }
    main.advance(INTERVAL);
    sendTimes.clear();
    main.freeze(Duration.ofMillis(1_500));
    main.advance(INTERVAL);
    Map<Long, Long> perWakeUp = sendTimes.stream().collect(Collectors.groupingBy(t -> t, Collectors.counting()));
    assertThat(perWakeUp.values()).containsOnly(10L);
  }

  @Test
  void stallOfExactlyOneInterval_alsoSkipsTheMissedPhases() {
    start(HeartbeatConfig.of(INTERVAL, Duration.ofSeconds(10)));
    long start = main.nanoTime();
    List<String> log = new ArrayList<>();
    for (int i = 0; i < 2; i++) {
      ResourceId id = ResourceId.of("te-" + i);
      sender.monitorTarget(id, recordingTarget(id, log)); // phases 0 and 50: 0 ms and 500 ms
    }
    main.advance(Duration.ofMillis(480)); // phase 48 has run; phase 49 is due at 490 ms

    // Phase 49's wake-up runs at 1,490 ms, when phase 149 is due: exactly one interval (100 phases)
    // behind. Nothing is caught up: te-1 is asked in its own phase at 1,500 ms, not at once.
    main.freeze(Duration.ofMillis(1_010));
    main.advance(Duration.ofMillis(20));

    assertThat(log).containsExactly(relative("te-0@0", start), relative("te-1@1500", start));
  }

  @Test
  void phaseOfAnUnmonitoredTarget_isFreeAgain_forTheNextTarget() {
    start(HeartbeatConfig.of(INTERVAL, TIMEOUT));
    HeartbeatManagerSenderImpl<String, String> impl = (HeartbeatManagerSenderImpl<String, String>) sender;
    sender.monitorTarget(TE1, new TestingHeartbeatTarget<>());
    sender.monitorTarget(TE2, new TestingHeartbeatTarget<>());
    assertThat(impl.bucketOf(TE1)).isZero();
    assertThat(impl.bucketOf(TE2)).isEqualTo(50);

    sender.unmonitorTarget(TE1);
    ResourceId te3 = ResourceId.of("te-3");
    sender.monitorTarget(te3, new TestingHeartbeatTarget<>());

    // Phase 0 is empty again, and first in van der Corput order: te-3 gets it.
    assertThat(impl.bucketOf(TE1)).isEqualTo(-1);
    assertThat(impl.bucketOf(te3)).isZero();
    int[] expected = new int[100];
    expected[0] = 1;
    expected[50] = 1;
    assertThat(impl.bucketSizes()).containsExactly(expected);
  }

  @Test
  void phaseOfALostTarget_isFreeAgain() {
    start(HeartbeatConfig.of(INTERVAL, TIMEOUT));
    HeartbeatManagerSenderImpl<String, String> impl = (HeartbeatManagerSenderImpl<String, String>) sender;
    sender.monitorTarget(TE1, new TestingHeartbeatTarget<String>().fail(RpcFailureKind.RESTARTED));
    main.runPending();
    assertThat(listener.events(Kind.RESTARTED)).hasSize(1);

    // Still monitored until the owner unmonitors it, but no longer in a phase.
    assertThat(impl.bucketOf(TE1)).isEqualTo(-1);
    assertThat(impl.bucketSizes()).containsOnly(0);
  }

  @Test
  void spread_tiesGoToTheEarliestPhaseInVanDerCorputOrder() {
    // 20 ms: two phases of 10 ms. Three targets: 0, 1, then phase 0 again (both hold one).
    start(HeartbeatConfig.of(Duration.ofMillis(20), TIMEOUT));
    long start = main.nanoTime();
    List<String> log = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      ResourceId id = ResourceId.of("te-" + i);
      sender.monitorTarget(id, recordingTarget(id, log));
    }
    main.advance(Duration.ofMillis(10));

    assertThat(log).containsExactly(relative("te-0@0", start), relative("te-2@0", start), relative("te-1@10", start));
  }

  @Test
  void noSpread_asksEveryTargetAtTheSameInstant() {
    start(HeartbeatConfig.of(INTERVAL, TIMEOUT).withSpread(false));
    long start = main.nanoTime();
    List<String> log = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      ResourceId id = ResourceId.of("te-" + i);
      sender.monitorTarget(id, recordingTarget(id, log));
    }
    main.advance(INTERVAL);
    assertThat(log).containsExactly(relative("te-0@0", start), relative("te-1@0", start), relative("te-2@0", start),
        relative("te-0@1000", start), relative("te-1@1000", start), relative("te-2@1000", start));
  }

  @Test
  void vanDerCorputOrder_isAPermutationSpreadingEachPrefix() {
    for (int n : new int[] {1, 2, 3, 7, 10, 100, 1000}) {
      int[] order = HeartbeatManagerSenderImpl.vanDerCorputOrder(n);
      assertThat(order).hasSize(n);
      assertThat(java.util.Arrays.stream(order).sorted().toArray())
          .isEqualTo(java.util.stream.IntStream.range(0, n).toArray());
    }
    assertThat(HeartbeatManagerSenderImpl.vanDerCorputOrder(100)).startsWith(0, 50, 25, 75, 12, 62, 37, 87);
  }

  @Test
  void listenerUnmonitoringTargetsDuringAPhase_isSafe() {
    List<ResourceId> ids = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      ids.add(ResourceId.of("te-" + i));
    }
    // While building te-1's payload, the owner drops te-1 and te-2: the phase must skip both and go on.
    listener = TestingHeartbeatListener.<String, String>builder().clock(main).payloads(id -> {
      if (id.equals(ids.get(1))) {
        sender.unmonitorTarget(ids.get(1));
        sender.unmonitorTarget(ids.get(2));
      }
      return "p";
    }).build();
    start(HeartbeatConfig.of(INTERVAL, TIMEOUT).withSpread(false));
    List<TestingHeartbeatTarget<String>> targets = new ArrayList<>();
    for (ResourceId id : ids) {
      TestingHeartbeatTarget<String> t = new TestingHeartbeatTarget<>();
      targets.add(t);
      sender.monitorTarget(id, t);
    }
    main.runPending();
    assertThat(targets).extracting(TestingHeartbeatTarget::requests).containsExactly(1L, 0L, 0L, 1L, 1L);
    assertThat(sender.numberOfTargets()).isEqualTo(3);
  }

  private TestingHeartbeatTarget<String> recordingTarget(ResourceId id, List<String> log) {
    return new TestingHeartbeatTarget<>() {
      @Override
      public CompletableFuture<Void> requestHeartbeat(ResourceId origin, String payload) {
        log.add(id + "@" + main.nanoTime());
        return super.requestHeartbeat(origin, payload);
      }
    };
  }

  /** "te-0@250" (ms after start) to the absolute nanos form the recording target logs. */
  private static String relative(String spec, long startNanos) {
    String[] parts = spec.split("@");
    return parts[0] + "@" + (startNanos + Long.parseLong(parts[1]) * 1_000_000L);
  }

  private static void join(Thread t) {
    try {
      t.join();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }
}
