package dev.pulse.rpc;

import io.grpc.BindableService;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.protobuf.services.HealthStatusManager;

/**
 * The standard health of one gRPC server ({@code grpc.health.v1.Health}, as {@code grpc_health_probe},
 * {@code grpcurl} and Kubernetes gRPC probes ask it), kept by its owner: the resource manager and the task
 * executor servers set it from their own state. The status is that of the whole server (the empty service
 * name). A new one is {@code NOT_SERVING}; {@link #shutdown()} makes it {@code NOT_SERVING} for good, so
 * that a probe sees a stopping process as unhealthy before its port closes.
 *
 * <p>{@link RpcServer.Builder#health} serves it without the token check (a probe carries no secret; the
 * status tells nothing else), next to server reflection, which does need the token when one is set.
 *
 * <p>Thread-safe: the status may be set from any thread; watchers are told of every change.
 */
public final class RpcHealth {

  private final HealthStatusManager manager = new HealthStatusManager();

  public RpcHealth() {
    manager.setStatus(HealthStatusManager.SERVICE_NAME_ALL_SERVICES, ServingStatus.NOT_SERVING);
  }

  /** Sets the server's status: {@code SERVING} when {@code serving}, else {@code NOT_SERVING}. No effect after {@link #shutdown()}. */
  public void serving(boolean serving) {
    manager.setStatus(HealthStatusManager.SERVICE_NAME_ALL_SERVICES,
        serving ? ServingStatus.SERVING : ServingStatus.NOT_SERVING);
  }

  /** {@code NOT_SERVING} from now on, whatever is set later. Idempotent. */
  public void shutdown() {
    manager.enterTerminalState();
  }

  /** The service to bind. */
  BindableService service() {
    return manager.getHealthService();
  }
}
