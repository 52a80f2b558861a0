/**
 * The task executor, without its transport: offers slots to a resource manager and runs under its
 * supervision.
 *
 * <ul>
 *   <li>{@link dev.pulse.te.TaskExecutor}: the thread-safe facade (lifecycle, accessors, listener API in
 *       {@link dev.pulse.te.TaskExecutorListener}), built by a composition root such as
 *       {@code dev.pulse.te.server.TaskExecutorServer};
 *   <li>{@link dev.pulse.te.ResourceManagerClient} (its calls to the resource manager) and
 *       {@link dev.pulse.te.TaskExecutorGateway} (the resource manager's calls to it), both in the task
 *       executor's own types: {@link dev.pulse.te.FencingToken}, {@link dev.pulse.te.SlotReport},
 *       {@link dev.pulse.te.Registration}, and refusals as {@link dev.pulse.te.CallRefusedException} and
 *       {@link dev.pulse.te.InvalidCallException};
 *   <li>{@link dev.pulse.te.TaskExecutorOptions} and {@link dev.pulse.te.TaskExecutorConfig}: the
 *       configuration keys and their validated form.
 * </ul>
 *
 * <p>Inside, all state is confined to one main thread: {@code TaskExecutorCore} (slot table and the
 * resource manager's slot calls), {@code ResourceManagerConnection} (registration with backoff,
 * watching the resource manager's heartbeats, fail-stop), {@code SlotTable} and {@code RetryBackoff}.
 * Nothing here imports gRPC, Netty or protobuf: the gRPC edge is {@code dev.pulse.te.grpc}, the process
 * ({@code bin/task-executor}) {@code dev.pulse.te.server}.
 */
package dev.pulse.te;
