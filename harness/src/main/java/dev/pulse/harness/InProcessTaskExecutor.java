package dev.pulse.harness;

import dev.pulse.config.ConfigException;
import dev.pulse.config.Settings;
import dev.pulse.te.server.TaskExecutorServer;
import java.time.Duration;

/**
 * A task executor in the test's JVM, on a {@link PausableMainThread}, behind {@link NetworkFaults} (its
 * interceptors) and a {@link ProxyLink} (if the cluster has network faults: the resource manager calls it,
 * and it calls the resource manager, through the link's proxies).
 *
 * <p>Thread-safe: lifecycle methods are synchronized; faults on the network and the main thread are
 * safe to call from any thread.
 */
final class InProcessTaskExecutor implements TaskExecutorNode, AutoCloseable {

  private final String id;
  private final Settings settings;
  private final NetworkFaults faults;
  private final ProxyLink link;
  private final Runnable beforeFault;
  private PausableMainThread mainThread;
  private TaskExecutorServer taskExecutor;
  private volatile int port;

  /**
   * @param settings complete settings of this task executor, except its ports and the resource manager's
   * @param network where its link to the resource manager comes from; {@code null} for none (it calls, and is
   *     called by, the resource manager directly)
   * @param beforeFault run before every fault, so the cluster can mark where the fault begins
   */
  InProcessTaskExecutor(String id, Settings settings, long faultSeed, ProxyNetwork network, Runnable beforeFault) {
    this.id = id;
    this.faults = new NetworkFaults(id, faultSeed);
    this.link = network == null ? null : network.link(id, faultSeed, () -> port, beforeFault);
    this.settings = link == null ? settings
        : settings.with("resourcemanager.rpc.port", Integer.toString(link.resourceManagerPort()))
            .with("taskexecutor.rpc.advertised-port", Integer.toString(link.taskExecutorPort()));
    this.beforeFault = beforeFault;
  }

  synchronized InProcessTaskExecutor start() {
    try {
      startOn(port);
    } catch (ConfigException portTaken) {
      if (port == 0) {
        throw portTaken;
      }
      startOn(0); // someone took the old port meanwhile: any port will do, the RM learns it on registration
    }
    return this;
  }

  private void startOn(int rpcPort) {
    mainThread = new PausableMainThread("pulse-te-main-" + id);
    try {
      taskExecutor = TaskExecutorServer.builder()
          .settings(settings.with("taskexecutor.rpc.port", Integer.toString(rpcPort)))
          .mainThread(mainThread)
          .serverInterceptor(faults.serverInterceptor())
          .clientInterceptor(faults.clientInterceptor())
          .build()
          .start();
    } catch (RuntimeException e) {
      mainThread.kill();
      mainThread = null;
      throw e;
    }
    String address = taskExecutor.listenAddress();
    port = Integer.parseInt(address.substring(address.lastIndexOf(':') + 1));
  }

  @Override
  public String id() {
    return id;
  }

  @Override
  public synchronized String instanceId() {
    return taskExecutor.instanceId();
  }

  @Override
  public synchronized String rpcAddress() {
    return taskExecutor.rpcAddress();
  }

  @Override
  public synchronized boolean isRunning() {
    return mainThread != null;
  }

  /** The task executor itself, for assertions on its own view (slots, registration). */
  synchronized TaskExecutorServer taskExecutor() {
    return taskExecutor;
  }

  @Override
  public synchronized void kill() {
    beforeFault.run();
    if (mainThread == null) {
      return;
    }
    // With its main thread gone first, close() cannot say goodbye: it only stops the server and
    // the channels, as the operating system would for a process that died.
    mainThread.kill();
    taskExecutor.close();
    mainThread = null;
  }

  @Override
  public synchronized void stop() {
    beforeFault.run();
    if (mainThread == null) {
      return;
    }
    faults.clear(); // its goodbye must get through
    if (link != null) {
      link.heal();
    }
    mainThread.resume();
    taskExecutor.close();
    mainThread.close();
    mainThread = null;
  }

  @Override
  public synchronized void restart() {
    kill();
    faults.clear();
    start();
  }

  @Override
  public synchronized void pause() {
    beforeFault.run();
    running().pause();
  }

  @Override
  public synchronized void resume() {
    beforeFault.run();
    running().resume();
  }

  @Override
  public void partition() {
    beforeFault.run();
    faults.partition(true);
  }

  @Override
  public void heal() {
    beforeFault.run();
    faults.partition(false);
  }

  @Override
  public void delay(Duration delay) {
    beforeFault.run();
    faults.delay(delay);
  }

  @Override
  public void dropHeartbeats(double probability) {
    beforeFault.run();
    faults.dropHeartbeats(probability);
  }

  @Override
  public NetworkLink network() {
    return ProxyNetwork.required(link, id);
  }

  private PausableMainThread running() {
    if (mainThread == null) {
      throw new IllegalStateException(id + " is not running (killed); restart() it first");
    }
    return mainThread;
  }

  /** Stops it gracefully (it tells the resource manager it leaves), then releases everything. Idempotent. */
  @Override
  public synchronized void close() {
    faults.clear();
    if (link != null) {
      link.heal(); // its goodbye must get through
    }
    if (mainThread != null) {
      mainThread.resume();
      taskExecutor.close();
      mainThread.close();
      mainThread = null;
    }
    faults.close();
    if (link != null) {
      link.close();
    }
  }

  @Override
  public String toString() {
    return id + " (in-process)";
  }
}
