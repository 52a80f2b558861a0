package dev.pulse.te;

/**
 * The task executor's side of fencing: it obeys only the resource manager it registered with, at the
 * epoch that registration returned. A call with another token is refused; the message tells a stale
 * leader from an unknown one.
 *
 * <p>Stateless and thread-safe; the accepted token is the caller's state.
 */
public final class Fencing {

  private Fencing() {}

  /**
   * Checks a call's token against the accepted one.
   *
   * @param accepted the token of the RM the task executor follows, {@code null} if it follows none
   *     (not registered yet, or disconnected)
   * @param presented the call's token
   * @throws CallRefusedException unless the call may proceed
   */
  /**
   * Whether {@code presented} comes from the resource manager the task executor follows, restarted on its
   * registry store: the same id with a newer epoch. Such a caller has lost nothing, but it does not know
   * this task executor's registration; the task executor re-registers at once (SPEC 9) instead of
   * waiting for its heartbeat timeout.
   *
   * @param accepted the token followed, or {@code null}
   */
  public static boolean isRestartOf(FencingToken accepted, FencingToken presented) {
    return accepted != null && presented.resourceManagerId().equals(accepted.resourceManagerId())
        && Long.compareUnsigned(presented.epoch(), accepted.epoch()) > 0;
  }

  public static void check(FencingToken accepted, FencingToken presented) {
    if (accepted == null) {
      throw new CallRefusedException("this task executor is not registered with any resource manager; refusing a"
          + " call from " + presented);
    }
    int byEpoch = Long.compareUnsigned(presented.epoch(), accepted.epoch());
    if (byEpoch < 0) {
      throw new CallRefusedException("stale fencing token: the call comes from " + presented
          + ", but this task executor follows " + accepted + ", a later leader");
    }
    if (byEpoch > 0 || !presented.resourceManagerId().equals(accepted.resourceManagerId())) {
      throw new CallRefusedException("unknown fencing token: the call comes from " + presented
          + ", but this task executor follows " + accepted + "; it obeys a new leader once it has registered with it");
    }
  }
}
