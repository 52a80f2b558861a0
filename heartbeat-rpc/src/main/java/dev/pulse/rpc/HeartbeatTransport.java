package dev.pulse.rpc;

/**
 * How a resource manager carries its heartbeat requests to a task executor. Both keep SPEC 3's
 * semantics: the RM's single sender sends one request per interval, the task executor answers on its
 * main thread, a request unanswered within the interval fails as deadline exceeded, and a request that
 * cannot reach the task executor fails as unreachable.
 */
public enum HeartbeatTransport {
  /** One {@code RequestHeartbeat} call per heartbeat, with a deadline of one interval. */
  UNARY,
  /**
   * One long-lived {@code HeartbeatStream} per task executor, one message each way per heartbeat: no
   * HTTP/2 stream, headers, trailers or deadline timer per heartbeat.
   */
  STREAM
}
