package dev.pulse.rm;

/**
 * A snapshot of one registered task executor, as served by {@code GET /v1/taskexecutors}.
 *
 * @param id resource id
 * @param instanceId the registered process instance
 * @param address its gRPC address, {@code host:port}
 * @param registeredAt epoch milliseconds
 * @param lastHeartbeat epoch milliseconds of the last heartbeat, 0 before the first
 * @param consecutiveFailedRpcs heartbeat RPCs that failed as unreachable since the last success
 * @param slotsTotal slots it offers
 * @param slotsFree slots not allocated
 * @param state {@code REGISTERED} before its first heartbeat, {@code ACTIVE} after, {@code SUSPECT}
 *     while it is silent (heartbeat RPCs failing, nothing heard for 3/4 of the heartbeat timeout, or its
 *     release held back by the loss guard), {@code QUARANTINED} while otherwise alive but quarantined (its
 *     slots not offered), {@code RECOVERING} when known from the registry store after a restart and not
 *     registered again yet (not alive: its slots are not offered)
 * @param quarantinedUntil epoch milliseconds its quarantine ends; 0 if it is not quarantined (SPEC 11)
 */
public record TaskExecutorInfo(String id, String instanceId, String address, long registeredAt, long lastHeartbeat,
    int consecutiveFailedRpcs, int slotsTotal, int slotsFree, String state, long quarantinedUntil) {

  /** A task executor that is not quarantined. */
  public TaskExecutorInfo(String id, String instanceId, String address, long registeredAt, long lastHeartbeat,
      int consecutiveFailedRpcs, int slotsTotal, int slotsFree, String state) {
    this(id, instanceId, address, registeredAt, lastHeartbeat, consecutiveFailedRpcs, slotsTotal, slotsFree, state, 0);
  }
}
