package dev.pulse.te;

/**
 * The calls a resource manager makes to this task executor, other than the heartbeat, in the task
 * executor's own types; the transport (e.g. {@code dev.pulse.te.grpc}) translates its messages to
 * these calls and the exceptions back to its statuses.
 *
 * <p>Called on the task executor's main thread only, and only after the transport found the call
 * well-formed, meant for this task executor instance, and carrying the fencing token of the resource
 * manager it follows ({@link Fencing}).
 */
public interface TaskExecutorGateway {

  /**
   * Gives slot {@code slotIndex} to an allocation; asking again for what the slot already holds
   * changes nothing.
   *
   * @param from the resource manager that asks, for log lines
   * @return the slot table after the call
   * @throws InvalidCallException if there is no slot {@code slotIndex}
   * @throws SlotConflictException if the slot holds another allocation, or the allocation another slot
   */
  SlotReport requestSlot(FencingToken from, int slotIndex, String allocationId, String jobId);

  /**
   * Frees the slot of an allocation; an allocation that holds no slot changes nothing.
   *
   * @param cause why, in words; empty if the resource manager gave none
   * @return the slot table after the call
   */
  SlotReport freeSlot(FencingToken from, String allocationId, String cause);

  /**
   * The resource manager dropped this task executor: every slot is freed and the task executor
   * registers again.
   *
   * @param reason the resource manager's reason, e.g. {@code HEARTBEAT_TIMEOUT}
   * @param cause its words; empty if none
   */
  void disconnectResourceManager(FencingToken from, String reason, String cause);
}
