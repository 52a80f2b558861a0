package dev.pulse.te;

/**
 * Lets an embedding program react to what happens to a {@link TaskExecutor}: its registration with
 * the resource manager, slots given and taken, and the fail-stop.
 *
 * <p>Every method is called on the task executor's main thread, after its state changed. Keep them
 * short and never block: the same thread answers the resource manager's heartbeats, so a listener
 * that blocks makes the task executor look dead. Hand real work to your own executor. Do not call
 * {@link TaskExecutor#close()} from a callback. An exception thrown by a listener is logged and
 * otherwise ignored. All methods default to doing nothing.
 */
public interface TaskExecutorListener {

  /** A resource manager accepted this task executor's registration. */
  default void registered(String resourceManagerId, String registrationId) {}

  /**
   * The registration with {@code resourceManagerId} is gone: the resource manager sent no heartbeat
   * request for {@code heartbeat.timeout}, or it dropped this task executor. The task executor
   * registers again by itself.
   *
   * @param reason what happened, in words
   */
  default void resourceManagerLost(String resourceManagerId, String reason) {}

  /** The resource manager gave {@code slot} (as it is now, holding an allocation) to a job. */
  default void slotAllocated(TaskSlot slot) {}

  /**
   * {@code slot} was freed; it shows the allocation it held. Work of that allocation must stop.
   *
   * @param cause why, in words: the resource manager freed it, dropped this task executor, or the
   *     task executor stops
   */
  default void slotFreed(TaskSlot slot, String cause) {}

  /**
   * The task executor had no resource manager for {@code taskexecutor.registration.timeout}: it freed
   * every slot (each reported through {@link #slotFreed} first) and does nothing more. The owner should
   * close it; the {@code task-executor} process exits with a non-zero code.
   *
   * @param reason why, in words, including the last registration failure
   */
  default void failStopped(String reason) {}
}
