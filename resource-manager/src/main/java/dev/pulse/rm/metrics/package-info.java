/**
 * The resource manager's Prometheus metrics ({@code pulse_*}) on Micrometer:
 * {@link dev.pulse.rm.metrics.ResourceManagerMetrics}. Served by {@code GET /metrics} of
 * the REST API's {@code RestServer}.
 */
package dev.pulse.rm.metrics;
