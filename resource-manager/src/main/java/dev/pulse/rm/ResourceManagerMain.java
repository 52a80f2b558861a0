package dev.pulse.rm;

import dev.pulse.rpc.process.ProcessRunner;

/**
 * {@code bin/resource-manager [-c FILE] [-Dkey=value ...]}: a standalone resource manager. Only wires:
 * settings in, {@link ResourceManager} up, one start-up line out; SIGTERM stops it with exit code 0.
 */
public final class ResourceManagerMain {

  private ResourceManagerMain() {}

  public static void main(String[] args) {
    ProcessRunner.main("resource-manager", "Runs a Pulse resource manager.", args, settings -> {
      ResourceManager rm = ResourceManager.builder().settings(settings).build().start();
      return new ProcessRunner.Started(rm, "resource-manager " + rm.id() + " (epoch " + rm.fencing().epoch()
          + ") rpc " + hostPort(rm.rpcAddress()) + ", rest " + rm.restUrl() + "/v1/overview");
    });
  }

  private static String hostPort(java.net.InetSocketAddress address) {
    return address.getHostString() + ":" + address.getPort();
  }
}
