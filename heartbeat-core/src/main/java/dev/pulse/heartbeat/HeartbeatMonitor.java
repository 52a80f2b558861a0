package dev.pulse.heartbeat;

/**
 * The liveness record of one monitored target, owned by its {@link HeartbeatManagerImpl}.
 *
 * <p>Plain fields, no locks: confined to the manager's main-thread executor. The record is also a node
 * of two intrusive doubly linked lists, so that a heartbeat updates it in O(1) without allocating:
 * <ul>
 *   <li>the manager's <em>expiry list</em>, kept sorted by {@link #deadline}. Every heartbeat sets the
 *       deadline to {@code now + timeout}, which is at least every other deadline, so it moves the
 *       record to the tail; the head is always the next target to time out.
 *   <li>the sender's <em>phase bucket</em>: the targets asked for a heartbeat in the same phase of the
 *       interval.
 * </ul>
 * A record is never reused: a target monitored again gets a fresh one.
 *
 * @param <O> type of outgoing payloads
 */
final class HeartbeatMonitor<O> {

  /** Lifecycle of a monitored target. Only {@code RUNNING} targets are asked, expired or counted. */
  enum State {
    /** Being watched. */
    RUNNING,
    /** Lost: no heartbeat within the timeout. */
    TIMED_OUT,
    /** Lost: too many unreachable heartbeat RPCs in a row. */
    UNREACHABLE,
    /** Lost: another process answers for its id. */
    RESTARTED,
    /** Unmonitored, or the manager stopped. */
    CANCELLED
  }

  final ResourceId targetId;
  final HeartbeatTarget<O> target;

  State state = State.RUNNING;
  /** Monotonic time of the last heartbeat; 0 before the first. */
  long lastHeartbeat;
  /** Monotonic time at which the target times out unless it is heard from. */
  long deadline;
  /** Unreachable heartbeat RPCs since the last successful one. */
  int consecutiveFailedRpcs;

  // Sender only.
  boolean requestInFlight;
  long requestSentAt;
  /** Phase bucket index, or -1 when not in a bucket. */
  int bucket = -1;
  HeartbeatMonitor<O> bucketPrev;
  HeartbeatMonitor<O> bucketNext;
  /** Where the outcomes of this target's heartbeat requests go; one per target, reused. */
  HeartbeatAnswer<?> answer;
  /** The sender fails a request still unanswered at the target's next turn (no transport deadline). */
  boolean senderEndsRequests;

  // Expiry list.
  HeartbeatMonitor<O> expiryPrev;
  HeartbeatMonitor<O> expiryNext;
  boolean inExpiryList;

  HeartbeatMonitor(ResourceId targetId, HeartbeatTarget<O> target) {
    this.targetId = targetId;
    this.target = target;
  }

  boolean isRunning() {
    return state == State.RUNNING;
  }

  @Override
  public String toString() {
    return "HeartbeatMonitor{" + targetId + ", " + state + ", lastHeartbeat=" + lastHeartbeat
        + ", deadline=" + deadline + ", failedRpcs=" + consecutiveFailedRpcs + '}';
  }
}
