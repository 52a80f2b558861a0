package dev.pulse.te;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import org.junit.jupiter.api.Test;

class FencingTest {

  private static final FencingToken ACCEPTED = token("rm-1", 5);

  @Test
  void check_sameToken_admits() {
    assertThatCode(() -> Fencing.check(ACCEPTED, token("rm-1", 5))).doesNotThrowAnyException();
  }

  @Test
  void check_staleEpoch_refusesAsStale() {
    CallRefusedException refusal = refusal(ACCEPTED, token("rm-0", 4));

    assertThat(refusal.getMessage()).isEqualTo("stale fencing token: the call comes from resource manager rm-0"
        + " at epoch 4, but this task executor follows resource manager rm-1 at epoch 5, a later leader");
  }

  @Test
  void check_newerEpochNotRegisteredWith_refusesAsUnknown() {
    CallRefusedException refusal = refusal(ACCEPTED, token("rm-2", 6));

    assertThat(refusal.getMessage()).startsWith("unknown fencing token").contains("rm-2 at epoch 6");
  }

  @Test
  void check_otherIdAtSameEpoch_refuses() {
    assertThat(refusal(ACCEPTED, token("rm-9", 5))).isNotNull();
  }

  @Test
  void check_epochsCompareUnsigned() {
    FencingToken huge = token("rm-1", -1L); // 2^64 - 1

    assertThat(refusal(huge, token("rm-1", 5)).getMessage()).startsWith("stale");
  }

  @Test
  void check_notRegistered_refuses() {
    CallRefusedException refusal = refusal(null, token("rm-1", 5));

    assertThat(refusal.getMessage()).contains("not registered with any resource manager");
  }

  private static CallRefusedException refusal(FencingToken accepted, FencingToken presented) {
    CallRefusedException e = catchThrowableOfType(CallRefusedException.class, () -> Fencing.check(accepted, presented));
    assertThat(e).as("the call should have been refused").isNotNull();
    return e;
  }

  private static FencingToken token(String id, long epoch) {
    return new FencingToken(id, epoch);
  }
}
