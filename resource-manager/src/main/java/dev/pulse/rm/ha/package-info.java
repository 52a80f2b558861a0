/**
 * High availability of the resource manager (SPEC 12), as the resource manager sees it: a
 * {@link dev.pulse.rm.ha.HighAvailabilityServices} elects one leader among the resource manager processes,
 * gives the leader a {@link dev.pulse.rm.store.RegistryStore} fenced by its term, and tells everybody where
 * the leader is. The implementation (ZooKeeper, in the {@code ha-zookeeper} module) is found through
 * {@link java.util.ServiceLoader} by the value of {@code high-availability.type}, so that this module does
 * not depend on it. Only the composition root ({@code dev.pulse.rm.server}) uses this package.
 */
package dev.pulse.rm.ha;
