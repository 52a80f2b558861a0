package dev.pulse.rpc;

import dev.pulse.proto.v1.FencingToken;
import io.grpc.Status;

/**
 * The task executor's side of fencing: it obeys only the resource manager it registered with, at the
 * epoch that registration returned. A call with another token is refused with
 * {@code FAILED_PRECONDITION}, whose description tells a stale leader from an unknown one.
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
   * @param presented the call's token, already {@linkplain WireValidation#checkFencingToken validated}
   * @return {@code null} if the call may proceed, otherwise a {@code FAILED_PRECONDITION} status to
   *     answer it with
   */
  public static Status check(FencingToken accepted, FencingToken presented) {
    if (accepted == null) {
      return Status.FAILED_PRECONDITION.withDescription("this task executor is not registered with any resource"
          + " manager; refusing a call from " + describe(presented));
    }
    int byEpoch = Long.compareUnsigned(presented.getLeaderEpoch(), accepted.getLeaderEpoch());
    if (byEpoch < 0) {
      return Status.FAILED_PRECONDITION.withDescription("stale fencing token: the call comes from "
          + describe(presented) + ", but this task executor follows " + describe(accepted)
          + ", a later leader");
    }
    if (byEpoch > 0 || !presented.getResourceManagerId().equals(accepted.getResourceManagerId())) {
      return Status.FAILED_PRECONDITION.withDescription("unknown fencing token: the call comes from "
          + describe(presented) + ", but this task executor follows " + describe(accepted)
          + "; it obeys a new leader once it has registered with it");
    }
    return null;
  }

  /** {@code resource manager rm-1 at epoch 3}. */
  public static String describe(FencingToken token) {
    return "resource manager " + token.getResourceManagerId() + " at epoch "
        + Long.toUnsignedString(token.getLeaderEpoch());
  }
}
