package dev.pulse.rm;

import java.util.Arrays;
import java.util.List;

/**
 * The loss guards at a glance (SPEC 11), as {@code /metrics} and the status line of
 * {@code bin/local-cluster} show them.
 *
 * @param suspects registered task executors that are silent now (state {@code SUSPECT})
 * @param quarantined resource ids quarantined now, registered or not
 * @param guardState the loss guard's state: {@code DISABLED}, {@code NORMAL}, {@code OVERLOADED} or
 *     {@code MASS_FAILURE}
 * @param releasesHeldBack silences whose release the guard held back since the start (a counter)
 */
public record LossGuardStatus(int suspects, int quarantined, String guardState, long releasesHeldBack) {

  /** Every value {@link #guardState()} takes. */
  public static final List<String> GUARD_STATES =
      Arrays.stream(LossGuard.State.values()).map(Enum::name).toList();

  /** Before the resource manager runs. */
  public static final LossGuardStatus NONE = new LossGuardStatus(0, 0, LossGuard.State.NORMAL.name(), 0);
}
