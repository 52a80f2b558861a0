/**
 * gRPC transport for Pulse heartbeats (pulse.v1 over Netty).
 *
 * <h2>Resource manager side</h2>
 * {@link dev.pulse.rpc.GrpcHeartbeatTarget} is the {@code HeartbeatTarget} of one task executor process;
 * its {@link dev.pulse.rpc.GrpcHeartbeatTarget.Factory} leases channels from a
 * {@link dev.pulse.rpc.ChannelPool} and feeds answers to the RM's heartbeat manager on its main thread.
 * {@link dev.pulse.rpc.RpcFailures} is the one place where call outcomes become the core's failure kinds.
 *
 * <h2>Task executor side</h2>
 * The task executor's gateway service lives with the task executor ({@code dev.pulse.te.grpc}); it uses
 * {@link dev.pulse.rpc.MainThreadCalls} to answer each call on the task executor's main thread and
 * {@link dev.pulse.rpc.LogThrottle} to keep repeated refusals to one log line.
 *
 * <h2>Both sides</h2>
 * {@link dev.pulse.rpc.RpcTransport} (event loops, TLS, token) is built once per process from an
 * {@link dev.pulse.rpc.RpcConfig}; {@link dev.pulse.rpc.RpcServer} serves any pulse.v1 service with the
 * token check in front of every method; {@link dev.pulse.rpc.WireValidation} checks every request message.
 * The test-jar's {@code TestingTaskExecutorGateway} stands in for a task executor on the wire.
 */
package dev.pulse.rpc;
