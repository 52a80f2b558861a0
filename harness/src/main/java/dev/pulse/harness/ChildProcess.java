package dev.pulse.harness;

import dev.pulse.process.StartLineFile;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.LockSupport;

/**
 * A Pulse process (resource manager or task executor) started as a child JVM on this JVM's class path.
 * Its output, stdout and stderr, goes to a log file. The one start-up line every Pulse process prints
 * is read from a file of its own ({@link StartLineFile}), not from stdout: a logging configuration on the
 * class path that logs to the console (a consumer's {@code logback-test.xml}, say) cannot be mistaken for
 * it. {@link #close()} stops the process with SIGTERM and waits, then kills it if it does not stop.
 *
 * <p>Thread-safe.
 */
public final class ChildProcess implements AutoCloseable {

  /** Passed on to the child when set here, so that it logs the way this JVM does. */
  private static final String LOGBACK_CONFIGURATION = "logback.configurationFile";

  private final String name;
  private final Process process;
  private final Path log;
  private final CompletableFuture<String> startLine = new CompletableFuture<>();
  private volatile boolean stopped;
  private volatile long startLineMillis = -1;

  private static final Path SETSID = Path.of("/usr/bin/setsid");

  /** How often the start-up line's file is looked for until it appears. */
  private static final long START_LINE_POLL_NANOS = TimeUnit.MILLISECONDS.toNanos(10);

  private final Path startLineFile;

  private ChildProcess(String name, Process process, Path log, Path startLineFile) {
    this.name = name;
    this.process = process;
    this.log = log;
    this.startLineFile = startLineFile;
    Thread reader = new Thread(this::awaitStartLine, name + "-start-line");
    reader.setDaemon(true);
    reader.start();
    process.onExit().thenRun(() -> startLine.completeExceptionally(
        new IllegalStateException(name + " exited with code " + process.exitValue() + " before it started; see " + log)));
  }

  /**
   * Starts {@code mainClass} with {@code args} in a new JVM on this JVM's class path.
   *
   * @param log file that receives the child's stderr (its logs)
   */
  public static ChildProcess start(String name, String mainClass, List<String> args, Path log) throws IOException {
    return start(name, mainClass, List.of(), args, log);
  }

  /**
   * {@link #start(String, String, List, Path)} with {@code jvmOptions} (e.g. {@code -Dname=value} system
   * properties) before the main class.
   */
  public static ChildProcess start(String name, String mainClass, List<String> jvmOptions, List<String> args,
      Path log) throws IOException {
    return start(name, mainClass, jvmOptions, args, log, false);
  }

  /**
   * {@link #start(String, String, List, List, Path)}, in a session of its own when {@code ownSession} (with
   * {@code setsid}, where there is one): a Ctrl-C in the terminal, which signals the whole foreground process
   * group, then does not reach it, and the parent decides when it stops ({@code bin/local-cluster} stops its
   * resource manager after the task executors have said goodbye).
   */
  static ChildProcess start(String name, String mainClass, List<String> jvmOptions, List<String> args, Path log,
      boolean ownSession) throws IOException {
    Path startLineFile = log.resolveSibling(log.getFileName() + ".start-line");
    Files.deleteIfExists(startLineFile);
    List<String> command = new ArrayList<>();
    if (ownSession && Files.isExecutable(SETSID)) {
      // A child of the JVM is no process group leader, so setsid replaces itself with java: same pid.
      command.add(SETSID.toString());
    }
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.add("-Xmx256m");
    command.add("-XX:+UseSerialGC");
    command.add("-D" + StartLineFile.PROPERTY + "=" + startLineFile);
    String logConfig = System.getProperty(LOGBACK_CONFIGURATION);
    if (logConfig != null) {
      command.add("-D" + LOGBACK_CONFIGURATION + "=" + logConfig);
    }
    command.addAll(jvmOptions);
    command.add("-cp");
    command.add(System.getProperty("java.class.path"));
    command.add(mainClass);
    command.addAll(args);
    Process p = new ProcessBuilder(command)
        .redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.to(log.toFile()))
        .redirectInput(ProcessBuilder.Redirect.PIPE)
        .start();
    return new ChildProcess(name, p, log, startLineFile);
  }

  /** Waits for the start-up line; fails if the process exits first or does not start in time. */
  public String awaitStarted(Duration timeout) throws IOException {
    try {
      return startLine.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      throw new IOException(name + " did not start within " + timeout.toSeconds() + " s; see " + log, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted", e);
    } catch (java.util.concurrent.ExecutionException e) {
      throw new IOException(e.getCause().getMessage(), e.getCause());
    }
  }

  /** Wall-clock milliseconds at which the start-up line was read, or -1 before. */
  public long startLineMillis() {
    return startLineMillis;
  }

  public String name() {
    return name;
  }

  public long pid() {
    return process.pid();
  }

  public Path log() {
    return log;
  }

  public boolean isAlive() {
    return process.isAlive();
  }

  /** Exit code, or -1 while running. */
  public int exitCode() {
    return process.isAlive() ? -1 : process.exitValue();
  }

  public CompletableFuture<Process> onExit() {
    return process.onExit();
  }

  /**
   * Sends a signal by name (TERM, KILL, STOP, CONT) with the system's {@code kill} command.
   *
   * @throws UncheckedIOException if {@code kill} cannot be run or fails
   */
  public void signal(String signal) {
    try {
      int code = new ProcessBuilder("kill", "-" + signal, Long.toString(process.pid())).inheritIO().start().waitFor();
      if (code != 0) {
        throw new UncheckedIOException(new IOException("kill -" + signal + " " + process.pid() + " exited with " + code));
      }
      if (signal.equals("STOP")) {
        stopped = true;
      } else if (signal.equals("CONT")) {
        stopped = false;
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new UncheckedIOException(new IOException("interrupted", e));
    }
  }

  /** Stops the process: SIGTERM, up to 10 s to exit, then SIGKILL. Returns its exit code. Idempotent. */
  @Override
  public void close() {
    if (!process.isAlive()) {
      return;
    }
    process.destroy();
    if (stopped) {
      try {
        signal("CONT"); // a stopped process sees the SIGTERM only once it runs again
      } catch (UncheckedIOException e) {
        process.destroyForcibly();
      }
    }
    try {
      if (!process.waitFor(10, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
    }
  }

  /** Looks for the start-up line's file until it appears or the process ends. */
  private void awaitStartLine() {
    try {
      while (!startLine.isDone()) {
        String line = StartLineFile.read(startLineFile);
        if (line != null) {
          startLineMillis = System.currentTimeMillis();
          startLine.complete(line);
          return;
        }
        if (!process.isAlive()) {
          return; // onExit() completes startLine with the exit code
        }
        LockSupport.parkNanos(START_LINE_POLL_NANOS);
      }
    } catch (IOException e) {
      startLine.completeExceptionally(e);
    }
  }

  @Override
  public String toString() {
    return name + " (pid " + process.pid() + ")";
  }
}
