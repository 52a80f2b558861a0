package dev.pulse.rpc;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pulse.proto.v1.FencingToken;
import io.grpc.Status;
import org.junit.jupiter.api.Test;

class FencingTest {

  private static final FencingToken ACCEPTED = token("rm-1", 5);

  @Test
  void check_sameToken_admits() {
    assertThat(Fencing.check(ACCEPTED, token("rm-1", 5))).isNull();
  }

  @Test
  void check_staleEpoch_refusesAsStale() {
    Status refusal = Fencing.check(ACCEPTED, token("rm-0", 4));

    assertThat(refusal.getCode()).isEqualTo(Status.Code.FAILED_PRECONDITION);
    assertThat(refusal.getDescription()).isEqualTo("stale fencing token: the call comes from resource manager rm-0"
        + " at epoch 4, but this task executor follows resource manager rm-1 at epoch 5, a later leader");
  }

  @Test
  void check_newerEpochNotRegisteredWith_refusesAsUnknown() {
    Status refusal = Fencing.check(ACCEPTED, token("rm-2", 6));

    assertThat(refusal.getCode()).isEqualTo(Status.Code.FAILED_PRECONDITION);
    assertThat(refusal.getDescription()).startsWith("unknown fencing token").contains("rm-2 at epoch 6");
  }

  @Test
  void check_otherIdAtSameEpoch_refuses() {
    assertThat(Fencing.check(ACCEPTED, token("rm-9", 5)).getCode()).isEqualTo(Status.Code.FAILED_PRECONDITION);
  }

  @Test
  void check_epochsCompareUnsigned() {
    FencingToken huge = token("rm-1", -1L); // 2^64 - 1

    assertThat(Fencing.check(huge, token("rm-1", 5)).getDescription()).startsWith("stale");
  }

  @Test
  void check_notRegistered_refuses() {
    Status refusal = Fencing.check(null, token("rm-1", 5));

    assertThat(refusal.getCode()).isEqualTo(Status.Code.FAILED_PRECONDITION);
    assertThat(refusal.getDescription()).contains("not registered with any resource manager");
  }

  private static FencingToken token(String id, long epoch) {
    return FencingToken.newBuilder().setResourceManagerId(id).setLeaderEpoch(epoch).build();
  }
}
