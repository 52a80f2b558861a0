package dev.pulse.rm.server;

import dev.pulse.config.HostPort;
import dev.pulse.process.ProcessRunner;

/**
 * {@code bin/resource-manager [-c FILE] [-Dkey=value ...]}: a standalone resource manager. Only wires:
 * settings in, {@link ResourceManagerServer} up (durable: its registry store is SQLite by default), one
 * start-up line out; SIGTERM stops it with exit code 0. With {@code high-availability.type: zookeeper} the
 * line says it stands by; it serves once elected, and says so in the log.
 *
 * <p>{@code bin/resource-manager backup [--to FILE] [-c FILE] [-Dkey=value ...]} asks the running one for a
 * backup of its store instead ({@link BackupCommand}).
 */
public final class ResourceManagerMain {

  private ResourceManagerMain() {}

  public static void main(String[] args) {
    if (args.length > 0 && args[0].equals("backup")) {
      System.exit(BackupCommand.run(java.util.Arrays.copyOfRange(args, 1, args.length), System.out, System.err));
    }
    ProcessRunner.main("resource-manager", "Runs a Pulse resource manager.", args, settings -> {
      ResourceManagerServer server = ResourceManagerServer.builder().settings(settings).standalone(true).build()
          .start();
      if (server.highAvailability() != null) {
        // Elected or not, the start-up line is printed now: it names the pid and the coordination service.
        return new ProcessRunner.Started(server, "resource-manager standing by for election ("
            + server.highAvailability().describe() + ")"
            + (server.rpcAddress() == null ? "" : ", rpc " + HostPort.format(server.rpcAddress()))
            + (server.restAddress() == null ? ""
            : ", rest http://" + HostPort.format(server.restAddress()) + "/v1/overview"));
      }
      return new ProcessRunner.Started(server, "resource-manager " + server.resourceManager().id() + " (epoch "
          + server.resourceManager().fencing().epoch() + ") rpc " + HostPort.format(server.rpcAddress()) + ", rest "
          + server.restUrl() + "/v1/overview");
    });
  }

}
