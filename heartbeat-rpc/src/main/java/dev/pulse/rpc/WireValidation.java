package dev.pulse.rpc;

import dev.pulse.config.HostPort;
import dev.pulse.config.Limits;
import dev.pulse.heartbeat.ResourceId;
import dev.pulse.proto.v1.AllocateSlotsRequest;
import dev.pulse.proto.v1.DisconnectResourceManagerRequest;
import dev.pulse.proto.v1.DisconnectTaskExecutorRequest;
import dev.pulse.proto.v1.FencingToken;
import dev.pulse.proto.v1.FreeSlotRequest;
import dev.pulse.proto.v1.HeartbeatRequest;
import dev.pulse.proto.v1.LossReason;
import dev.pulse.proto.v1.RegisterTaskExecutorRequest;
import dev.pulse.proto.v1.ReleaseAllocationRequest;
import dev.pulse.proto.v1.RequestSlotRequest;
import dev.pulse.proto.v1.SendSlotReportRequest;
import dev.pulse.proto.v1.SlotReport;
import dev.pulse.proto.v1.SlotState;
import dev.pulse.proto.v1.SlotStatus;
import dev.pulse.proto.v1.TaskExecutorIdentity;
import dev.pulse.proto.v1.WatchAllocationsRequest;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;

/**
 * Checks inbound pulse.v1 messages against the rules of SPEC 3: ids are 1 to 128 characters of
 * {@code [A-Za-z0-9._-]}, a task executor has 1 to {@value Limits#MAX_TASK_SLOTS} slots, required fields are
 * present and enums are not {@code UNSPECIFIED}.
 *
 * <p>Every check throws {@code Status.INVALID_ARGUMENT} as a {@link StatusRuntimeException} whose
 * description names the field by its proto path, e.g.
 * {@code task_executor.instance_id: id 'a b' may contain only letters, digits, '.', '_' and '-'}; a
 * value it repeats is {@linkplain dev.pulse.config.Echo#quote cut}, so the description always fits in the trailers. A
 * service passes it to {@code onError} as it is. There is a {@code check} for the request of every RPC of
 * the three services, so each implementation starts with one line.
 *
 * <p>Stateless and thread-safe.
 */
public final class WireValidation {



  private WireValidation() {}

  // ------------------------------------------------------------------ TaskExecutorGateway

  public static void check(HeartbeatRequest r) {
    checkFencingToken("fencing_token", r.hasFencingToken(), r.getFencingToken());
    checkIdentity("task_executor", r.hasTaskExecutor(), r.getTaskExecutor());
  }

  public static void check(RequestSlotRequest r) {
    checkFencingToken("fencing_token", r.hasFencingToken(), r.getFencingToken());
    checkIdentity("task_executor", r.hasTaskExecutor(), r.getTaskExecutor());
    checkSlotIndex("slot_index", r.hasSlotIndex(), r.getSlotIndex(), Limits.MAX_TASK_SLOTS);
    checkId("allocation_id", r.getAllocationId());
    checkId("job_id", r.getJobId());
  }

  public static void check(FreeSlotRequest r) {
    checkFencingToken("fencing_token", r.hasFencingToken(), r.getFencingToken());
    checkIdentity("task_executor", r.hasTaskExecutor(), r.getTaskExecutor());
    checkId("allocation_id", r.getAllocationId());
  }

  public static void check(DisconnectResourceManagerRequest r) {
    checkFencingToken("fencing_token", r.hasFencingToken(), r.getFencingToken());
    checkIdentity("task_executor", r.hasTaskExecutor(), r.getTaskExecutor());
    checkReason("reason", r.getReason());
  }

  // ------------------------------------------------------------------ ResourceManagerGateway

  public static void check(RegisterTaskExecutorRequest r) {
    checkIdentity("task_executor", r.hasTaskExecutor(), r.getTaskExecutor());
    checkAddress("rpc_address", r.getRpcAddress());
    checkSlotCount("number_of_slots", r.getNumberOfSlots());
    checkSlotReport("slot_report", r.hasSlotReport(), r.getSlotReport());
    if (r.getSlotReport().getSlotsCount() != r.getNumberOfSlots()) {
      throw invalid("slot_report", "lists " + r.getSlotReport().getSlotsCount() + " slots, number_of_slots is "
          + r.getNumberOfSlots());
    }
  }

  public static void check(SendSlotReportRequest r) {
    checkId("registration_id", r.getRegistrationId());
    checkIdentity("task_executor", r.hasTaskExecutor(), r.getTaskExecutor());
    checkSlotReport("slot_report", r.hasSlotReport(), r.getSlotReport());
  }

  public static void check(DisconnectTaskExecutorRequest r) {
    checkId("registration_id", r.getRegistrationId());
    checkIdentity("task_executor", r.hasTaskExecutor(), r.getTaskExecutor());
    checkReason("reason", r.getReason());
  }

  // ------------------------------------------------------------------ SlotPool

  public static void check(AllocateSlotsRequest r) {
    checkId("job_id", r.getJobId());
    if (r.getSlots() < 1 || r.getSlots() > Limits.MAX_TASK_SLOTS) {
      throw invalid("slots", "must be between 1 and " + Limits.MAX_TASK_SLOTS + ", was " + r.getSlots());
    }
    if (r.hasRestart() && !r.getRestart().hasMaxAttempts()) {
      throw invalid("restart.max_attempts", "missing");
    }
  }

  public static void check(ReleaseAllocationRequest r) {
    checkId("allocation_id", r.getAllocationId());
  }

  public static void check(WatchAllocationsRequest r) {
    checkId("job_id", r.getJobId());
  }

  // ------------------------------------------------------------------ building blocks

  /** An id: 1 to 128 characters of {@code [A-Za-z0-9._-]}. */
  public static void checkId(String field, String value) {
    if (!ResourceId.isValid(value)) {
      throw invalid(field, idProblem(value));
    }
  }

  /** A fencing token: a valid RM id and an epoch of 1 or more. */
  public static void checkFencingToken(String field, boolean present, FencingToken token) {
    if (!present) {
      throw invalid(field, "is required");
    }
    checkId(field, "resource_manager_id", token.getResourceManagerId());
    if (token.getLeaderEpoch() < 1) {
      throw invalid(field + ".leader_epoch", "must be >= 1, was " + Long.toUnsignedString(token.getLeaderEpoch()));
    }
  }

  /** A task executor identity: valid resource and instance ids. */
  public static void checkIdentity(String field, boolean present, TaskExecutorIdentity identity) {
    if (!present) {
      throw invalid(field, "is required");
    }
    checkId(field, "resource_id", identity.getResourceId());
    checkId(field, "instance_id", identity.getInstanceId());
  }

  /** A number of slots: 1 to {@value Limits#MAX_TASK_SLOTS}. */
  public static void checkSlotCount(String field, int slots) {
    if (slots < 1 || slots > Limits.MAX_TASK_SLOTS) {
      throw invalid(field, "must be between 1 and " + Limits.MAX_TASK_SLOTS + ", was " + Integer.toUnsignedString(slots));
    }
  }

  /** A slot index: present and below {@code slots}. */
  public static void checkSlotIndex(String field, boolean present, int index, int slots) {
    if (!present) {
      throw invalid(field, "is required");
    }
    if (index < 0 || index >= slots) {
      throw invalid(field, "must be between 0 and " + (slots - 1) + ", was " + Integer.toUnsignedString(index));
    }
  }

  /**
   * A full slot table: 1 to {@value Limits#MAX_TASK_SLOTS} slots, each index from 0 to size - 1 exactly once, a
   * known state, and an allocation id and job id exactly when the slot is allocated.
   *
   * <p>Runs on the resource manager for every heartbeat answer, so a valid report is checked without
   * building any string; field names are put together only for the error.
   */
  public static void checkSlotReport(String field, boolean present, SlotReport report) {
    if (!present) {
      throw invalid(field, "is required");
    }
    int size = report.getSlotsCount();
    if (size < 1 || size > Limits.MAX_TASK_SLOTS) {
      checkSlotCount(field + ".slots", size);
    }
    long[] seen = new long[(size + 63) >>> 6];
    for (int i = 0; i < size; i++) {
      SlotStatus slot = report.getSlots(i);
      int index = slot.getSlotIndex();
      if (!slot.hasSlotIndex() || index < 0 || index >= size) {
        checkSlotIndex(slotField(field, i, "slot_index"), slot.hasSlotIndex(), index, size);
      }
      if ((seen[index >>> 6] & (1L << index)) != 0) {
        throw invalid(slotField(field, i, "slot_index"), "slot " + index + " is listed twice");
      }
      seen[index >>> 6] |= 1L << index;
      if (slot.getState() == SlotState.SLOT_STATE_ALLOCATED) {
        if (!ResourceId.isValid(slot.getAllocationId())) {
          throw invalid(slotField(field, i, "allocation_id"), idProblem(slot.getAllocationId()));
        }
        if (!ResourceId.isValid(slot.getJobId())) {
          throw invalid(slotField(field, i, "job_id"), idProblem(slot.getJobId()));
        }
      } else if (slot.getState() == SlotState.SLOT_STATE_FREE) {
        if (!slot.getAllocationId().isEmpty() || !slot.getJobId().isEmpty()) {
          throw invalid(slotField(field, i, null), "a free slot has no allocation_id or job_id");
        }
      } else {
        throw invalid(slotField(field, i, "state"),
            "must be SLOT_STATE_FREE or SLOT_STATE_ALLOCATED, was " + slot.getState());
      }
    }
  }

  /** A loss reason other than {@code UNSPECIFIED}. */
  public static void checkReason(String field, LossReason reason) {
    if (reason == LossReason.LOSS_REASON_UNSPECIFIED || reason == LossReason.UNRECOGNIZED) {
      throw invalid(field, "must be one of HEARTBEAT_TIMEOUT, UNREACHABLE, RESTARTED, DISCONNECTED, was " + reason);
    }
  }

  /** An address to connect to: {@code host:port}, the host a name, an IPv4 address or a bracketed IPv6 one. */
  public static void checkAddress(String field, String address) {
    String problem = HostPort.problem(address);
    if (problem != null) {
      throw invalid(field, problem);
    }
  }



  /** {@code parent.name}, built only when {@code value} is not a valid id. */
  private static void checkId(String parent, String name, String value) {
    if (!ResourceId.isValid(value)) {
      throw invalid(parent + "." + name, idProblem(value));
    }
  }

  private static String slotField(String report, int position, String name) {
    return report + ".slots[" + position + "]" + (name == null ? "" : "." + name);
  }

  /** Why {@code value}, known to be invalid, is not an id ({@link ResourceId#validate}); absent is "required". */
  private static String idProblem(String value) {
    return value == null || value.isEmpty() ? "is required" : ResourceId.validate(value);
  }

  /** {@code INVALID_ARGUMENT} naming {@code field}. */
  public static StatusRuntimeException invalid(String field, String problem) {
    return Status.INVALID_ARGUMENT.withDescription(field + ": " + problem).asRuntimeException();
  }
}
