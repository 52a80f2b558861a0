package dev.pulse.harness;

import java.time.Duration;

/**
 * One task executor of a {@link MiniCluster}, with the faults a test can inject into it.
 *
 * <p>Faults take effect when the method returns. {@link #kill()}, {@link #restart()}, {@link #pause()},
 * {@link #resume()} and the faults of its {@link #network()} work in both modes; the older interceptor
 * faults ({@link #partition()}, {@link #heal()}, {@link #delay}, {@link #dropHeartbeats}) only in-process,
 * and throw {@link UnsupportedOperationException} for a child process. Thread-safe.
 */
public interface TaskExecutorNode {

  /** Its resource id, stable across {@link #restart()}. */
  String id();

  /** Its current instance id: new after every {@link #restart()}. */
  String instanceId();

  /** {@code host:port} of its gRPC server. */
  String rpcAddress();

  /** Whether it runs: false after {@link #kill()} until {@link #restart()}. */
  boolean isRunning();

  /**
   * Ends it abruptly, without telling the resource manager: in process its gRPC server and main thread
   * stop at once; a child process gets SIGKILL. The resource manager sees it as unreachable.
   */
  void kill();

  /**
   * Ends it gracefully: it tells the resource manager it leaves ({@code DISCONNECTED}) and exits; a child
   * process gets SIGTERM. Returns once it is gone; {@link #restart()} starts it again.
   */
  void stop();

  /**
   * Starts a new instance with the same resource id (and the same port where it is free), after a
   * {@link #kill()} if it still runs. The resource manager loses the old instance as {@code RESTARTED}
   * and registers the new one, provided the new instance answers before the old one is found
   * unreachable: always in process (it starts within milliseconds), but a child JVM takes about a
   * second to start, so with short intervals the old instance is lost as {@code UNREACHABLE} first.
   * Faults are cleared.
   */
  void restart();

  /**
   * Freezes it: it stops answering while it stays alive and connected. In process its main thread,
   * which answers heartbeats, is blocked; a child process gets SIGSTOP.
   */
  void pause();

  /** Undoes {@link #pause()} (SIGCONT for a child process). Idempotent. */
  void resume();

  /**
   * Cuts it off: the resource manager's calls to it and its calls to the resource manager fail at
   * once as {@code UNAVAILABLE} (unreachable), while it runs on. In-process only.
   */
  void partition();

  /** Undoes {@link #partition()}. In-process only. */
  void heal();

  /** Makes it answer every call {@code delay} late; {@link Duration#ZERO} undoes it. In-process only. */
  void delay(Duration delay);

  /**
   * Drops each heartbeat request with {@code probability} (0 to 1; 0 undoes it), decided by a
   * {@link java.util.Random} seeded from {@link MiniCluster.Builder#faultSeed}. A dropped request is
   * never answered. In-process only.
   */
  void dropHeartbeats(double probability);

  /**
   * The network between it and the resource manager: a TCP proxy in the harness that both its calls and
   * the resource manager's calls to it go through, in both modes, with faults per direction (silent
   * partitions, refused connections, loss, delay, bandwidth, resets). Its faults outlive a
   * {@link #restart()}: the network is not the process.
   *
   * @throws IllegalStateException unless the cluster was built with
   *     {@link MiniCluster.Builder#networkFaults(boolean)}
   */
  NetworkLink network();
}
