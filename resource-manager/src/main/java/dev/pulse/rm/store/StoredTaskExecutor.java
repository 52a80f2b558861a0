package dev.pulse.rm.store;

/**
 * A task executor as stored: enough to contact it again after a restart and to recognise it.
 *
 * @param instanceId the last instance id it registered with
 * @param address {@code host:port} of its gateway
 * @param slots how many slots it offers
 * @param registeredAt wall-clock epoch milliseconds of its registration
 */
public record StoredTaskExecutor(String resourceId, String instanceId, String address, int slots,
    long registeredAt) {}
