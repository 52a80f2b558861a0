package dev.pulse.te.grpc;

import dev.pulse.proto.v1.LossReason;
import dev.pulse.proto.v1.SlotState;
import dev.pulse.proto.v1.SlotStatus;
import dev.pulse.proto.v1.TaskExecutorIdentity;
import dev.pulse.te.FencingToken;
import dev.pulse.te.SlotReport;
import dev.pulse.te.TaskExecutorInstance;
import dev.pulse.te.TaskSlot;

/**
 * Converts between {@code pulse.v1} messages and the task executor's own types.
 *
 * <p>Thread-safety: the static conversions are stateless; a {@link SlotReportCache} is confined to
 * one thread (the main thread that answers heartbeats).
 */
final class ProtoConversions {

  private ProtoConversions() {}

  static FencingToken toDomain(dev.pulse.proto.v1.FencingToken token) {
    return new FencingToken(token.getResourceManagerId(), token.getLeaderEpoch());
  }

  static dev.pulse.proto.v1.FencingToken toProto(FencingToken token) {
    return dev.pulse.proto.v1.FencingToken.newBuilder()
        .setResourceManagerId(token.resourceManagerId()).setLeaderEpoch(token.epoch()).build();
  }

  static TaskExecutorIdentity toProto(TaskExecutorInstance instance) {
    return TaskExecutorIdentity.newBuilder()
        .setResourceId(instance.resourceId()).setInstanceId(instance.instanceId()).build();
  }

  static dev.pulse.proto.v1.SlotReport toProto(SlotReport report) {
    dev.pulse.proto.v1.SlotReport.Builder b = dev.pulse.proto.v1.SlotReport.newBuilder();
    for (TaskSlot slot : report.slots()) {
      SlotStatus.Builder s = b.addSlotsBuilder().setSlotIndex(slot.index());
      if (slot.isFree()) {
        s.setState(SlotState.SLOT_STATE_FREE);
      } else {
        s.setState(SlotState.SLOT_STATE_ALLOCATED).setAllocationId(slot.allocationId()).setJobId(slot.jobId());
      }
    }
    return b.build();
  }

  /** {@code HEARTBEAT_TIMEOUT} for {@code LOSS_REASON_HEARTBEAT_TIMEOUT}. */
  static String toDomain(LossReason reason) {
    String name = reason.name();
    return name.startsWith("LOSS_REASON_") ? name.substring("LOSS_REASON_".length()) : name;
  }

  /**
   * The wire form of the latest slot report, built once per report rather than per heartbeat: the
   * slot table hands out the same {@link SlotReport} instance until it changes.
   */
  static final class SlotReportCache {
    private SlotReport last;
    private dev.pulse.proto.v1.SlotReport lastWire;

    dev.pulse.proto.v1.SlotReport toProto(SlotReport report) {
      if (report != last) {
        lastWire = ProtoConversions.toProto(report);
        last = report;
      }
      return lastWire;
    }
  }
}
