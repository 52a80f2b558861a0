package dev.pulse.rpc;

import dev.pulse.heartbeat.HeartbeatRpcException;
import dev.pulse.heartbeat.ResourceId;
import dev.pulse.heartbeat.RpcFailureKind;
import dev.pulse.proto.v1.TaskExecutorIdentity;
import io.grpc.Status;
import javax.net.ssl.SSLException;

/**
 * Classifies failed heartbeat RPCs into the core's {@link RpcFailureKind}s. The whole mapping is here:
 *
 * <table>
 *   <caption>Outcome of a heartbeat RPC to the task executor the RM expects at an address</caption>
 *   <tr><th>outcome</th><th>kind</th><th>why</th></tr>
 *   <tr><td>{@code UNAVAILABLE}: connection refused or reset, no route, server going away</td>
 *       <td>{@code UNREACHABLE}</td><td>nobody answers there: counts towards the threshold</td></tr>
 *   <tr><td>{@code UNAVAILABLE} caused by a TLS failure</td><td>{@code OTHER}</td>
 *       <td>the peer is there but refuses us, or we refuse it: a configuration error, not a dead
 *       peer; the timeout decides</td></tr>
 *   <tr><td>{@code DEADLINE_EXCEEDED}</td><td>{@code DEADLINE_EXCEEDED}</td>
 *       <td>a hung peer is the timeout's job, as in Flink</td></tr>
 *   <tr><td>an answer from another resource id</td><td>{@code UNREACHABLE}</td>
 *       <td>the task executor is no longer at that address; someone else listens there</td></tr>
 *   <tr><td>an answer from the same resource id with another instance id</td><td>{@code RESTARTED}</td>
 *       <td>the process the RM knew is gone</td></tr>
 *   <tr><td>anything else: {@code UNAUTHENTICATED}, {@code FAILED_PRECONDITION} (fencing),
 *       {@code INVALID_ARGUMENT}, {@code RESOURCE_EXHAUSTED}, {@code INTERNAL}, {@code CANCELLED}, ...,
 *       or a malformed answer</td><td>{@code OTHER}</td><td>counted, logged; the timeout decides</td></tr>
 * </table>
 *
 * <p>Stateless and thread-safe.
 */
public final class RpcFailures {

  private RpcFailures() {}

  /** The kind of a failed call's status; see the class documentation. */
  public static RpcFailureKind kindOf(Status status) {
    return switch (status.getCode()) {
      case UNAVAILABLE -> causedByTls(status.getCause()) ? RpcFailureKind.OTHER : RpcFailureKind.UNREACHABLE;
      case DEADLINE_EXCEEDED -> RpcFailureKind.DEADLINE_EXCEEDED;
      default -> RpcFailureKind.OTHER;
    };
  }

  /**
   * The exception to fail a heartbeat future with, for a call to {@code peer} that ended with
   * {@code failure} (a {@code StatusRuntimeException}, {@code StatusException}, or anything else,
   * which gRPC reports as {@code UNKNOWN}).
   *
   * @param peer who was called, for the message, e.g. {@code "task executor te-1 at 10.0.0.7:6124"}
   */
  public static HeartbeatRpcException classify(Throwable failure, String peer) {
    Status status = Status.fromThrowable(failure);
    StringBuilder message = new StringBuilder("heartbeat RPC to ").append(peer).append(" failed: ")
        .append(status.getCode());
    if (status.getDescription() != null) {
      message.append(": ").append(status.getDescription());
    }
    if (status.getCause() != null && status.getCause().getMessage() != null) {
      message.append(" (").append(status.getCause().getMessage()).append(')');
    }
    return new HeartbeatRpcException(kindOf(status), message.toString(), failure);
  }

  /**
   * Compares who answered with who was expected.
   *
   * @return {@code null} if the answer came from the expected task executor and instance; otherwise
   *     the exception to fail the heartbeat with ({@code UNREACHABLE} for another resource id,
   *     {@code RESTARTED} for another instance of the same one)
   */
  public static HeartbeatRpcException checkIdentity(ResourceId expectedResourceId, String expectedInstanceId,
      TaskExecutorIdentity answered, String address) {
    if (!expectedResourceId.value().equals(answered.getResourceId())) {
      return new HeartbeatRpcException(RpcFailureKind.UNREACHABLE, "task executor " + expectedResourceId
          + " is no longer at " + address + ": task executor '" + answered.getResourceId() + "' answers there");
    }
    if (!expectedInstanceId.equals(answered.getInstanceId())) {
      return new HeartbeatRpcException(RpcFailureKind.RESTARTED, "task executor " + expectedResourceId
          + " at " + address + " restarted: instance " + expectedInstanceId + " is gone, instance "
          + answered.getInstanceId() + " answers now");
    }
    return null;
  }

  private static boolean causedByTls(Throwable failure) {
    for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (t instanceof SSLException) {
        return true;
      }
    }
    return false;
  }
}
