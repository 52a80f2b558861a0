package dev.pulse.rpc;

import dev.pulse.config.HostPort;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.util.Objects;
import java.util.Optional;

/**
 * Where the leading resource manager serves, carried in a failed call's trailers as {@value #KEY}
 * ({@code host:port} of its gRPC endpoint, ASCII): a standby resource manager (high availability, SPEC 12)
 * answers every call {@code UNAVAILABLE} with this hint, and a caller that was given a list of resource
 * manager addresses calls that one next. A call without the trailer, or with a value that is not
 * {@code host:port}, has no hint (a standby that knows no leader yet sends none). Stateless.
 */
public final class LeaderHint {

  /** The trailer's name. */
  public static final String KEY = "pulse-leader-address";

  private static final Metadata.Key<String> LEADER_ADDRESS = Metadata.Key.of(KEY, Metadata.ASCII_STRING_MARSHALLER);

  private LeaderHint() {}

  /** {@code status} as an exception whose trailers name {@code leaderAddress}, when there is one. */
  public static StatusRuntimeException attach(Status status, Optional<String> leaderAddress) {
    Objects.requireNonNull(status, "status");
    Metadata trailers = new Metadata();
    leaderAddress.ifPresent(address -> {
      String problem = HostPort.problem(address);
      if (problem != null) {
        throw new IllegalArgumentException("leader address " + problem);
      }
      trailers.put(LEADER_ADDRESS, address);
    });
    return status.asRuntimeException(trailers);
  }

  /** The leader a failed call names, if any. */
  public static Optional<String> of(Throwable failure) {
    Metadata trailers = Status.trailersFromThrowable(failure);
    String value = trailers == null ? null : trailers.get(LEADER_ADDRESS);
    return value == null || HostPort.problem(value.trim()) != null ? Optional.empty() : Optional.of(value.trim());
  }
}
