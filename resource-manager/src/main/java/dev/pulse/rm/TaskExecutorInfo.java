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
 *     while its heartbeat RPCs are failing, {@code RECOVERING} when known from the registry store after a
 *     restart and not registered again yet (not alive: its slots are not offered)
 */
public record TaskExecutorInfo(String id, String instanceId, String address, long registeredAt, long lastHeartbeat,
    int consecutiveFailedRpcs, int slotsTotal, int slotsFree, String state) {}
