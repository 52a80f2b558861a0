/**
 * gRPC transport for heartbeats: the resource manager's {@code HeartbeatTarget} over a stub, the task
 * executor's heartbeat service binding, channel lifecycle, TLS, authentication, and the mapping from
 * gRPC status to the core's failure kinds. Not built yet: this module is the place for it.
 */
package dev.pulse.rpc;
