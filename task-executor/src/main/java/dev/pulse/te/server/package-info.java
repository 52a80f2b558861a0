/**
 * The task executor process: {@link dev.pulse.te.server.TaskExecutorServer}, the composition root that
 * builds the transport, main thread, client, {@link dev.pulse.te.TaskExecutor} and gRPC server in order
 * and closes them in reverse, and {@link dev.pulse.te.server.TaskExecutorMain}, {@code bin/task-executor}.
 */
package dev.pulse.te.server;
