package dev.pulse.te;

import dev.pulse.heartbeat.time.MonotonicClock;
import dev.pulse.proto.v1.DisconnectTaskExecutorRequest;
import dev.pulse.proto.v1.FencingToken;
import dev.pulse.proto.v1.RegisterTaskExecutorRequest;
import dev.pulse.proto.v1.RegisterTaskExecutorResponse;
import dev.pulse.proto.v1.SendSlotReportRequest;
import io.grpc.Status;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * A {@link ResourceManagerClient} for fake-clock tests: records every call with the clock reading it
 * came at, and answers registrations as the test scripts it: leave them pending (the default, the
 * test completes them), refuse every one with a status, or accept every one. Single test thread only.
 */
final class ScriptedResourceManagerClient implements ResourceManagerClient {

  static final FencingToken TOKEN =
      FencingToken.newBuilder().setResourceManagerId("rm-1").setLeaderEpoch(7).build();

  /** One {@code RegisterTaskExecutor} call. */
  record Registration(RegisterTaskExecutorRequest request, long atNanos,
      CompletableFuture<RegisterTaskExecutorResponse> answer) {

    void accept(String registrationId) {
      answer.complete(RegisterTaskExecutorResponse.newBuilder()
          .setRegistrationId(registrationId).setFencingToken(TOKEN).build());
    }

    void refuse(Status status) {
      answer.completeExceptionally(status.asRuntimeException());
    }
  }

  private final MonotonicClock clock;
  private final List<Registration> registrations = new ArrayList<>();
  private final List<DisconnectTaskExecutorRequest> disconnects = new ArrayList<>();
  private final List<SendSlotReportRequest> slotReports = new ArrayList<>();
  private final CompletableFuture<Void> disconnectAnswer = new CompletableFuture<>();
  private Status refuseWith;
  private boolean acceptAll;
  private boolean closed;

  ScriptedResourceManagerClient(MonotonicClock clock) {
    this.clock = clock;
    disconnectAnswer.complete(null);
  }

  /** From now on, refuses every registration at once with {@code status}. */
  ScriptedResourceManagerClient refuseAll(Status status) {
    this.refuseWith = status;
    this.acceptAll = false;
    return this;
  }

  /** From now on, accepts every registration at once, as {@code reg-<n>}. */
  ScriptedResourceManagerClient acceptAll() {
    this.refuseWith = null;
    this.acceptAll = true;
    return this;
  }

  /** From now on, leaves registrations pending. */
  ScriptedResourceManagerClient answerNothing() {
    this.refuseWith = null;
    this.acceptAll = false;
    return this;
  }

  List<Registration> registrations() {
    return List.copyOf(registrations);
  }

  Registration lastRegistration() {
    return registrations.get(registrations.size() - 1);
  }

  List<SendSlotReportRequest> slotReports() {
    return List.copyOf(slotReports);
  }

  List<DisconnectTaskExecutorRequest> disconnects() {
    return List.copyOf(disconnects);
  }

  boolean isClosed() {
    return closed;
  }

  @Override
  public CompletableFuture<RegisterTaskExecutorResponse> register(RegisterTaskExecutorRequest request) {
    Registration r = new Registration(request, clock.nanoTime(), new CompletableFuture<>());
    registrations.add(r);
    if (refuseWith != null) {
      r.refuse(refuseWith);
    } else if (acceptAll) {
      r.accept("reg-" + registrations.size());
    }
    return r.answer();
  }

  @Override
  public CompletableFuture<Void> sendSlotReport(SendSlotReportRequest request) {
    slotReports.add(request);
    return CompletableFuture.completedFuture(null);
  }

  @Override
  public CompletableFuture<Void> disconnect(DisconnectTaskExecutorRequest request) {
    disconnects.add(request);
    return disconnectAnswer;
  }

  @Override
  public void close() {
    closed = true;
  }
}
