/**
 * The resource manager process: {@link dev.pulse.rm.server.ResourceManagerServer} is its one composition
 * root (settings in; transport, main thread, facade, gRPC services, REST API and metrics built, started and
 * closed in order), and {@link dev.pulse.rm.server.ResourceManagerMain} its {@code main}. Nothing else in
 * the module depends on this package.
 */
package dev.pulse.rm.server;
