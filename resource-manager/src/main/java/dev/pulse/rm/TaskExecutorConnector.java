package dev.pulse.rm;

/** Opens {@link TaskExecutorConnection}s for registered task executors. Thread-safe. */
@FunctionalInterface
public interface TaskExecutorConnector {

  /**
   * @param registration the accepted registration (address, expected resource and instance ids)
   * @param fencing the resource manager's id and epoch, sent with every call
   * @param heartbeatReceiver where this task executor's heartbeat answers go; call it on the
   *     resource manager's main thread only, before completing the request's future
   */
  TaskExecutorConnection connect(TaskExecutorRegistration registration, FencingToken fencing,
      HeartbeatReceiver heartbeatReceiver);

  /** Where a connection delivers heartbeat answers; main-thread confined. */
  @FunctionalInterface
  interface HeartbeatReceiver {
    void heartbeatFrom(SlotReport report);
  }
}
