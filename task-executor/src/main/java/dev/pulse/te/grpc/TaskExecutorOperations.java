package dev.pulse.te.grpc;

import dev.pulse.proto.v1.DisconnectResourceManagerRequest;
import dev.pulse.proto.v1.DisconnectResourceManagerResponse;
import dev.pulse.proto.v1.FreeSlotRequest;
import dev.pulse.proto.v1.FreeSlotResponse;
import dev.pulse.proto.v1.RequestSlotRequest;
import dev.pulse.proto.v1.RequestSlotResponse;
import io.grpc.Status;
import java.util.concurrent.CompletableFuture;

/**
 * The task executor's side of the {@code TaskExecutorGateway} calls other than the heartbeat, which
 * {@link TaskExecutorGatewayService} answers itself. The task executor implements the ones it
 * supports; each default answers {@code UNIMPLEMENTED}.
 *
 * <p>{@link TaskExecutorGatewayService} calls every method on the task executor's main thread, and
 * only after the request was {@linkplain dev.pulse.rpc.WireValidation validated}, found meant for this task
 * executor instance, and its fencing token accepted. So implementations read and change the task
 * executor's state without locks, and need not repeat those checks.
 *
 * <p>The returned future may complete on any thread. A future failed with a
 * {@link io.grpc.StatusRuntimeException} or {@link io.grpc.StatusException} answers with that status;
 * any other failure answers {@code INTERNAL} and is logged. A method may also throw instead of
 * returning a failed future.
 */
public interface TaskExecutorOperations {

  /** Gives a free slot to an allocation; see {@code RequestSlot} in task_executor_gateway.proto. */
  default CompletableFuture<RequestSlotResponse> requestSlot(RequestSlotRequest request) {
    return unimplemented("RequestSlot");
  }

  /** Frees the slot of an allocation; see {@code FreeSlot} in task_executor_gateway.proto. */
  default CompletableFuture<FreeSlotResponse> freeSlot(FreeSlotRequest request) {
    return unimplemented("FreeSlot");
  }

  /** The RM drops this task executor; see {@code DisconnectResourceManager} in task_executor_gateway.proto. */
  default CompletableFuture<DisconnectResourceManagerResponse> disconnectResourceManager(
      DisconnectResourceManagerRequest request) {
    return unimplemented("DisconnectResourceManager");
  }

  private static <T> CompletableFuture<T> unimplemented(String method) {
    return CompletableFuture.failedFuture(Status.UNIMPLEMENTED
        .withDescription("pulse.v1.TaskExecutorGateway/" + method + " is not implemented by this task executor")
        .asRuntimeException());
  }
}
