package dev.pulse.te.ha;

import java.util.Optional;

/**
 * Where the leading resource manager serves its gRPC services now, as the coordination service says.
 *
 * <p>Thread-safe; {@link #leaderAddress()} answers from a local copy and never blocks.
 */
public interface ResourceManagerLocator extends AutoCloseable {

  /** {@code host:port} of the leader's gRPC services; empty while no leader is known. */
  Optional<String> leaderAddress();

  /** One line for logs: the service and where it is. */
  String describe();

  /** Stops following the leader and disconnects. Idempotent. */
  @Override
  void close();
}
