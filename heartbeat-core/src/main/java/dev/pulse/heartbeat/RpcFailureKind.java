package dev.pulse.heartbeat;

/**
 * What kind of failure a heartbeat RPC met, as classified by the transport adapter. The core decides
 * what each kind means for liveness; the adapter only reports.
 */
public enum RpcFailureKind {
  /** The target could not be reached at all (connection refused or reset, no route, unavailable).
   * Counts towards {@code heartbeat.rpc-failure-threshold}. */
  UNREACHABLE,
  /** The RPC's deadline passed without an answer. Does not count towards the threshold: a hung
   * target is the timeout's job. */
  DEADLINE_EXCEEDED,
  /** Another process answered for the target's id (it restarted). Fires
   * {@link HeartbeatListener#notifyTargetRestarted} at once. */
  RESTARTED,
  /** Any other failure (refused by the target, internal error). Counted in statistics only. */
  OTHER
}
