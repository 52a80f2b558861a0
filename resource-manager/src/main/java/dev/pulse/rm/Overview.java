package dev.pulse.rm;

/** {@code GET /v1/overview}: the resource manager's identity and totals. */
public record Overview(String resourceManagerId, long epoch, int taskExecutors, int slotsTotal, int slotsFree) {}
