package dev.pulse.heartbeat;

/**
 * Counters of one {@link HeartbeatManager} since it was created; a snapshot, immutable.
 *
 * @param requestsSent heartbeat requests the sender sent
 * @param requestsSkippedInFlight sender turns skipped because the target's previous request was
 *     still outstanding
 * @param heartbeatsReceived heartbeats (and heartbeat requests) received from monitored targets
 * @param rpcSuccesses heartbeat RPCs that completed normally
 * @param rpcUnreachable heartbeat RPCs that failed as {@link RpcFailureKind#UNREACHABLE}
 * @param rpcDeadlineExceeded heartbeat RPCs that failed as {@link RpcFailureKind#DEADLINE_EXCEEDED}
 * @param rpcRestarted heartbeat RPCs that failed as {@link RpcFailureKind#RESTARTED}
 * @param rpcOther heartbeat RPCs that failed as {@link RpcFailureKind#OTHER}
 * @param targetsTimedOut targets lost through the timeout
 * @param targetsUnreachable targets lost through the unreachable rule
 * @param targetsRestarted targets lost because they restarted
 * @param localPauses times the manager found its own process had not run for more than an interval
 * @param localPausedNanos total length of those pauses
 * @param maxTickLagNanos the largest delay of the manager's timer behind its schedule
 * @param callbackFailures listener callbacks that threw, and target adapter calls that threw or
 *     returned {@code null}; the manager logged each and carried on
 */
public record HeartbeatStats(
    long requestsSent,
    long requestsSkippedInFlight,
    long heartbeatsReceived,
    long rpcSuccesses,
    long rpcUnreachable,
    long rpcDeadlineExceeded,
    long rpcRestarted,
    long rpcOther,
    long targetsTimedOut,
    long targetsUnreachable,
    long targetsRestarted,
    long localPauses,
    long localPausedNanos,
    long maxTickLagNanos,
    long callbackFailures) {}
