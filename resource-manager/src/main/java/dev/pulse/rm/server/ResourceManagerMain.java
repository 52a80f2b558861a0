package dev.pulse.rm.server;

import dev.pulse.config.HostPort;
import dev.pulse.process.ProcessRunner;

/**
 * {@code bin/resource-manager [-c FILE] [-Dkey=value ...]}: a standalone resource manager. Only wires:
 * settings in, {@link ResourceManagerServer} up, one start-up line out; SIGTERM stops it with exit code 0.
 */
public final class ResourceManagerMain {

  private ResourceManagerMain() {}

  public static void main(String[] args) {
    ProcessRunner.main("resource-manager", "Runs a Pulse resource manager.", args, settings -> {
      ResourceManagerServer server = ResourceManagerServer.builder().settings(settings).standalone(true).build()
          .start();
      return new ProcessRunner.Started(server, "resource-manager " + server.resourceManager().id() + " (epoch "
          + server.resourceManager().fencing().epoch() + ") rpc " + HostPort.format(server.rpcAddress()) + ", rest "
          + server.restUrl() + "/v1/overview");
    });
  }

}
