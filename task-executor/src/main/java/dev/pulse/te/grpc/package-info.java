/**
 * The task executor's gRPC edge, the only place in the module where {@code pulse.v1} messages and
 * {@code io.grpc} meet its own types: {@link dev.pulse.te.grpc.TaskExecutorGatewayService} (the
 * {@code TaskExecutorGateway} it serves), {@link dev.pulse.te.grpc.GrpcResourceManagerClient} (its calls
 * to the resource manager), the conversions between messages and domain types, and
 * {@code GrpcStatuses}, the one mapping between the task executor's exceptions and gRPC statuses.
 */
package dev.pulse.te.grpc;
