package dev.pulse.rm;

import dev.pulse.config.HostPort;
import dev.pulse.config.Limits;
import dev.pulse.heartbeat.ResourceId;

/**
 * What a task executor tells the resource manager when it registers.
 *
 * @param resourceId its id across restarts
 * @param instanceId a fresh id per process start
 * @param address where its gRPC server listens, {@code host:port}
 * @param slots how many slots it offers, 1..{@value Limits#MAX_TASK_SLOTS}
 * @param slotReport what its slots hold right now
 * @param opensHeartbeatStream it can open the heartbeat stream to the resource manager itself
 *     ({@code opens_heartbeat_stream}); if not, the resource manager calls its gateway for heartbeats
 */
public record TaskExecutorRegistration(String resourceId, String instanceId, String address, int slots,
    SlotReport slotReport, boolean opensHeartbeatStream) {

  /** A task executor that does not open the heartbeat stream itself: the resource manager calls its gateway. */
  public TaskExecutorRegistration(String resourceId, String instanceId, String address, int slots,
      SlotReport slotReport) {
    this(resourceId, instanceId, address, slots, slotReport, false);
  }

  /**
   * Checks every field; nothing is registered when this throws.
   *
   * @throws RegistrationRejectedException naming the first bad field
   */
  public void validate() {
    String problem = ResourceId.validate(resourceId);
    if (problem != null) {
      throw new RegistrationRejectedException("resource_id", problem);
    }
    problem = ResourceId.validate(instanceId);
    if (problem != null) {
      throw new RegistrationRejectedException("instance_id", problem);
    }
    if (slots < 1 || slots > Limits.MAX_TASK_SLOTS) {
      throw new RegistrationRejectedException("number_of_slots",
          "must be between 1 and " + Limits.MAX_TASK_SLOTS + ", was " + slots);
    }
    problem = HostPort.problem(address);
    if (problem != null) {
      throw new RegistrationRejectedException("rpc_address", problem);
    }
    if (slotReport != null) {
      for (ReportedSlot s : slotReport.slots()) {
        if (s.index() < 0 || s.index() >= slots) {
          throw new RegistrationRejectedException("slot_report",
              "slot index " + s.index() + " is outside 0.." + (slots - 1));
        }
        if (!s.isFree() && (ResourceId.validate(s.allocationId()) != null || ResourceId.validate(s.jobId()) != null)) {
          throw new RegistrationRejectedException("slot_report", "slot " + s.index() + " has a malformed allocation or job id");
        }
      }
    }
  }
}
