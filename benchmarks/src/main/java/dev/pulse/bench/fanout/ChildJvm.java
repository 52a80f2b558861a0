package dev.pulse.bench.fanout;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * A child JVM on this JVM's class path, started through {@link OrphanGuard} so that it exits when its
 * stdin closes (this JVM ended, even by SIGKILL). Its stdout lines are queued for {@link #awaitLine};
 * stderr (the child's log) goes to a file under {@link #LOG_DIR}. {@link #close()} kills it (SIGKILL after a short grace).
 *
 * <p>Thread-safety: {@link #send} and {@link #close} may be called from any thread.
 */
final class ChildJvm implements AutoCloseable {

  private final String name;
  private final Process process;
  private final PrintWriter stdin;
  private final BlockingQueue<String> lines = new LinkedBlockingQueue<>();
  private volatile Consumer<String> lineListener = line -> {};

  private ChildJvm(String name, Process process) {
    this.name = name;
    this.process = process;
    this.stdin = new PrintWriter(process.getOutputStream(), true, StandardCharsets.UTF_8);
    Thread reader = new Thread(this::pump, name + "-stdout");
    reader.setDaemon(true);
    reader.start();
  }

  /** Starts {@code mainClass} with {@code jvmOptions} and {@code args}. */
  static ChildJvm start(String name, List<String> jvmOptions, String mainClass, List<String> args) throws IOException {
    return start(name, jvmOptions, mainClass, args, LOG_DIR.resolve(name + ".log"));
  }

  /** Where children's stderr (their logs) goes: one file per child name, overwritten per run. */
  static final java.nio.file.Path LOG_DIR = java.nio.file.Path.of(System.getProperty("java.io.tmpdir"), "pulse-benchmark-logs");

  static ChildJvm start(String name, List<String> jvmOptions, String mainClass, List<String> args,
      java.nio.file.Path stderr) throws IOException {
    java.nio.file.Files.createDirectories(stderr.getParent());
    List<String> command = new ArrayList<>();
    command.add(ProcessHandle.current().info().command().orElse("java"));
    command.addAll(jvmOptions);
    // GC log next to the child's log, so that a latency spike can be matched with a pause.
    command.add("-Xlog:gc:file=" + stderr.resolveSibling(name + "-gc.log") + ":uptime");
    command.add("-cp");
    command.add(System.getProperty("java.class.path"));
    command.add(OrphanGuard.class.getName());
    command.add(mainClass);
    command.addAll(args);
    Process process = new ProcessBuilder(command).redirectError(stderr.toFile()).start();
    ChildJvm child = new ChildJvm(name, process);
    Runtime.getRuntime().addShutdownHook(new Thread(child::kill));
    return child;
  }

  long pid() {
    return process.pid();
  }

  boolean isAlive() {
    return process.isAlive();
  }

  void onLine(Consumer<String> listener) {
    this.lineListener = listener;
  }

  /** One line to the child's stdin. */
  void send(String line) {
    stdin.println(line);
  }

  /** The next stdout line starting with {@code prefix}, skipping others; fails after {@code timeoutMillis}. */
  String awaitLine(String prefix, long timeoutMillis) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
    while (true) {
      long left = deadline - System.nanoTime();
      String line = lines.poll(Math.max(0, left), TimeUnit.NANOSECONDS);
      if (line == null) {
        throw new IllegalStateException(name + " did not print a line starting with '" + prefix + "' within "
            + timeoutMillis + " ms" + (process.isAlive() ? "" : " (it exited with " + process.exitValue() + ")"));
      }
      if (line.startsWith(prefix)) {
        return line;
      }
    }
  }

  /** Asks for SIGTERM, then SIGKILL after {@code graceMillis}. */
  void stop(long graceMillis) {
    process.destroy();
    try {
      if (!process.waitFor(graceMillis, TimeUnit.MILLISECONDS)) {
        kill();
      }
    } catch (InterruptedException e) {
      kill();
      Thread.currentThread().interrupt();
    }
  }

  void kill() {
    process.destroyForcibly();
  }

  @Override
  public void close() {
    stdin.close();
    stop(5_000);
  }

  private void pump() {
    try (BufferedReader in = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
      String line;
      while ((line = in.readLine()) != null) {
        lines.add(line);
        lineListener.accept(line);
      }
    } catch (IOException e) {
      // the child is gone
    }
  }
}
