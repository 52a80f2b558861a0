/**
 * The resource manager: task-executor registry, slot manager, allocations, loss handling, events,
 * REST API and metrics, and the {@code bin/resource-manager} process. Not built yet: this module is
 * the place for it, and its build already depends on the heartbeat core and its gRPC transport.
 */
package dev.pulse.rm;
