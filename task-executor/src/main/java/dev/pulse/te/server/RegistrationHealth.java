package dev.pulse.te.server;

import dev.pulse.rpc.RpcHealth;
import dev.pulse.te.TaskExecutorListener;

/**
 * The task executor's gRPC health ({@code grpc.health.v1.Health}) follows its registration: {@code SERVING}
 * while a resource manager holds an accepted registration, {@code NOT_SERVING} before the first one, after
 * losing one (until it registers again) and for good after a fail-stop or once the server closes. A task
 * executor that no resource manager knows offers no slot, so a probe should not count it as ready.
 *
 * <p>Its callbacks run on the task executor's main thread; {@link RpcHealth} is thread-safe.
 */
final class RegistrationHealth implements TaskExecutorListener {

  private final RpcHealth health;

  RegistrationHealth(RpcHealth health) {
    this.health = health;
  }

  @Override
  public void registered(String resourceManagerId, String registrationId) {
    health.serving(true);
  }

  @Override
  public void resourceManagerLost(String resourceManagerId, String reason) {
    health.serving(false);
  }

  @Override
  public void failStopped(String reason) {
    health.shutdown();
  }
}
