package dev.pulse.harness;

import dev.pulse.config.ConfigException;
import dev.pulse.config.Settings;
import dev.pulse.rm.Overview;
import dev.pulse.rm.ResourceManager;
import dev.pulse.rm.ResourceManagerEvent;
import dev.pulse.rm.server.ResourceManagerServer;
import dev.pulse.rm.store.MemoryRegistryStore;
import dev.pulse.rm.store.RegistryStore;
import java.net.URI;
import java.util.List;
import java.util.concurrent.locks.LockSupport;

/**
 * A resource manager in the test's JVM, on a {@link PausableMainThread}. Serves gRPC and REST on
 * loopback ports chosen by the operating system, and keeps them across {@link #restart()}. Its registry
 * store is in memory and outlives each server, so a restart is a work-preserving one (same id, larger
 * epoch, allocations kept; SPEC 9), as the process on its store directory does.
 *
 * <p>Thread-safe: lifecycle methods are synchronized; reads go to the resource manager, which is.
 */
final class InProcessResourceManager implements ResourceManagerNode, AutoCloseable {

  /** How long a restart tries to bind the old ports again before it gives up. */
  private static final long REBIND_NANOS = 10_000_000_000L;

  private final Settings settings;
  private final Runnable beforeFault;
  private PausableMainThread mainThread;
  private volatile ResourceManagerServer server;
  private volatile ResourceManager resourceManager;
  private int rpcPort;
  private int restPort;
  /** Shared by every server this node starts: what a store directory is to the process. */
  private final RegistryStore store = new MemoryRegistryStore();

  /**
   * @param settings its settings, without ports
   * @param beforeFault run before every fault, so the cluster can mark where the fault begins
   */
  InProcessResourceManager(Settings settings, Runnable beforeFault) {
    this.settings = settings;
    this.beforeFault = beforeFault;
  }

  synchronized InProcessResourceManager start() {
    long deadline = System.nanoTime() + REBIND_NANOS;
    while (true) {
      mainThread = new PausableMainThread("pulse-rm-main");
      try {
        server = ResourceManagerServer.builder()
            .settings(settings.with("resourcemanager.rpc.port", Integer.toString(rpcPort))
                .with("rest.port", Integer.toString(restPort)))
            .mainThread(mainThread)
            .store(store)
            .build()
            .start();
        resourceManager = server.resourceManager();
        break;
      } catch (ConfigException portBusy) {
        mainThread.kill();
        mainThread = null;
        // Only a restart asks for fixed ports; the old server's socket may take a moment to go.
        if ((rpcPort == 0 && restPort == 0) || System.nanoTime() > deadline) {
          throw portBusy;
        }
        LockSupport.parkNanos(50_000_000L);
      }
    }
    rpcPort = server.rpcAddress().getPort();
    restPort = server.restAddress().getPort();
    return this;
  }

  /** The resource manager itself, e.g. for its listener-free Java API. */
  ResourceManager resourceManager() {
    return resourceManager;
  }

  @Override
  public String id() {
    return resourceManager.id();
  }

  @Override
  public String rpcAddress() {
    return "127.0.0.1:" + server.rpcAddress().getPort();
  }

  int rpcPort() {
    return server.rpcAddress().getPort();
  }

  @Override
  public URI restUrl() {
    ResourceManagerServer s = server;
    return URI.create(s.restUrl().getScheme() + "://127.0.0.1:" + s.restAddress().getPort());
  }

  @Override
  public Overview overview() {
    return resourceManager.overview();
  }

  @Override
  public List<ResourceManagerEvent> events(long after) {
    return resourceManager.events(after, 1000);
  }

  @Override
  public String metrics() {
    return server.metrics().scrape();
  }

  @Override
  public synchronized void pause() {
    beforeFault.run();
    mainThread.pause();
  }

  @Override
  public synchronized void resume() {
    beforeFault.run();
    if (mainThread != null) {
      mainThread.resume();
    }
  }

  /**
   * Its main thread stops first, so nothing more is decided or sent; then its servers close, as the
   * operating system would close the sockets of a process that died. The memory store is kept.
   */
  @Override
  public synchronized void kill() {
    beforeFault.run();
    if (mainThread == null) {
      return;
    }
    mainThread.kill();
    server.close();
    mainThread = null;
  }

  @Override
  public synchronized boolean isRunning() {
    return mainThread != null;
  }

  @Override
  public synchronized void restart() {
    beforeFault.run();
    if (mainThread != null) {
      stop();
    }
    start();
  }

  private void stop() {
    mainThread.resume();
    server.close();
    mainThread.close();
    mainThread = null;
  }

  /** Stops it and its main thread. Idempotent. */
  @Override
  public synchronized void close() {
    if (mainThread != null) {
      stop();
    }
  }

  @Override
  public String toString() {
    return "resource manager " + resourceManager.id() + " (in-process)";
  }
}
