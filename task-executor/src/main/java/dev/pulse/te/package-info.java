/**
 * The task executor: offers slots to a resource manager and runs under its supervision.
 *
 * <ul>
 *   <li>{@link dev.pulse.te.TaskExecutor}: the library entry point (builder from
 *       {@link dev.pulse.config.Settings}, {@code start()}, {@code close()}, listener API in
 *       {@link dev.pulse.te.TaskExecutorListener});
 *   <li>{@link dev.pulse.te.TaskExecutorOptions} and {@link dev.pulse.te.TaskExecutorConfig}: the
 *       configuration keys and their validated form;
 *   <li>{@link dev.pulse.te.TaskExecutorMain}: the {@code bin/task-executor} process.
 * </ul>
 *
 * <p>Inside, all state is confined to one main thread: {@code TaskExecutorCore} (slot table and the
 * resource manager's slot calls), {@code ResourceManagerConnection} (registration with backoff,
 * watching the resource manager's heartbeats, fail-stop), {@code SlotTable} and {@code RetryBackoff}.
 * The gRPC edge is heartbeat-rpc's {@code TaskExecutorGatewayService} on the server side and
 * {@code GrpcResourceManagerClient} on the client side.
 */
package dev.pulse.te;
