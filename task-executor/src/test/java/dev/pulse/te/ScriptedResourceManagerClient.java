package dev.pulse.te;

import dev.pulse.heartbeat.time.MonotonicClock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * A {@link ResourceManagerClient} for fake-clock tests: records every call with the clock reading it
 * came at, and answers registrations as the test scripts it: leave them pending (the default, the
 * test completes them), refuse every one with a failure code, or accept every one. Single test thread only.
 */
final class ScriptedResourceManagerClient implements ResourceManagerClient {

  static final FencingToken TOKEN = new FencingToken("rm-1", 7);

  /** One registration call. */
  record RegistrationCall(TaskExecutorInstance taskExecutor, String rpcAddress, int numberOfSlots, SlotReport slots,
      long atNanos, CompletableFuture<Registration> answer) {

    void accept(String registrationId) {
      answer.complete(new Registration(registrationId, TOKEN));
    }

    void refuse(String code, String description) {
      answer.completeExceptionally(ResourceManagerCallException.failed(code, description));
    }
  }

  /** One slot report call. */
  record SlotReportCall(String registrationId, TaskExecutorInstance taskExecutor, SlotReport slots) {}

  /** One goodbye. */
  record DisconnectCall(String registrationId, TaskExecutorInstance taskExecutor, String cause) {}

  private final MonotonicClock clock;
  private final List<RegistrationCall> registrations = new ArrayList<>();
  private final List<DisconnectCall> disconnects = new ArrayList<>();
  private final List<SlotReportCall> slotReports = new ArrayList<>();
  private CompletableFuture<Void> disconnectAnswer = new CompletableFuture<>();
  private String refuseWith;
  private String refuseDescription;
  private boolean acceptAll;
  private boolean failSlotReports;
  private boolean closed;

  ScriptedResourceManagerClient(MonotonicClock clock) {
    this.clock = clock;
    disconnectAnswer.complete(null);
  }

  /** From now on, refuses every registration at once with {@code code} (e.g. {@code UNAVAILABLE}). */
  ScriptedResourceManagerClient refuseAll(String code) {
    return refuseAll(code, "");
  }

  /** From now on, refuses every registration at once with {@code code} and {@code description}. */
  ScriptedResourceManagerClient refuseAll(String code, String description) {
    this.refuseWith = code;
    this.refuseDescription = description;
    this.acceptAll = false;
    return this;
  }

  /** From now on, accepts every registration at once, as {@code reg-<n>}. */
  ScriptedResourceManagerClient acceptAll() {
    this.refuseWith = null;
    this.acceptAll = true;
    return this;
  }

  /** From now on, answers every goodbye with {@code answer} (e.g. one the test completes later). */
  ScriptedResourceManagerClient answerGoodbyesWith(CompletableFuture<Void> answer) {
    this.disconnectAnswer = answer;
    return this;
  }

  /** From now on, fails every slot report with {@code UNAVAILABLE}. */
  ScriptedResourceManagerClient failSlotReports() {
    this.failSlotReports = true;
    return this;
  }

  /** From now on, leaves registrations pending. */
  ScriptedResourceManagerClient answerNothing() {
    this.refuseWith = null;
    this.acceptAll = false;
    return this;
  }

  List<RegistrationCall> registrations() {
    return List.copyOf(registrations);
  }

  RegistrationCall lastRegistration() {
    return registrations.get(registrations.size() - 1);
  }

  List<SlotReportCall> slotReports() {
    return List.copyOf(slotReports);
  }

  List<DisconnectCall> disconnects() {
    return List.copyOf(disconnects);
  }

  boolean isClosed() {
    return closed;
  }

  @Override
  public CompletableFuture<Registration> register(TaskExecutorInstance taskExecutor, String rpcAddress,
      int numberOfSlots, SlotReport slots) {
    RegistrationCall r = new RegistrationCall(taskExecutor, rpcAddress, numberOfSlots, slots, clock.nanoTime(),
        new CompletableFuture<>());
    registrations.add(r);
    if (refuseWith != null) {
      r.refuse(refuseWith, refuseDescription);
    } else if (acceptAll) {
      r.accept("reg-" + registrations.size());
    }
    return r.answer();
  }

  @Override
  public CompletableFuture<Void> sendSlotReport(String registrationId, TaskExecutorInstance taskExecutor,
      SlotReport slots) {
    slotReports.add(new SlotReportCall(registrationId, taskExecutor, slots));
    return failSlotReports
        ? CompletableFuture.failedFuture(ResourceManagerCallException.failed("UNAVAILABLE", "connection reset"))
        : CompletableFuture.completedFuture(null);
  }

  @Override
  public CompletableFuture<Void> disconnect(String registrationId, TaskExecutorInstance taskExecutor, String cause) {
    disconnects.add(new DisconnectCall(registrationId, taskExecutor, cause));
    return disconnectAnswer;
  }

  @Override
  public void close() {
    closed = true;
  }
}
