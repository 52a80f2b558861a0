/**
 * How a task executor finds its resource manager when several stand by for one another (SPEC 12): a
 * {@link dev.pulse.te.ha.ResourceManagerLocator} says where the leader is now. The implementation
 * (ZooKeeper leader retrieval, in the {@code ha-zookeeper} module) is found through
 * {@link java.util.ServiceLoader} by {@code high-availability.type}, so that this module does not depend on it.
 */
package dev.pulse.te.ha;
