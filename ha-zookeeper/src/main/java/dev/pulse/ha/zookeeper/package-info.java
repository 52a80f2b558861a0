/**
 * High availability of the resource manager on ZooKeeper (SPEC 12), through Apache Curator:
 * {@link dev.pulse.ha.zookeeper.ZooKeeperHaServices} (election, leader address),
 * {@link dev.pulse.ha.zookeeper.ZooKeeperRegistryStore} (the state, every write fenced by the leader's epoch)
 * and the configuration ({@code high-availability.zookeeper.*}). Found by the resource manager through
 * {@link java.util.ServiceLoader}; nothing in the resource manager depends on this package.
 */
package dev.pulse.ha.zookeeper;
