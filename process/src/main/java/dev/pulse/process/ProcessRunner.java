package dev.pulse.process;

import dev.pulse.config.ConfigException;
import dev.pulse.config.Settings;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine;

/**
 * The shared life of a Pulse process ({@code bin/resource-manager}, {@code bin/task-executor}):
 * parse {@code [-c FILE] [-Dkey=value ...]} (and {@code --help}, {@code --version}), read and check the
 * configuration from its {@link ConfigSources}, start the service,
 * print one start-up line, and stop it cleanly on SIGTERM or SIGINT with exit code 0. Each
 * process's {@code main} is one call to {@link #main}.
 *
 * <p>The start-up line also goes to the file the system property {@value StartLineFile#PROPERTY} names,
 * if set ({@link StartLineFile}); {@link #main} first turns Netty's leak detector off unless the JVM's
 * options set it ({@link NettyDefaults}) and routes {@code java.util.logging} to SLF4J ({@link LogBridge}).
 *
 * <p>A bad setting (an unknown key too), or a port that cannot be bound, ends the process with exit code 1
 * and one line on stderr naming the key, before anything else is started.
 */
public final class ProcessRunner {

  private static final Logger LOG = LoggerFactory.getLogger(ProcessRunner.class);

  /** Starts the service from settings; the result is closed on shutdown. */
  @FunctionalInterface
  public interface Service {
    /**
     * @return the running service and the one line to print once it is up
     * @throws ConfigException for a bad setting
     * @throws Exception for any other start-up failure
     */
    Started start(Settings settings) throws Exception;
  }

  /**
   * A started service.
   *
   * @param service closed when the process stops
   * @param startLine printed on stdout once the service is up
   * @param termination completed by the service itself, with an exit code, when it has to end the
   *     process on its own (for example a task executor that gave up on its resource manager)
   */
  public record Started(AutoCloseable service, String startLine, CompletableFuture<Integer> termination) {
    public Started(AutoCloseable service, String startLine) {
      this(service, startLine, new CompletableFuture<>());
    }
  }

  private ProcessRunner() {}

  /**
   * Runs {@code service} as the process {@code name} and exits the JVM with its exit code: 0 after
   * SIGTERM or SIGINT, 1 for a bad setting or a failed start, 2 for bad arguments, or the code the
   * service ended itself with.
   */
  public static void main(String name, String description, String[] args, Service service) {
    NettyDefaults.apply(System.getProperties());
    LogBridge.install();
    int code = run(name, description, args, service, ConfigSources.ofThisProcess(w -> System.err.println(name + ": " + w)),
        System.out, System.err);
    exiting = true;
    System.exit(code);
  }

  private static volatile boolean exiting;

  static int run(String name, String description, String[] args, Service service, ConfigSources sources,
      PrintStream out, PrintStream err) {
    Options options = new Options();
    CommandLine cli = new CommandLine(options).setCommandName(name);
    cli.getCommandSpec().usageMessage().description(description).footer(HELP_FOOTER);
    try {
      cli.parseArgs(args);
    } catch (CommandLine.ParameterException e) {
      err.println(name + ": " + e.getMessage());
      err.println(usage(name));
      return 2;
    }
    if (cli.isUsageHelpRequested()) {
      cli.usage(out);
      return 0;
    }
    if (cli.isVersionHelpRequested()) {
      out.println(PulseVersion.line(name));
      return 0;
    }
    Started started;
    try {
      Settings settings = sources.load(options.configFile, options.overrides);
      started = service.start(settings);
    } catch (ConfigException e) {
      err.println(name + ": configuration error: " + e.getMessage());
      return 1;
    } catch (Exception e) {
      err.println(name + ": failed to start: " + describe(e));
      LOG.debug("start-up failure", e);
      return 1;
    }
    out.println(started.startLine());
    out.flush();
    String lineFile = System.getProperty(StartLineFile.PROPERTY);
    if (lineFile != null) {
      try {
        StartLineFile.write(Path.of(lineFile), started.startLine());
      } catch (IOException | RuntimeException e) {
        err.println(name + ": cannot write the start-up line to " + lineFile + " (" + StartLineFile.PROPERTY + "): "
            + e.getMessage());
        closeQuietly(started.service());
        return 1;
      }
    }
    return awaitShutdown(name, started);
  }

  /**
   * Waits for a termination signal or the service's own end, then closes the service. A signal
   * arrives as the JVM's shutdown: the hook below hands it to this thread, waits for the service
   * to close, and then ends the JVM with code 0 (the JVM's own code for SIGTERM would be 143).
   */
  private static int awaitShutdown(String name, Started started) {
    CompletableFuture<Integer> stop = new CompletableFuture<>();
    CountDownLatch closed = new CountDownLatch(1);
    Thread hook = new Thread(() -> {
      if (exiting) {
        return; // our own System.exit: the service is already closed
      }
      stop.complete(0);
      try {
        closed.await(30, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      Runtime.getRuntime().halt(0);
    }, name + "-shutdown");
    Runtime.getRuntime().addShutdownHook(hook);
    started.termination().whenComplete((code, failure) -> stop.complete(code == null ? 1 : code));
    int code = stop.join();
    LOG.info("{} shutting down", name);
    try {
      started.service().close();
    } catch (Exception e) {
      LOG.warn("{} did not shut down cleanly", name, e);
      code = code == 0 ? 1 : code;
    } finally {
      closed.countDown();
    }
    try {
      Runtime.getRuntime().removeShutdownHook(hook);
    } catch (IllegalStateException shuttingDown) {
      // the hook is running: it ends the JVM
    }
    return code;
  }

  private static void closeQuietly(AutoCloseable service) {
    try {
      service.close();
    } catch (Exception e) {
      LOG.warn("closing after a failed start failed", e);
    }
  }

  private static String describe(Throwable e) {
    StringBuilder sb = new StringBuilder(String.valueOf(e.getMessage()));
    for (Throwable c = e.getCause(); c != null && c != c.getCause(); c = c.getCause()) {
      if (c.getMessage() != null && !sb.toString().contains(c.getMessage())) {
        sb.append(": ").append(c.getMessage());
      }
    }
    return sb.toString();
  }

  /** The one-line usage printed under an argument error. */
  static String usage(String name) {
    return "usage: " + name + " [-c FILE] [-Dkey=value ...]   (" + name + " --help for more)";
  }

  private static final String HELP_FOOTER = "%nConfiguration, each source winning over the one before: the defaults;"
      + " the file (-c FILE, else $" + ConfigSources.CONF_DIR_VARIABLE + "/config.yaml, else conf/config.yaml of the"
      + " installation); the environment (" + ConfigSources.PROPERTIES_VARIABLE + " with 'key: value' lines, then"
      + " PULSE_<KEY> variables such as PULSE_HEARTBEAT_INTERVAL); -Dkey=value. An unknown key or a value of the"
      + " wrong type stops the process with exit code 1. Every key: docs/configuration.md.%n"
      + "Exit codes: 0 after SIGTERM or SIGINT, 1 for a bad setting or a port that cannot be bound, 2 for bad"
      + " arguments.";

  @Command(mixinStandardHelpOptions = false, sortOptions = false)
  static final class Options {
    @Option(names = {"-c", "--config"}, paramLabel = "FILE",
        description = "YAML configuration file (default: conf/config.yaml of the installation)")
    Path configFile;

    @Option(names = "-D", paramLabel = "key=value", description = "set a configuration key; wins over the file")
    Map<String, String> overrides = new LinkedHashMap<>();

    @Option(names = {"-h", "--help"}, usageHelp = true, description = "show this help and exit")
    boolean help;

    @Option(names = {"-V", "--version"}, versionHelp = true, description = "print the version and exit")
    boolean version;
  }
}
