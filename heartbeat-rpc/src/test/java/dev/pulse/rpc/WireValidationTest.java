package dev.pulse.rpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.pulse.config.Limits;
import dev.pulse.heartbeat.ResourceId;
import dev.pulse.proto.v1.AllocateSlotsRequest;
import dev.pulse.proto.v1.DisconnectResourceManagerRequest;
import dev.pulse.proto.v1.FencingToken;
import dev.pulse.proto.v1.HeartbeatRequest;
import dev.pulse.proto.v1.LossReason;
import dev.pulse.proto.v1.RegisterTaskExecutorRequest;
import dev.pulse.proto.v1.RequestSlotRequest;
import dev.pulse.proto.v1.SlotReport;
import dev.pulse.proto.v1.SlotState;
import dev.pulse.proto.v1.SlotStatus;
import dev.pulse.proto.v1.TaskExecutorIdentity;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class WireValidationTest {

  private static final FencingToken TOKEN =
      FencingToken.newBuilder().setResourceManagerId("rm-1").setLeaderEpoch(3).build();
  private static final SlotReport SLOTS = SlotReport.newBuilder()
      .addSlots(SlotStatus.newBuilder().setSlotIndex(1).setState(SlotState.SLOT_STATE_FREE))
      .addSlots(SlotStatus.newBuilder().setSlotIndex(0).setState(SlotState.SLOT_STATE_ALLOCATED)
          .setAllocationId("alloc-1").setJobId("job-1"))
      .build();
  private static final TaskExecutorIdentity TE =
      TaskExecutorIdentity.newBuilder().setResourceId("te-1").setInstanceId("3f2b0c1e-instance").build();

  @Test
  void check_validHeartbeatRequest_passes() {
    assertThatCode(() -> WireValidation.check(heartbeat().build())).doesNotThrowAnyException();
  }

  @Test
  void check_heartbeatRequestWithoutFencingToken_namesField() {
    assertInvalid(() -> WireValidation.check(heartbeat().clearFencingToken().build()), "fencing_token: is required");
  }

  @Test
  void check_zeroEpoch_namesField() {
    assertInvalid(() -> WireValidation.check(heartbeat().setFencingToken(TOKEN.toBuilder().setLeaderEpoch(0)).build()),
        "fencing_token.leader_epoch: must be >= 1, was 0");
  }

  @ParameterizedTest
  @ValueSource(strings = {"has space", "slash/", "ümlaut", ""})
  void check_malformedInstanceId_namesField(String instanceId) {
    HeartbeatRequest request = heartbeat().setTaskExecutor(TE.toBuilder().setInstanceId(instanceId)).build();

    assertInvalid(() -> WireValidation.check(request), "task_executor.instance_id: ");
  }

  @Test
  void checkId_129Characters_refused() {
    assertInvalid(() -> WireValidation.checkId("job_id", "j".repeat(129)),
        "job_id: id has 129 characters, at most 128 are allowed");
    assertThatCode(() -> WireValidation.checkId("job_id", "j".repeat(128))).doesNotThrowAnyException();
  }

  @Test
  void checkSlotReport_valid_passes() {
    assertThatCode(() -> WireValidation.checkSlotReport("slot_report", true, SLOTS)).doesNotThrowAnyException();
  }

  @Test
  void checkSlotReport_tooManySlots_refused() {
    SlotReport.Builder report = SlotReport.newBuilder();
    for (int i = 0; i <= Limits.MAX_TASK_SLOTS; i++) {
      report.addSlots(SlotStatus.newBuilder().setSlotIndex(i).setState(SlotState.SLOT_STATE_FREE));
    }

    assertInvalid(() -> WireValidation.checkSlotReport("slot_report", true, report.build()),
        "slot_report.slots: must be between 1 and 1024, was 1025");
  }

  @Test
  void checkSlotReport_empty_refused() {
    assertInvalid(() -> WireValidation.checkSlotReport("slot_report", true, SlotReport.getDefaultInstance()),
        "slot_report.slots: must be between 1 and 1024, was 0");
  }

  @Test
  void checkSlotReport_duplicateIndex_refused() {
    SlotReport report = SlotReport.newBuilder()
        .addSlots(SlotStatus.newBuilder().setSlotIndex(0).setState(SlotState.SLOT_STATE_FREE))
        .addSlots(SlotStatus.newBuilder().setSlotIndex(0).setState(SlotState.SLOT_STATE_FREE))
        .build();

    assertInvalid(() -> WireValidation.checkSlotReport("slot_report", true, report),
        "slot_report.slots[1].slot_index: slot 0 is listed twice");
  }

  @Test
  void checkSlotReport_missingIndexOrState_refused() {
    SlotReport noIndex = SlotReport.newBuilder().addSlots(SlotStatus.newBuilder().setState(SlotState.SLOT_STATE_FREE)).build();
    SlotReport noState = SlotReport.newBuilder().addSlots(SlotStatus.newBuilder().setSlotIndex(0)).build();

    assertInvalid(() -> WireValidation.checkSlotReport("r", true, noIndex), "r.slots[0].slot_index: is required");
    assertInvalid(() -> WireValidation.checkSlotReport("r", true, noState), "r.slots[0].state: must be");
  }

  @Test
  void checkSlotReport_allocatedWithoutJob_refused() {
    SlotReport report = SlotReport.newBuilder().addSlots(SlotStatus.newBuilder().setSlotIndex(0)
        .setState(SlotState.SLOT_STATE_ALLOCATED).setAllocationId("alloc-1")).build();

    assertInvalid(() -> WireValidation.checkSlotReport("r", true, report), "r.slots[0].job_id: is required");
  }

  @Test
  void check_registrationWithMismatchedSlotCount_refused() {
    RegisterTaskExecutorRequest request = RegisterTaskExecutorRequest.newBuilder().setTaskExecutor(TE)
        .setRpcAddress("10.0.0.7:6124").setNumberOfSlots(3).setSlotReport(SLOTS).build();

    assertInvalid(() -> WireValidation.check(request), "slot_report: lists 2 slots, number_of_slots is 3");
    assertThatCode(() -> WireValidation.check(request.toBuilder().setNumberOfSlots(2).build())).doesNotThrowAnyException();
  }

  @ParameterizedTest
  @ValueSource(strings = {"host", "host:", ":80", "host:0", "host:65536", "host:http", "a b:80", "[::1:80"})
  void checkAddress_malformed_refused(String address) {
    assertInvalid(() -> WireValidation.checkAddress("rpc_address", address), "rpc_address: ");
  }

  @Test
  void checkAddress_hugeValue_echoedCut() {
    String address = "h".repeat(8000) + ":80";

    StatusRuntimeException e = catchThrowableOfType(StatusRuntimeException.class,
        () -> WireValidation.checkAddress("rpc_address", address));

    assertThat(e.getStatus().getDescription())
        .isEqualTo("rpc_address: '" + "h".repeat(64) + "...' does not start with a host name or IP address");
  }

  @Test
  void checkId_malformedLongId_echoedCut() {
    String id = "a".repeat(100) + "/";

    StatusRuntimeException e = catchThrowableOfType(StatusRuntimeException.class,
        () -> WireValidation.checkId("job_id", id));

    assertThat(e.getStatus().getDescription())
        .isEqualTo("job_id: id '" + "a".repeat(64) + "...' may contain only letters, digits, '.', '_' and '-'");
  }

  @ParameterizedTest
  @ValueSource(strings = {"localhost:6123", "10.0.0.7:1", "te-3.cluster.internal:65535", "[::1]:6124"})
  void checkAddress_wellFormed_passes(String address) {
    assertThatCode(() -> WireValidation.checkAddress("rpc_address", address)).doesNotThrowAnyException();
  }

  @Test
  void check_requestSlotWithoutIndex_refused() {
    RequestSlotRequest request = RequestSlotRequest.newBuilder().setFencingToken(TOKEN).setTaskExecutor(TE)
        .setAllocationId("alloc-1").setJobId("job-1").build();

    assertInvalid(() -> WireValidation.check(request), "slot_index: is required");
    assertThatCode(() -> WireValidation.check(request.toBuilder().setSlotIndex(0).build())).doesNotThrowAnyException();
  }

  @Test
  void check_unspecifiedLossReason_refused() {
    DisconnectResourceManagerRequest request = DisconnectResourceManagerRequest.newBuilder()
        .setFencingToken(TOKEN).setTaskExecutor(TE).build();

    assertInvalid(() -> WireValidation.check(request), "reason: must be one of");
    assertThatCode(() -> WireValidation.check(request.toBuilder().setReason(LossReason.LOSS_REASON_DISCONNECTED).build()))
        .doesNotThrowAnyException();
  }

  @Test
  void check_allocateZeroSlots_refused() {
    assertInvalid(() -> WireValidation.check(AllocateSlotsRequest.newBuilder().setJobId("job-1").build()),
        "slots: must be between 1 and 1024, was 0");
  }

  private static HeartbeatRequest.Builder heartbeat() {
    return HeartbeatRequest.newBuilder().setFencingToken(TOKEN).setTaskExecutor(TE);
  }

  private static void assertInvalid(ThrowingCallable check, String descriptionPrefix) {
    StatusRuntimeException e = catchThrowableOfType(StatusRuntimeException.class, check);
    assertThat(e).as("expected INVALID_ARGUMENT").isNotNull();
    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(e.getStatus().getDescription()).startsWith(descriptionPrefix);
  }
}
