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
   * than the heartbeat interval), since the sender asks a target again only after it. Throwing
   * counts as a failed request, as for {@link #requestHeartbeat(ResourceId, Object)}.
   *
   * @param requestOrigin the requester
   * @param heartbeatPayload payload of the request, may be {@code null}
   * @param answer where the outcome goes; the same object for every request to this target
   */
  void requestHeartbeat(ResourceId requestOrigin, O heartbeatPayload, HeartbeatAnswer<I> answer);
}
