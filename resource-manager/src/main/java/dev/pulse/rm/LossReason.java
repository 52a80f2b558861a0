package dev.pulse.rm;

/** Why a task executor was declared lost. */
public enum LossReason {
  /** Nothing heard from it for {@code heartbeat.timeout}. */
  HEARTBEAT_TIMEOUT,
  /** {@code heartbeat.rpc-failure-threshold} heartbeat RPCs in a row could not reach it. */
  UNREACHABLE,
  /** A new process (instance) registered or answered under its resource id. */
  RESTARTED,
  /** It said goodbye (graceful shutdown) or its registration was withdrawn. */
  DISCONNECTED
}
