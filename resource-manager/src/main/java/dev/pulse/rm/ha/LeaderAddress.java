package dev.pulse.rm.ha;

import java.util.Objects;

/**
 * Where the leading resource manager serves, as it published it.
 *
 * @param resourceManagerId its id (the cluster's: every leader of one cluster keeps the stored id)
 * @param epoch its term, the fencing token's epoch
 * @param rpcAddress {@code host:port} of its gRPC services, or {@code null} when it serves none
 * @param restUrl base URL of its REST API, or {@code null} when it serves none
 */
public record LeaderAddress(String resourceManagerId, long epoch, String rpcAddress, String restUrl) {

  public LeaderAddress {
    Objects.requireNonNull(resourceManagerId, "resourceManagerId");
  }
}
