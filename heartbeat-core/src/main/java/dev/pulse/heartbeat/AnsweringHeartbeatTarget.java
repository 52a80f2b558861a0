package dev.pulse.heartbeat;

/**
 * A {@link HeartbeatTarget} that reports the answers to a sender's heartbeat requests through the
 * target's {@link HeartbeatAnswer} rather than a future per request: no future, no completion stage
 * and no thread hop per heartbeat, one main-thread task and one clock reading per batch of answers.
 *
 * <p>A sending manager uses {@link #requestHeartbeat(ResourceId, Object, HeartbeatAnswer)} for every
 * target monitored with this type; a receiving manager and other callers still use the
 * future-returning methods. The answer's payload type must be the manager's incoming payload type
 * (the {@code I} of {@code HeartbeatManager<I, O>}): the manager cannot check it, since
 * {@code monitorTarget} takes any {@code HeartbeatTarget<O>}.
 *
 * @param <O> type of the payload sent with heartbeat requests
 * @param <I> type of the payload the target's heartbeats carry back
 */
public interface AnsweringHeartbeatTarget<O, I> extends HeartbeatTarget<O> {

  /**
   * Asks this target for a heartbeat. The outcome goes to {@code answer} exactly once, on any thread,
   * possibly before this method returns; the transport makes sure one comes (a deadline no longer
   * than the heartbeat interval), since the sender asks a target again only after it, unless the
   * sender ends requests itself ({@link #senderEndsRequestsAtDeadline}). Throwing
   * counts as a failed request, as for {@link #requestHeartbeat(ResourceId, Object)}.
   *
   * @param requestOrigin the requester
   * @param heartbeatPayload payload of the request, may be {@code null}
   * @param answer where the outcome goes; the same object for every request to this target
   */
  void requestHeartbeat(ResourceId requestOrigin, O heartbeatPayload, HeartbeatAnswer<I> answer);

  /**
   * Whether the sender ends this target's requests at their deadline itself, for a transport that has
   * no deadline of its own (a long-lived stream). If so, a request still unanswered at the target's
   * next turn, one interval after it was sent, fails there as {@link RpcFailureKind#DEADLINE_EXCEEDED}
   * and the target is asked again at once. A target asked while one of its requests is unanswered must
   * then drop that request without reporting it; an answer that races with the new request may still
   * count for it, which is harmless: it is a heartbeat of the same target. Read once, when the target
   * is monitored.
   *
   * @return {@code false} by default: the transport's deadline (no longer than the interval) ends
   *     every request, and a target whose request is still unanswered at its turn is skipped
   */
  default boolean senderEndsRequestsAtDeadline() {
    return false;
  }
}
