package dev.pulse.rm;

import dev.pulse.heartbeat.HeartbeatRpcException;
import dev.pulse.heartbeat.HeartbeatTarget;
import dev.pulse.heartbeat.ResourceId;
import dev.pulse.heartbeat.RpcFailureKind;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * An in-memory {@link TaskExecutorConnector} standing in for a fleet of task executors: each fake
 * keeps a real slot table, answers heartbeats with it synchronously, and can be told to go silent,
 * refuse connections, refuse slot requests or leave them unanswered. Records every call the resource
 * manager makes.
 */
final class FakeTaskExecutors implements TaskExecutorConnector {

  /**
   * How a fake answers heartbeat requests: SILENT leaves them unanswered for ever; HUNG fails each at once
   * with DEADLINE_EXCEEDED (a hung process behind a transport deadline: silent, not unreachable, and able to
   * answer again later); RESTARTED fails each as another instance answering.
   */
  enum Health { ANSWERING, SILENT, HUNG, REFUSING, RESTARTED }

  /** One fake task executor. */
  final class Fake implements TaskExecutorConnection {
    final TaskExecutorRegistration registration;
    final HeartbeatReceiver receiver;
    final String[] slotAllocations;
    final String[] slotJobs;
    final List<String> calls = new ArrayList<>();
    /** "allocation: cause" of every freeSlot call. */
    final List<String> freeCauses = new ArrayList<>();
    Health health = Health.ANSWERING;
    boolean refuseSlots;
    boolean hangSlots;
    /** {@code requestSlot} throws instead of answering with a future, as a broken adapter would. */
    boolean throwOnSlots;
    /** The answers to slot requests kept pending by {@link #hangSlots}, for the test to complete. */
    final List<CompletableFuture<Void>> pendingSlots = new ArrayList<>();
    boolean closed;

    Fake(TaskExecutorRegistration registration, HeartbeatReceiver receiver) {
      this.registration = registration;
      this.receiver = receiver;
      this.slotAllocations = new String[registration.slots()];
      this.slotJobs = new String[registration.slots()];
    }

    SlotReport report() {
      List<ReportedSlot> slots = new ArrayList<>();
      for (int i = 0; i < slotAllocations.length; i++) {
        slots.add(new ReportedSlot(i, slotAllocations[i], slotJobs[i]));
      }
      return new SlotReport(slots);
    }

    @Override
    public HeartbeatTarget<Void> heartbeatTarget() {
      return new HeartbeatTarget<>() {
        @Override
        public CompletableFuture<Void> receiveHeartbeat(ResourceId origin, Void payload) {
          return CompletableFuture.completedFuture(null);
        }

        @Override
        public CompletableFuture<Void> requestHeartbeat(ResourceId origin, Void payload) {
          calls.add("heartbeat");
          return switch (health) {
            case ANSWERING -> {
              receiver.heartbeatFrom(report());
              yield CompletableFuture.completedFuture(null);
            }
            case SILENT -> new CompletableFuture<>();
            case HUNG -> CompletableFuture.failedFuture(
                new HeartbeatRpcException(RpcFailureKind.DEADLINE_EXCEEDED, "deadline exceeded"));
            case REFUSING -> CompletableFuture.failedFuture(
                new HeartbeatRpcException(RpcFailureKind.UNREACHABLE, "connection refused"));
            case RESTARTED -> CompletableFuture.failedFuture(
                new HeartbeatRpcException(RpcFailureKind.RESTARTED, "another instance answers"));
          };
        }
      };
    }

    @Override
    public CompletableFuture<Void> requestSlot(int slotIndex, String allocationId, String jobId) {
      calls.add("requestSlot " + slotIndex + " " + allocationId);
      if (refuseSlots) {
        return CompletableFuture.failedFuture(new IllegalStateException("slot " + slotIndex + " refused"));
      }
      if (throwOnSlots) {
        throw new IllegalStateException("test: the adapter throws");
      }
      if (hangSlots) {
        CompletableFuture<Void> answer = new CompletableFuture<>();
        pendingSlots.add(answer);
        return answer;
      }
      slotAllocations[slotIndex] = allocationId;
      slotJobs[slotIndex] = jobId;
      return CompletableFuture.completedFuture(null);
    }

    @Override
    public CompletableFuture<Void> freeSlot(String allocationId, String cause) {
      calls.add("freeSlot " + allocationId);
      freeCauses.add(allocationId + ": " + cause);
      for (int i = 0; i < slotAllocations.length; i++) {
        if (allocationId.equals(slotAllocations[i])) {
          slotAllocations[i] = null;
          slotJobs[i] = null;
        }
      }
      return CompletableFuture.completedFuture(null);
    }

    @Override
    public CompletableFuture<Void> disconnect(LossReason reason, String cause) {
      calls.add("disconnect " + reason);
      return CompletableFuture.completedFuture(null);
    }

    @Override
    public void close() {
      closed = true;
    }

    List<String> callsStartingWith(String prefix) {
      return calls.stream().filter(c -> c.startsWith(prefix)).toList();
    }
  }

  private final Map<String, Fake> latest = new HashMap<>();
  final List<Fake> all = new ArrayList<>();

  @Override
  public TaskExecutorConnection connect(TaskExecutorRegistration registration, FencingToken fencing,
      HeartbeatReceiver heartbeatReceiver) {
    Fake fake = new Fake(registration, heartbeatReceiver);
    latest.put(registration.resourceId(), fake);
    all.add(fake);
    return fake;
  }

  /** The connection of the newest registration of {@code resourceId}. */
  Fake get(String resourceId) {
    return latest.get(resourceId);
  }

  static TaskExecutorRegistration registration(String id, String instance, int slots) {
    return new TaskExecutorRegistration(id, instance, "127.0.0.1:" + (7000 + Math.abs(id.hashCode() % 1000)), slots,
        SlotReport.allFree(slots));
  }
}
