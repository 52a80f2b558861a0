package dev.pulse.harness;

import io.netty.channel.EventLoopGroup;
import java.time.Duration;
import java.util.function.IntSupplier;

/**
 * A {@link NetworkLink} made of two {@link FaultProxy}s that share one {@link LinkFaults}: one that the
 * resource manager calls instead of the task executor (its port is the task executor's advertised port,
 * {@code taskexecutor.rpc.advertised-port}), one that the task executor calls instead of the resource
 * manager (its {@code resourcemanager.rpc.port}).
 *
 * <p>Thread-safe.
 */
final class ProxyLink implements NetworkLink, AutoCloseable {

  private final String name;
  private final Runnable beforeFault;
  private final LinkFaults faults;
  private final FaultProxy toTaskExecutor;
  private final FaultProxy toResourceManager;

  /**
   * @param resourceManagerPort where the resource manager listens now
   * @param taskExecutorPort where the task executor listens now
   * @param beforeFault run before every fault, so the cluster can mark where the fault begins
   */
  ProxyLink(String name, long seed, EventLoopGroup group, IntSupplier resourceManagerPort,
      IntSupplier taskExecutorPort, Runnable beforeFault) {
    this.name = name;
    this.beforeFault = beforeFault;
    this.faults = new LinkFaults(seed, group, this::faultsChanged);
    this.toTaskExecutor = new FaultProxy(name + " (resource manager's calls)", Direction.RM_TO_TE, faults,
        taskExecutorPort, group);
    try {
      this.toResourceManager = new FaultProxy(name + " (its calls)", Direction.TE_TO_RM, faults, resourceManagerPort,
          group);
    } catch (RuntimeException e) {
      toTaskExecutor.close();
      throw e;
    }
  }

  /** The port the resource manager is to call the task executor at. */
  int taskExecutorPort() {
    return toTaskExecutor.port();
  }

  /** The port the task executor is to call the resource manager at. */
  int resourceManagerPort() {
    return toResourceManager.port();
  }

  @Override
  public NetworkFault blackhole(Direction... directions) {
    return add(LinkFaults.Kind.BLACKHOLE, directions, 0, 0);
  }

  @Override
  public NetworkFault refuse(Direction... directions) {
    return add(LinkFaults.Kind.REFUSE, directions, 0, 0);
  }

  @Override
  public NetworkFault loss(double probability, Direction... directions) {
    if (!(probability >= 0 && probability < 1)) {
      throw new IllegalArgumentException("probability must be >= 0 and < 1, was " + probability);
    }
    return add(LinkFaults.Kind.LOSS, directions, probability, 0);
  }

  @Override
  public NetworkFault delay(Duration mean, Duration jitter, Direction... directions) {
    if (mean.isNegative() || jitter.isNegative()) {
      throw new IllegalArgumentException("mean and jitter must be >= 0, were " + mean + " and " + jitter);
    }
    return add(LinkFaults.Kind.DELAY, directions, mean.toNanos(), jitter.toNanos());
  }

  @Override
  public NetworkFault bandwidth(long bytesPerSecond, Direction... directions) {
    if (bytesPerSecond <= 0) {
      throw new IllegalArgumentException("bytesPerSecond must be > 0, was " + bytesPerSecond);
    }
    return add(LinkFaults.Kind.BANDWIDTH, directions, bytesPerSecond, 0);
  }

  @Override
  public int reset(Direction... directions) {
    beforeFault.run();
    int reset = 0;
    if (covers(directions, Direction.RM_TO_TE)) {
      reset += toTaskExecutor.resetAll();
    }
    if (covers(directions, Direction.TE_TO_RM)) {
      reset += toResourceManager.resetAll();
    }
    return reset;
  }

  @Override
  public void heal() {
    beforeFault.run();
    faults.clear();
  }

  /** Loss faults' retransmissions so far, and the longest wait they caused, e.g. {@code "12 (longest 600 ms)"}. */
  String lossSummary() {
    return faults.retransmissions() + " retransmission(s), longest wait " + faults.longestLoss().toMillis() + " ms";
  }

  /** Connections passed on now, both ways; for tests. */
  int connections() {
    return toTaskExecutor.connections() + toResourceManager.connections();
  }

  private NetworkFault add(LinkFaults.Kind kind, Direction[] directions, double value, long jitter) {
    beforeFault.run();
    return faults.add(kind, directions, value, jitter);
  }

  private static boolean covers(Direction[] directions, Direction d) {
    if (directions.length == 0) {
      return true;
    }
    for (Direction each : directions) {
      if (each == d) {
        return true;
      }
    }
    return false;
  }

  private void faultsChanged() {
    toTaskExecutor.faultsChanged();
    toResourceManager.faultsChanged();
  }

  /** Stops both proxies and closes their connections. */
  @Override
  public void close() {
    toTaskExecutor.close();
    toResourceManager.close();
  }

  @Override
  public String toString() {
    return "NetworkLink{" + name + ", resource manager's calls via :" + taskExecutorPort() + ", its calls via :"
        + resourceManagerPort() + "}";
  }
}
