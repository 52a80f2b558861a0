package dev.pulse.harness;

/**
 * Which way a network fault acts between the resource manager and one task executor.
 *
 * <p>Faults on bytes ({@code blackhole}, {@code loss}, {@code delay}, {@code bandwidth}) act on what flows
 * that way on every connection between the two: {@link #RM_TO_TE} holds the resource manager's heartbeat
 * requests and its answers to the task executor's registrations alike. Faults on connections
 * ({@code refuse}, {@code reset}) act on the connections the sender opens: {@link #RM_TO_TE} on the ones
 * that carry the resource manager's calls to the task executor.
 */
public enum Direction {
  /** From the resource manager to the task executor. */
  RM_TO_TE,
  /** From the task executor to the resource manager. */
  TE_TO_RM
}
