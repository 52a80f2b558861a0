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
  STREAM,
  /**
   * One long-lived stream per task executor, as {@link #STREAM}, but opened by the task executor
   * ({@code ResourceManagerGateway.OpenHeartbeatStream}, right after it registered): the resource manager
   * holds no client channel per task executor for heartbeats, only the server side of the task
   * executor's connection, about half the heap per task executor. Slot and disconnect calls still go
   * to the task executor's gateway, on a channel opened for the call.
   */
  INBOUND_STREAM
}
