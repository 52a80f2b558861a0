package dev.pulse.rm;

/** Opens {@link TaskExecutorConnection}s for registered task executors. Thread-safe. */
@FunctionalInterface
public interface TaskExecutorConnector {

  /**
   * @param registration the accepted registration (address, expected resource and instance ids)
   * @param fencing the resource manager's id and epoch, sent with every call
   * @param heartbeatReceiver where heartbeat answers go: the resource manager's heartbeat manager,
   *     called on any thread with the task executor's resource id and its slot report; the manager
   *     is main-thread confined, so implementations hand answers to the main thread first
   */
  TaskExecutorConnection connect(TaskExecutorRegistration registration, FencingToken fencing,
      HeartbeatReceiver heartbeatReceiver);

  /** Where a connection delivers heartbeat answers; thread-safe. */
  @FunctionalInterface
  interface HeartbeatReceiver {
    void heartbeatFrom(String resourceId, SlotReport report);
  }
}
