package dev.pulse.rm.grpc;

import dev.pulse.proto.v1.AllocationEvent;
import dev.pulse.proto.v1.AllocationEventType;
import dev.pulse.proto.v1.RegisterTaskExecutorRequest;
import dev.pulse.proto.v1.SlotState;
import dev.pulse.proto.v1.SlotStatus;
import dev.pulse.rm.Allocation;
import dev.pulse.rm.AllocationUpdate;
import dev.pulse.rm.LossReason;
import dev.pulse.rm.ReportedSlot;
import dev.pulse.rm.RestartPolicy;
import dev.pulse.rm.SlotReport;
import dev.pulse.rm.TaskExecutorRegistration;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** Converts between {@code pulse.v1} messages and the resource manager's own types. Stateless. */
final class ProtoConversions {

  private ProtoConversions() {}

  static SlotReport toDomain(dev.pulse.proto.v1.SlotReport report) {
    List<ReportedSlot> slots = new ArrayList<>(report.getSlotsCount());
    for (SlotStatus s : report.getSlotsList()) {
      slots.add(s.getState() == SlotState.SLOT_STATE_ALLOCATED
          ? new ReportedSlot(s.getSlotIndex(), s.getAllocationId(), s.getJobId())
          : ReportedSlot.free(s.getSlotIndex()));
    }
    return new SlotReport(slots);
  }

  static TaskExecutorRegistration toDomain(RegisterTaskExecutorRequest r) {
    return new TaskExecutorRegistration(r.getTaskExecutor().getResourceId(), r.getTaskExecutor().getInstanceId(),
        r.getRpcAddress(), r.getNumberOfSlots(), r.hasSlotReport() ? toDomain(r.getSlotReport()) : null,
        r.getOpensHeartbeatStream());
  }

  static dev.pulse.proto.v1.LossReason toProto(LossReason reason) {
    if (reason == null) {
      return dev.pulse.proto.v1.LossReason.LOSS_REASON_UNSPECIFIED;
    }
    return switch (reason) {
      case HEARTBEAT_TIMEOUT -> dev.pulse.proto.v1.LossReason.LOSS_REASON_HEARTBEAT_TIMEOUT;
      case UNREACHABLE -> dev.pulse.proto.v1.LossReason.LOSS_REASON_UNREACHABLE;
      case RESTARTED -> dev.pulse.proto.v1.LossReason.LOSS_REASON_RESTARTED;
      case DISCONNECTED -> dev.pulse.proto.v1.LossReason.LOSS_REASON_DISCONNECTED;
      case DROPPED_BY_TASK_EXECUTOR -> dev.pulse.proto.v1.LossReason.LOSS_REASON_DROPPED_BY_TASK_EXECUTOR;
      case RECOVERY_TIMEOUT -> dev.pulse.proto.v1.LossReason.LOSS_REASON_RECOVERY_TIMEOUT;
      case ATTEMPTS_EXHAUSTED -> dev.pulse.proto.v1.LossReason.LOSS_REASON_ATTEMPTS_EXHAUSTED;
      case NO_SLOT_BEFORE_DEADLINE -> dev.pulse.proto.v1.LossReason.LOSS_REASON_NO_SLOT_BEFORE_DEADLINE;
    };
  }

  static dev.pulse.proto.v1.Allocation toProto(Allocation a) {
    dev.pulse.proto.v1.Allocation.Builder b = dev.pulse.proto.v1.Allocation.newBuilder()
        .setAllocationId(a.allocationId())
        .setJobId(a.jobId())
        .setTaskExecutorId(a.taskExecutorId() == null ? "" : a.taskExecutorId())
        .setAttempt(a.attempt());
    if (a.slotIndex() >= 0) {
      b.setSlotIndex(a.slotIndex()); // -1: no slot (failed), or a replayed event whose slot is no longer known
    }
    return b.build();
  }

  static AllocationEvent toProto(AllocationUpdate u) {
    AllocationEventType type = switch (u.type()) {
      case ALLOCATION_CREATED -> AllocationEventType.ALLOCATION_EVENT_TYPE_ALLOCATED;
      case ALLOCATION_LOST -> AllocationEventType.ALLOCATION_EVENT_TYPE_LOST;
      case ALLOCATION_RELEASED -> AllocationEventType.ALLOCATION_EVENT_TYPE_RELEASED;
      case ALLOCATION_MOVED -> AllocationEventType.ALLOCATION_EVENT_TYPE_MOVED;
      case ALLOCATION_FAILED -> AllocationEventType.ALLOCATION_EVENT_TYPE_FAILED;
      default -> AllocationEventType.ALLOCATION_EVENT_TYPE_UNSPECIFIED;
    };
    return AllocationEvent.newBuilder()
        .setSeq(u.seq())
        .setType(type)
        .setAllocation(toProto(u.allocation()))
        .setReason(toProto(u.reason()))
        .setTimeEpochMillis(u.time())
        .setDetail(u.detail())
        .setFromTaskExecutorId(u.previousTaskExecutorId() == null ? "" : u.previousTaskExecutorId())
        .build();
  }

  /** The request's restart policy, or {@code null} if it has none (checked on the wire already). */
  static RestartPolicy toDomain(dev.pulse.proto.v1.RestartPolicy p) {
    return new RestartPolicy(p.getMaxAttempts(),
        p.hasBackoffMillis() ? Duration.ofMillis(p.getBackoffMillis()) : RestartPolicy.DEFAULT_BACKOFF,
        p.hasDeadlineMillis() ? Duration.ofMillis(p.getDeadlineMillis()) : RestartPolicy.DEFAULT_DEADLINE);
  }
}
