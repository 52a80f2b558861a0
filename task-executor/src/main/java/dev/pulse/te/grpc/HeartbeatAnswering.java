package dev.pulse.te.grpc;

import dev.pulse.heartbeat.time.MainThreadExecutor;
import dev.pulse.proto.v1.HeartbeatRequest;
import dev.pulse.proto.v1.HeartbeatResponse;
import io.grpc.stub.StreamObserver;
import java.util.Objects;
import java.util.function.Function;

/**
 * How a task executor answers the heartbeat requests that come down a stream it opened to its resource
 * manager ({@link HeartbeatStreamToResourceManager}): its main thread, and its gateway's handler of a
 * heartbeat stream ({@code TaskExecutorGatewayService::heartbeatStream}), which checks each request and
 * answers it on that thread.
 *
 * @param mainThread the task executor's main thread
 * @param handler given where answers go, returns where requests go; called on the main thread
 */
public record HeartbeatAnswering(MainThreadExecutor mainThread,
    Function<StreamObserver<HeartbeatResponse>, StreamObserver<HeartbeatRequest>> handler) {

  public HeartbeatAnswering {
    Objects.requireNonNull(mainThread, "mainThread");
    Objects.requireNonNull(handler, "handler");
  }
}
