package dev.pulse.harness;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.IntSupplier;

/**
 * The network of one {@link MiniCluster}: a {@link ProxyLink} per task executor, all served by one Netty
 * event loop thread ({@code pulse-harness-proxy-*}), which also ends timed faults.
 *
 * <p>Thread-safe.
 */
final class ProxyNetwork implements AutoCloseable {

  private final EventLoopGroup group = new NioEventLoopGroup(1, new DefaultThreadFactory("pulse-harness-proxy", true));
  private final IntSupplier resourceManagerPort;
  private final List<ProxyLink> links = new CopyOnWriteArrayList<>();

  /** @param resourceManagerPort where the resource manager listens now */
  ProxyNetwork(IntSupplier resourceManagerPort) {
    this.resourceManagerPort = resourceManagerPort;
  }

  /**
   * A new link to a task executor.
   *
   * @param taskExecutorPort where the task executor listens now
   * @param beforeFault run before every fault on the link
   */
  ProxyLink link(String name, long seed, IntSupplier taskExecutorPort, Runnable beforeFault) {
    ProxyLink link = new ProxyLink(name, seed, group, resourceManagerPort, taskExecutorPort, beforeFault);
    links.add(link);
    return link;
  }

  /** Every link made so far. */
  List<ProxyLink> links() {
    return List.copyOf(links);
  }

  /**
   * {@code link}, or an explanation that the cluster was built without network faults.
   *
   * @throws IllegalStateException if {@code link} is null
   */
  static NetworkLink required(ProxyLink link, String taskExecutorId) {
    if (link == null) {
      throw new IllegalStateException(taskExecutorId + " has no network to break: build the cluster with"
          + " MiniCluster.builder().networkFaults(true)");
    }
    return link;
  }

  /** A silent partition of every link, both ways: the resource manager is cut off from every task executor. */
  NetworkFault partitionAll() {
    List<NetworkFault> all = new ArrayList<>();
    for (ProxyLink link : links) {
      all.add(link.blackhole());
    }
    return new CompositeFault(all);
  }

  /** Closes every link and stops the event loop thread; returns once it has ended. */
  @Override
  public void close() {
    for (ProxyLink link : links) {
      link.close();
    }
    group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
  }

  /** Several faults that begin, last and end together. */
  private record CompositeFault(List<NetworkFault> faults) implements NetworkFault {
    @Override
    public NetworkFault lasting(java.time.Duration duration) {
      faults.forEach(f -> f.lasting(duration));
      return this;
    }

    @Override
    public void heal() {
      faults.forEach(NetworkFault::heal);
    }

    @Override
    public boolean isActive() {
      return faults.stream().anyMatch(NetworkFault::isActive);
    }
  }
}
