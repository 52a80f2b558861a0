package dev.pulse.rm;

/** Types of {@link ResourceManagerEvent}, as served by {@code GET /v1/events}. */
public enum EventType {
  TASK_EXECUTOR_REGISTERED,
  TASK_EXECUTOR_LOST,
  ALLOCATION_CREATED,
  ALLOCATION_RELEASED,
  ALLOCATION_LOST,
  LOCAL_PAUSE_DETECTED
}
