package dev.pulse.harness;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.IntSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A task executor in a child JVM ({@code dev.pulse.te.server.TaskExecutorMain}, what {@code bin/task-executor}
 * runs); faults are signals, and network faults act on its {@link ProxyLink} (with network faults, it calls
 * the resource manager, and is called, through the link's proxies). The in-process interceptor faults ({@link #partition()},
 * {@link #delay}, {@link #dropHeartbeats}) are not supported: they throw {@link UnsupportedOperationException}.
 *
 * <p>Thread-safe: every method is synchronized.
 */
final class ProcessTaskExecutor implements TaskExecutorNode, AutoCloseable {

  private static final Pattern START_LINE =
      Pattern.compile("\\(instance (\\S+)\\) listening on (\\S+):(\\d+)(?: \\(advertised as (\\S+)\\))?,");

  private final String id;
  private final Map<String, String> settings;
  private final ProxyLink link;
  private final IntSupplier resourceManagerPort;
  private final Path logs;
  private final Duration startTimeout;
  private final Runnable beforeFault;
  private ChildProcess process;
  private int starts;
  private String instanceId;
  private String rpcAddress;
  private volatile int port;

  /**
   * @param settings every setting but the ports
   * @param network where its link to the resource manager comes from; {@code null} for none
   * @param resourceManagerPort where the resource manager listens now (used without a link)
   */
  ProcessTaskExecutor(String id, Map<String, String> settings, long faultSeed, ProxyNetwork network,
      IntSupplier resourceManagerPort, Path logs, Duration startTimeout, Runnable beforeFault) {
    this.id = id;
    this.settings = settings;
    this.link = network == null ? null : network.link(id, faultSeed, () -> port, beforeFault);
    this.resourceManagerPort = resourceManagerPort;
    this.logs = logs;
    this.startTimeout = startTimeout;
    this.beforeFault = beforeFault;
  }

  /** Starts the process and waits for its start-up line. */
  synchronized ProcessTaskExecutor start() {
    return launch().awaitStarted();
  }

  /** Starts the process without waiting: start many, then {@link #awaitStarted()} each. */
  synchronized ProcessTaskExecutor launch() {
    List<String> args = new ArrayList<>();
    settings.forEach((k, v) -> args.add("-D" + k + "=" + v));
    args.add("-Dtaskexecutor.resource-id=" + id);
    args.add("-Dtaskexecutor.rpc.port=" + port);
    if (link == null) {
      args.add("-Dresourcemanager.rpc.port=" + resourceManagerPort.getAsInt());
    } else {
      args.add("-Dresourcemanager.rpc.port=" + link.resourceManagerPort());
      args.add("-Dtaskexecutor.rpc.advertised-port=" + link.taskExecutorPort());
    }
    try {
      process = ChildProcess.start(id, "dev.pulse.te.server.TaskExecutorMain", args,
          logs.resolve(id + "-" + (starts++) + ".log"));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return this;
  }

  /** Waits for the start-up line of the process {@link #launch()} started; stops it if it does not come. */
  synchronized ProcessTaskExecutor awaitStarted() {
    try {
      String line = process.awaitStarted(startTimeout);
      Matcher m = START_LINE.matcher(line);
      if (!m.find()) {
        throw new IOException("unexpected start-up line of " + id + ": " + line);
      }
      instanceId = m.group(1);
      rpcAddress = m.group(4) != null ? m.group(4) : m.group(2) + ":" + m.group(3);
      port = Integer.parseInt(m.group(3));
    } catch (IOException e) {
      close();
      throw new UncheckedIOException(e);
    }
    return this;
  }

  @Override
  public String id() {
    return id;
  }

  @Override
  public synchronized String instanceId() {
    return instanceId;
  }

  @Override
  public synchronized String rpcAddress() {
    return rpcAddress;
  }

  @Override
  public synchronized boolean isRunning() {
    return process != null && process.isAlive();
  }

  /** The child process, e.g. for its pid or log file. */
  synchronized ChildProcess process() {
    return process;
  }

  /** SIGKILL; returns once the process is gone. */
  @Override
  public synchronized void kill() {
    beforeFault.run();
    if (isRunning()) {
      process.signal("KILL");
      process.onExit().join();
    }
  }

  /** SIGTERM (it says goodbye); returns once the process is gone. */
  @Override
  public synchronized void stop() {
    beforeFault.run();
    if (isRunning()) {
      process.close();
    }
  }

  @Override
  public synchronized void restart() {
    kill();
    start();
  }

  @Override
  public synchronized void pause() {
    beforeFault.run();
    process.signal("STOP");
  }

  @Override
  public synchronized void resume() {
    beforeFault.run();
    process.signal("CONT");
  }

  @Override
  public void partition() {
    throw unsupported("partition()");
  }

  @Override
  public void heal() {
    throw unsupported("heal()");
  }

  @Override
  public void delay(Duration delay) {
    throw unsupported("delay()");
  }

  @Override
  public void dropHeartbeats(double probability) {
    throw unsupported("dropHeartbeats()");
  }

  @Override
  public NetworkLink network() {
    return ProxyNetwork.required(link, id);
  }

  private UnsupportedOperationException unsupported(String fault) {
    return new UnsupportedOperationException(fault + " needs an in-process task executor; " + id
        + " runs as a child process (network() has the faults of both modes)");
  }


  /** SIGTERM (the task executor says goodbye), SIGKILL if it does not end. Idempotent. */
  @Override
  public synchronized void close() {
    if (link != null) {
      link.heal(); // its goodbye must get through
    }
    if (process != null) {
      process.close();
    }
    if (link != null) {
      link.close();
    }
  }

  @Override
  public String toString() {
    return id + " (process" + (process == null ? "" : " " + process.pid()) + ")";
  }
}
