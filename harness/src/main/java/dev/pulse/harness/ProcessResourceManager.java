package dev.pulse.harness;

import dev.pulse.rm.Overview;
import dev.pulse.rm.ResourceManagerEvent;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A resource manager in a child JVM ({@code dev.pulse.rm.server.ResourceManagerMain}, what
 * {@code bin/resource-manager} runs), observed through its REST API; faults are signals.
 *
 * <p>Thread-safe: lifecycle methods are synchronized.
 */
final class ProcessResourceManager implements ResourceManagerNode, AutoCloseable {

  private static final Pattern START_LINE =
      Pattern.compile("resource-manager (\\S+) .* rpc \\S+:(\\d+), rest (https?://\\S+?)/v1/overview");

  private final Map<String, String> settings;
  private final Path logs;
  private final Duration startTimeout;
  private final RestClient rest;
  private final Runnable beforeFault;
  private ChildProcess process;
  private int starts;
  private volatile String id;
  private volatile int rpcPort;
  private volatile URI restUrl;

  ProcessResourceManager(Map<String, String> settings, Path logs, Duration startTimeout, RestClient rest,
      Runnable beforeFault) {
    this.settings = settings;
    this.logs = logs;
    this.startTimeout = startTimeout;
    this.rest = rest;
    this.beforeFault = beforeFault;
  }

  synchronized ProcessResourceManager start() {
    return start(List.of());
  }

  /**
   * Starts the process with {@code jvmOptions} before its main class, e.g. {@code -Dpulse.crash-at=NAME}
   * for a crash point; waits for its start-up line.
   */
  private ProcessResourceManager start(List<String> jvmOptions) {
    List<String> args = new ArrayList<>();
    settings.forEach((k, v) -> args.add("-D" + k + "=" + v));
    args.add("-Dresourcemanager.rpc.port=" + rpcPort);
    args.add("-Drest.port=" + (restUrl == null ? 0 : restUrl.getPort()));
    try {
      process = ChildProcess.start("resource-manager", "dev.pulse.rm.server.ResourceManagerMain", jvmOptions, args,
          logs.resolve("resource-manager-" + (starts++) + ".log"));
      String line = process.awaitStarted(startTimeout);
      Matcher m = START_LINE.matcher(line);
      if (!m.find()) {
        throw new IOException("unexpected start-up line of the resource manager: " + line);
      }
      id = m.group(1);
      rpcPort = Integer.parseInt(m.group(2));
      restUrl = URI.create(m.group(3));
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
  public String rpcAddress() {
    return "127.0.0.1:" + rpcPort;
  }

  int rpcPort() {
    return rpcPort;
  }

  @Override
  public URI restUrl() {
    return restUrl;
  }

  @Override
  public Overview overview() {
    return rest.overview(restUrl);
  }

  @Override
  public List<ResourceManagerEvent> events(long after) {
    return rest.events(restUrl, after);
  }

  @Override
  public String metrics() {
    return rest.get(restUrl, "/metrics");
  }

  ChildProcess process() {
    return process;
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

  /** SIGKILL; returns once the process is gone. */
  @Override
  public synchronized void kill() {
    beforeFault.run();
    if (process.isAlive()) {
      process.signal("KILL");
    }
    process.onExit().join();
  }

  @Override
  public synchronized boolean isRunning() {
    return process.isAlive();
  }

  /** SIGKILL if it runs, then a new process on the same ports and store directory. */
  @Override
  public synchronized void restart() {
    kill();
    start();
  }

  /**
   * {@link #restart()} with {@code jvmOptions} for the new process only (a crash point, say); a later
   * restart goes without them.
   *
   * @throws UncheckedIOException if the process ends before it prints its start-up line
   */
  synchronized void restartWith(List<String> jvmOptions) {
    kill();
    start(jvmOptions);
  }

  /**
   * Wall-clock milliseconds at which the current process's start-up line was read from its stdout: the
   * instant it served.
   */
  synchronized long startLineMillis() {
    return process.startLineMillis();
  }


  /** SIGTERM (after SIGCONT if stopped), then SIGKILL if it does not end. Idempotent. */
  @Override
  public synchronized void close() {
    if (process != null) {
      process.close();
    }
  }

  @Override
  public String toString() {
    return "resource manager " + id + " (process)";
  }
}
