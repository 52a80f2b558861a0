package dev.pulse.heartbeat;

import java.util.Objects;

/**
 * The failure a transport adapter completes a heartbeat future with, carrying its
 * {@link RpcFailureKind}. Failures of any other type are treated as {@link RpcFailureKind#OTHER}.
 */
public class HeartbeatRpcException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  private final RpcFailureKind kind;

  public HeartbeatRpcException(RpcFailureKind kind, String message, Throwable cause) {
    super(message, cause);
    this.kind = Objects.requireNonNull(kind, "kind");
  }

  public HeartbeatRpcException(RpcFailureKind kind, String message) {
    this(kind, message, null);
  }

  public RpcFailureKind kind() {
    return kind;
  }

  /** Returns the kind carried by {@code failure} or one of its causes, {@code OTHER} if none does. */
  public static RpcFailureKind kindOf(Throwable failure) {
    for (Throwable t = failure; t != null; t = t.getCause()) {
      if (t instanceof HeartbeatRpcException e) {
        return e.kind;
      }
      if (t.getCause() == t) {
        break;
      }
    }
    return RpcFailureKind.OTHER;
  }
}
