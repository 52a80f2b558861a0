package dev.pulse.te;

import dev.pulse.heartbeat.ResourceId;
import java.util.Objects;

/**
 * One start of a task executor: its resource id, stable across restarts if configured, and the
 * instance id of this start. A call meant for another instance is not obeyed.
 *
 * @param resourceId the task executor's resource id
 * @param instanceId this start's id
 */
public record TaskExecutorInstance(String resourceId, String instanceId) {

  /**
   * @throws IllegalArgumentException if either is not a valid id
   */
  public TaskExecutorInstance {
    ResourceId.of(resourceId);
    String problem = ResourceId.validate(instanceId);
    if (problem != null) {
      throw new IllegalArgumentException("invalid instance id: " + problem);
    }
  }

  /** Whether {@code resourceId} and {@code instanceId} name this instance. */
  public boolean is(String resourceId, String instanceId) {
    return this.instanceId.equals(instanceId) && this.resourceId.equals(resourceId);
  }

  @Override
  public String toString() {
    return "task executor " + resourceId + " instance " + instanceId;
  }

  static TaskExecutorInstance of(ResourceId resourceId, String instanceId) {
    return new TaskExecutorInstance(Objects.requireNonNull(resourceId, "resourceId").value(), instanceId);
  }
}
