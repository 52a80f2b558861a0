package dev.pulse.te;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.pulse.config.Settings;
import dev.pulse.proto.v1.DisconnectTaskExecutorRequest;
import dev.pulse.proto.v1.FencingToken;
import dev.pulse.proto.v1.HeartbeatResponse;
import dev.pulse.proto.v1.LossReason;
import dev.pulse.proto.v1.RegisterTaskExecutorRequest;
import dev.pulse.proto.v1.RequestSlotResponse;
import dev.pulse.proto.v1.SlotState;
import dev.pulse.proto.v1.SlotStatus;
import dev.pulse.te.server.TaskExecutorServer;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A real {@link TaskExecutorServer} against a {@link FakeResourceManager}, both on real gRPC servers on
 * loopback ports. Timing is checked by awaiting conditions with generous bounds, never by sleeping.
 */
class TaskExecutorLoopbackTest {

  private static final Duration PATIENCE = Duration.ofSeconds(20);

  private final Deque<AutoCloseable> toClose = new ArrayDeque<>();
  private final RecordingListener listener = new RecordingListener();

  @AfterEach
  void closeEverything() throws Exception {
    Exception failure = null;
    while (!toClose.isEmpty()) {
      try {
        toClose.pop().close();
      } catch (Exception e) {
        if (failure == null) {
          failure = e;
        } else {
          failure.addSuppressed(e);
        }
      }
    }
    if (failure != null) {
      throw failure;
    }
  }

  @Test
  void start_refusedThreeTimes_registersWithBackoff() {
    FakeResourceManager rm = resourceManager().refuseNext(3, Status.UNAVAILABLE.withDescription("not yet"));

    TaskExecutorServer te = start(settings(rm));

    await().atMost(PATIENCE).until(te::isRegistered);
    List<FakeResourceManager.Registration> registrations = rm.registrations();
    assertThat(registrations).hasSize(4);
    // Full jitter: each gap is a random part of its ceiling (100, 200, 400 ms), plus this host's scheduling delay.
    assertThat(gapMillis(registrations, 1)).isBetween(0L, 100L + 1_000);
    assertThat(gapMillis(registrations, 2)).isBetween(0L, 200L + 1_000);
    assertThat(gapMillis(registrations, 3)).isBetween(0L, 400L + 1_000);
    assertThat(te.resourceManagerId()).contains(FakeResourceManager.RM_ID);
    assertThat(te.registrationId()).contains(FakeResourceManager.registrationId(4));
    await().atMost(PATIENCE).until(() -> listener.events().contains("registered rm-fake reg-4"));
  }

  @Test
  void registration_carriesIdentityBoundAddressAndSlots() {
    FakeResourceManager rm = resourceManager();

    TaskExecutorServer te = start(settings(rm));

    RegisterTaskExecutorRequest request = awaitRegistration(rm, te);
    assertThat(request.getTaskExecutor().getResourceId()).isEqualTo("te-1").isEqualTo(te.resourceId());
    assertThat(request.getTaskExecutor().getInstanceId()).isEqualTo(te.instanceId()).hasSize(36);
    assertThat(request.getRpcAddress()).isEqualTo(te.rpcAddress()).matches("127\\.0\\.0\\.1:[1-9][0-9]*");
    assertThat(request.getNumberOfSlots()).isEqualTo(2);
  }

  @Test
  void heartbeat_isAnsweredWithIdentityAndSlotReport() {
    FakeResourceManager rm = resourceManager();
    TaskExecutorServer te = start(settings(rm));
    RegisterTaskExecutorRequest registration = awaitRegistration(rm, te);

    HeartbeatResponse answer = rm.heartbeat(registration);

    assertThat(answer.getTaskExecutor()).isEqualTo(registration.getTaskExecutor());
    assertThat(answer.getSlotReport().getSlotsList()).extracting(SlotStatus::getState)
        .containsExactly(SlotState.SLOT_STATE_FREE, SlotState.SLOT_STATE_FREE);
  }

  @Test
  void requestSlotAndFreeSlot_changeTheReportedSlots() {
    FakeResourceManager rm = resourceManager();
    TaskExecutorServer te = start(settings(rm));
    RegisterTaskExecutorRequest registration = awaitRegistration(rm, te);

    RequestSlotResponse allocated = rm.requestSlot(registration, 1, "alloc-1", "job-1");

    assertThat(allocated.getSlotReport().getSlots(1).getAllocationId()).isEqualTo("alloc-1");
    assertThat(rm.heartbeat(registration).getSlotReport().getSlots(1).getState())
        .isEqualTo(SlotState.SLOT_STATE_ALLOCATED);
    assertThat(te.slots()).containsExactly(TaskSlot.free(0), new TaskSlot(1, "alloc-1", "job-1"));
    rm.requestSlot(registration, 1, "alloc-1", "job-1"); // a retry is fine
    assertThatThrownBy(() -> rm.requestSlot(registration, 1, "alloc-2", "job-2"))
        .isInstanceOfSatisfying(StatusRuntimeException.class,
            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.FAILED_PRECONDITION));

    rm.freeSlot(registration, "alloc-1");
    rm.freeSlot(registration, "alloc-unknown");

    assertThat(rm.heartbeat(registration).getSlotReport().getSlotsList())
        .allMatch(s -> s.getState() == SlotState.SLOT_STATE_FREE);
    assertThat(te.slots()).allMatch(TaskSlot::isFree);
    await().atMost(PATIENCE).until(() -> listener.events().containsAll(List.of(
        "allocated slot 1 (allocation alloc-1 of job job-1)",
        "freed slot 1 (allocation alloc-1 of job job-1): test frees it")));
  }

  @Test
  void call_withStaleFencingToken_isRefused() {
    FakeResourceManager rm = resourceManager();
    TaskExecutorServer te = start(settings(rm));
    RegisterTaskExecutorRequest registration = awaitRegistration(rm, te);
    FencingToken deposed = FakeResourceManager.TOKEN.toBuilder().setLeaderEpoch(6).build();

    assertThatThrownBy(() -> rm.heartbeat(registration, deposed))
        .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
          assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.FAILED_PRECONDITION);
          assertThat(e.getStatus().getDescription()).contains("stale fencing token");
        });
  }

  @Test
  void close_saysGoodbyeWithDisconnectTaskExecutor() {
    FakeResourceManager rm = resourceManager();
    TaskExecutorServer te = start(settings(rm));
    RegisterTaskExecutorRequest registration = awaitRegistration(rm, te);

    te.close();

    assertThat(rm.disconnects()).hasSize(1);
    DisconnectTaskExecutorRequest goodbye = rm.disconnects().get(0);
    assertThat(goodbye.getRegistrationId()).isEqualTo(FakeResourceManager.registrationId(1));
    assertThat(goodbye.getTaskExecutor()).isEqualTo(registration.getTaskExecutor());
    assertThat(goodbye.getReason()).isEqualTo(LossReason.LOSS_REASON_DISCONNECTED);
    assertThatThrownBy(() -> rm.heartbeat(registration)).isInstanceOf(StatusRuntimeException.class);
    te.close(); // idempotent
  }

  @Test
  void close_releasesTheMainThreadAndEventLoops() {
    FakeResourceManager rm = resourceManager();
    TaskExecutorServer te = start(settings(rm));
    awaitRegistration(rm, te);

    te.close();

    // The event loops have stopped when close() returns; their threads may take a moment to exit.
    await().atMost(PATIENCE).until(() -> Thread.getAllStackTraces().keySet().stream().noneMatch(t -> t.isAlive()
        && (t.getName().equals("pulse-te-main") || t.getName().startsWith("te-rpc"))));
  }

  @Test
  void silentResourceManager_isLostAndTheTaskExecutorRegistersAgain() {
    FakeResourceManager rm = resourceManager();
    TaskExecutorServer te = start(settings(rm).overriddenBy(Settings.of(
        "heartbeat.interval", "100 ms", "heartbeat.timeout", "500 ms")));
    awaitRegistration(rm, te);

    await().atMost(PATIENCE).until(() -> rm.registrations().size() >= 2);

    assertThat(rm.lastRegistration().request().getTaskExecutor().getInstanceId()).isEqualTo(te.instanceId());
    await().atMost(PATIENCE).until(() -> !listener.eventsStartingWith("lost rm-fake").isEmpty());
    assertThat(listener.eventsStartingWith("lost rm-fake").get(0)).contains("sent no heartbeat request for 500 ms");
  }

  @Test
  void disconnectResourceManager_freesTheSlotsAndRegistersAgain() {
    FakeResourceManager rm = resourceManager();
    TaskExecutorServer te = start(settings(rm));
    RegisterTaskExecutorRequest registration = awaitRegistration(rm, te);
    rm.requestSlot(registration, 0, "alloc-1", "job-1");

    rm.disconnectResourceManager(registration, LossReason.LOSS_REASON_HEARTBEAT_TIMEOUT, "no heartbeat for 50 s");

    await().atMost(PATIENCE).until(() -> rm.registrations().size() == 2 && te.isRegistered());
    assertThat(rm.lastRegistration().request().getSlotReport().getSlotsList())
        .allMatch(s -> s.getState() == SlotState.SLOT_STATE_FREE);
    assertThat(te.slots()).allMatch(TaskSlot::isFree);
    assertThat(te.registrationId()).contains(FakeResourceManager.registrationId(2));
  }

  @Test
  void noResourceManager_failStopsAfterTheRegistrationTimeout() {
    int nobodyListens;
    try (FakeResourceManager gone = new FakeResourceManager()) {
      nobodyListens = gone.port();
    }
    long startedAt = System.nanoTime();
    TaskExecutorServer te = start(Settings.of("taskexecutor.resource-id", "te-1",
        "resourcemanager.rpc.port", Integer.toString(nobodyListens),
        "taskexecutor.registration.timeout", "1 s"));

    String reason = te.failStop().orTimeout(PATIENCE.toSeconds(), TimeUnit.SECONDS).join();

    assertThat(Duration.ofNanos(System.nanoTime() - startedAt)).isGreaterThanOrEqualTo(Duration.ofSeconds(1));
    assertThat(reason).contains("no registration with the resource manager at 127.0.0.1:" + nobodyListens + " for 1 s")
        .contains("UNAVAILABLE");
    assertThat(te.isRegistered()).isFalse();
    await().atMost(PATIENCE).until(() -> listener.eventsStartingWith("fail-stop").size() == 1);
  }

  // ------------------------------------------------------------------ helpers

  @Test
  void serverInterceptor_seesTheResourceManagersCalls_andCanRefuseThem() {
    FakeResourceManager rm = resourceManager();
    AtomicBoolean refuse = new AtomicBoolean();
    List<String> seen = new CopyOnWriteArrayList<>();
    ServerInterceptor interceptor = new ServerInterceptor() {
      @Override
      public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
          ServerCallHandler<Q, R> next) {
        seen.add(call.getMethodDescriptor().getBareMethodName());
        if (refuse.get()) {
          call.close(Status.UNAVAILABLE.withDescription("refused by the test"), new Metadata());
          return new ServerCall.Listener<>() {};
        }
        return next.startCall(call, headers);
      }
    };
    TaskExecutorServer te = TaskExecutorServer.builder().settings(settings(rm)).serverInterceptor(interceptor).build();
    toClose.push(te);
    te.start();
    RegisterTaskExecutorRequest registration = awaitRegistration(rm, te);

    rm.heartbeat(registration);
    refuse.set(true);

    assertThatThrownBy(() -> rm.heartbeat(registration)).isInstanceOfSatisfying(StatusRuntimeException.class,
        e -> assertThat(e.getStatus().getDescription()).isEqualTo("refused by the test"));
    assertThat(seen).containsExactly("RequestHeartbeat", "RequestHeartbeat");
  }

  @Test
  void clientInterceptor_seesTheCallsToTheResourceManager() {
    FakeResourceManager rm = resourceManager();
    List<String> seen = new CopyOnWriteArrayList<>();
    ClientInterceptor interceptor = new ClientInterceptor() {
      @Override
      public <Q, R> ClientCall<Q, R> interceptCall(MethodDescriptor<Q, R> method,
          CallOptions options, Channel next) {
        seen.add(method.getBareMethodName());
        return next.newCall(method, options);
      }
    };
    TaskExecutorServer te = TaskExecutorServer.builder().settings(settings(rm)).clientInterceptor(interceptor).build();
    te.start();
    awaitRegistration(rm, te);

    te.close();

    assertThat(seen).containsExactly("RegisterTaskExecutor", "SendSlotReport", "DisconnectTaskExecutor");
  }

  private FakeResourceManager resourceManager() {
    FakeResourceManager rm = new FakeResourceManager();
    toClose.push(rm);
    return rm;
  }

  /** Two slots; a long heartbeat timeout, so that only tests that want it lose their resource manager. */
  private static Settings settings(FakeResourceManager rm) {
    return Settings.of(
        "taskexecutor.resource-id", "te-1",
        "taskexecutor.numberOfTaskSlots", "2",
        "resourcemanager.rpc.port", Integer.toString(rm.port()),
        "heartbeat.interval", "1 s",
        "heartbeat.timeout", "60 s",
        "taskexecutor.registration.timeout", "1 min");
  }

  private TaskExecutorServer start(Settings settings) {
    TaskExecutorServer te = TaskExecutorServer.builder().settings(settings).listener(listener).build();
    toClose.push(te);
    return te.start();
  }

  private static RegisterTaskExecutorRequest awaitRegistration(FakeResourceManager rm, TaskExecutorServer te) {
    await().atMost(PATIENCE).until(te::isRegistered);
    return rm.lastRegistration().request();
  }

  private static long gapMillis(List<FakeResourceManager.Registration> registrations, int i) {
    return Duration.ofNanos(registrations.get(i).arrivedAtNanos() - registrations.get(i - 1).arrivedAtNanos())
        .toMillis();
  }
}
