package dev.pulse.te.grpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.pulse.proto.v1.LossReason;
import dev.pulse.proto.v1.RegisterTaskExecutorResponse;
import dev.pulse.proto.v1.SlotState;
import dev.pulse.proto.v1.SlotStatus;
import dev.pulse.te.FencingToken;
import dev.pulse.te.Registration;
import dev.pulse.te.ResourceManagerCallException;
import dev.pulse.te.SlotReport;
import dev.pulse.te.TaskSlot;
import java.util.List;
import org.junit.jupiter.api.Test;

class ProtoConversionsTest {

  @Test
  void slotReport_toProto_everySlotByIndexWithItsState() {
    SlotReport report = new SlotReport(List.of(TaskSlot.free(0), new TaskSlot(1, "a-1", "job-1")));

    List<SlotStatus> wire = ProtoConversions.toProto(report).getSlotsList();

    assertThat(wire).extracting(SlotStatus::getSlotIndex).containsExactly(0, 1);
    assertThat(wire.get(0).getState()).isEqualTo(SlotState.SLOT_STATE_FREE);
    assertThat(wire.get(0).getAllocationId()).isEmpty();
    assertThat(wire.get(1).getState()).isEqualTo(SlotState.SLOT_STATE_ALLOCATED);
    assertThat(wire.get(1).getAllocationId()).isEqualTo("a-1");
    assertThat(wire.get(1).getJobId()).isEqualTo("job-1");
  }

  @Test
  void slotReportCache_sameReport_sameWireForm_newReport_newWireForm() {
    ProtoConversions.SlotReportCache cache = new ProtoConversions.SlotReportCache();
    SlotReport first = SlotReport.allFree(2);
    SlotReport second = SlotReport.allFree(2);

    dev.pulse.proto.v1.SlotReport wire = cache.toProto(first);

    assertThat(cache.toProto(first)).isSameAs(wire);
    assertThat(cache.toProto(second)).isNotSameAs(wire).isEqualTo(wire);
  }

  @Test
  void fencingToken_roundTrips_epochUnsigned() {
    FencingToken token = new FencingToken("rm-1", -1L);

    assertThat(ProtoConversions.toDomain(ProtoConversions.toProto(token))).isEqualTo(token);
    assertThat(token).hasToString("resource manager rm-1 at epoch 18446744073709551615");
  }

  @Test
  void lossReason_toDomain_dropsThePrefix() {
    assertThat(ProtoConversions.toDomain(LossReason.LOSS_REASON_HEARTBEAT_TIMEOUT)).isEqualTo("HEARTBEAT_TIMEOUT");
  }

  @Test
  void registrationAnswer_valid_becomesARegistration() {
    Registration r = GrpcResourceManagerClient.toRegistration(RegisterTaskExecutorResponse.newBuilder()
        .setRegistrationId("reg-1").setFencingToken(ProtoConversions.toProto(new FencingToken("rm-1", 7))).build());

    assertThat(r).isEqualTo(new Registration("reg-1", new FencingToken("rm-1", 7)));
  }

  @Test
  void registrationAnswer_withoutId_isAMalformedAnswerNamingTheField() {
    ResourceManagerCallException e = catchThrowableOfType(ResourceManagerCallException.class,
        () -> GrpcResourceManagerClient.toRegistration(RegisterTaskExecutorResponse.getDefaultInstance()));

    assertThat(e.isMalformedAnswer()).isTrue();
    assertThat(e.description()).startsWith("registration_id");
  }
}
