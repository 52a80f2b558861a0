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
 * {@link dev.pulse.rpc.TaskExecutorGatewayService} answers heartbeats on the task executor's main thread,
 * checks fencing ({@link dev.pulse.rpc.Fencing}) and identity, and delegates the other calls to
 * {@link dev.pulse.rpc.TaskExecutorOperations}.
 *
 * <h2>Both sides</h2>
 * {@link dev.pulse.rpc.RpcTransport} (event loops, TLS, token) is built once per process from an
 * {@link dev.pulse.rpc.RpcConfig}; {@link dev.pulse.rpc.RpcServer} serves any pulse.v1 service with the
 * token check in front of every method; {@link dev.pulse.rpc.WireValidation} checks every request message.
 */
package dev.pulse.rpc;
