package dev.pulse.ha.zookeeper;

import dev.pulse.process.PulseVersion;
import dev.pulse.process.StartLineFile;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import org.apache.zookeeper.server.ServerConfig;
import org.apache.zookeeper.server.ZooKeeperServerMain;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code bin/zookeeper [--port P] [--dir DIR] [--tick-time MS]}: one standalone ZooKeeper server
 * ({@link ZooKeeperServerMain}) from the jars Pulse ships, for local use and process tests; not an ensemble
 * for production. Prints one start-up line once the port accepts connections (and writes it to the file
 * the system property {@value StartLineFile#PROPERTY} names). Its data directory survives a kill: started
 * again on it, it serves what it had.
 */
@Command(name = "zookeeper", mixinStandardHelpOptions = true, versionProvider = ZooKeeperMain.Version.class,
    description = "Runs a standalone ZooKeeper server for a local Pulse cluster with high availability.")
public final class ZooKeeperMain implements Callable<Integer> {

  /** How long the port may take to accept connections before start-up counts as failed. */
  private static final Duration START_TIMEOUT = Duration.ofSeconds(60);

  @Option(names = "--port", description = "client port (default ${DEFAULT-VALUE})")
  int port = 2181;

  @Option(names = "--dir", description = "data directory: snapshots and transaction logs (default ${DEFAULT-VALUE})")
  Path dir = Path.of("data", "zookeeper");

  @Option(names = "--tick-time", paramLabel = "MS",
      description = "ZooKeeper's tick; sessions may last 2 to 20 ticks (default ${DEFAULT-VALUE})")
  int tickTime = 2000;

  public static void main(String[] args) {
    // No admin HTTP server: the processes need the client port only.
    System.setProperty("zookeeper.admin.enableServer", "false");
    int code = new CommandLine(new ZooKeeperMain()).execute(args);
    if (code != 0) {
      System.exit(code);
    }
  }

  @Override
  public Integer call() throws Exception {
    if (port < 1 || port > 65535 || tickTime < 1) {
      System.err.println("zookeeper: --port must be 1..65535 and --tick-time at least 1");
      return 2;
    }
    Files.createDirectories(dir);
    ServerConfig config = new ServerConfig();
    config.parse(new String[] {Integer.toString(port), dir.toAbsolutePath().toString(), Integer.toString(tickTime)});
    ZooKeeperServerMain server = new ZooKeeperServerMain();
    Thread runner = new Thread(() -> {
      try {
        server.runFromConfig(config);
      } catch (Throwable e) { // a missing class too: a process without its server must not look alive
        e.printStackTrace();
        System.err.println("zookeeper: the server stopped: " + e);
        System.exit(1);
      }
    }, "zookeeper");
    runner.start();
    awaitListening();
    String line = "zookeeper 127.0.0.1:" + port + " data " + dir.toAbsolutePath() + " (tick " + tickTime + " ms)";
    System.out.println(line);
    System.out.flush();
    String lineFile = System.getProperty(StartLineFile.PROPERTY);
    if (lineFile != null) {
      StartLineFile.write(Path.of(lineFile), line);
    }
    runner.join();
    return 0;
  }

  /** {@code zookeeper (Pulse) VERSION, Java ...}, as every Pulse command says it. */
  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      return new String[] {PulseVersion.line("zookeeper")};
    }
  }

  private void awaitListening() throws IOException, InterruptedException {
    long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
    while (true) {
      try (Socket socket = new Socket()) {
        socket.connect(new InetSocketAddress("127.0.0.1", port), 500);
        return;
      } catch (IOException e) {
        if (System.nanoTime() > deadline) {
          throw new IOException("ZooKeeper did not listen on port " + port + " within " + START_TIMEOUT, e);
        }
        Thread.sleep(50); // start-up poll of a real port, not a test
      }
    }
  }
}
