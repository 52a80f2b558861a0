package dev.pulse.te.grpc;

import dev.pulse.proto.v1.DisconnectResourceManagerRequest;
import dev.pulse.proto.v1.DisconnectResourceManagerResponse;
import dev.pulse.proto.v1.FreeSlotRequest;
import dev.pulse.proto.v1.FreeSlotResponse;
import dev.pulse.proto.v1.RequestSlotRequest;
import dev.pulse.proto.v1.RequestSlotResponse;
import dev.pulse.te.TaskExecutorGateway;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;

/**
 * {@link TaskExecutorOperations} of a task executor: translates each validated, admitted request to a
 * call of its {@link TaskExecutorGateway} and the answer back to the wire. Its refusals are thrown
 * as they are; {@link TaskExecutorGatewayService} turns them into statuses.
 *
 * <p>Thread-safety: confined to the task executor's main thread, as its gateway is.
 */
final class GatewayOperations implements TaskExecutorOperations {

  private final TaskExecutorGateway gateway;
  private final ProtoConversions.SlotReportCache wireReport = new ProtoConversions.SlotReportCache();

  GatewayOperations(TaskExecutorGateway gateway) {
    this.gateway = Objects.requireNonNull(gateway, "gateway");
  }

  @Override
  public CompletableFuture<RequestSlotResponse> requestSlot(RequestSlotRequest request) {
    var report = gateway.requestSlot(ProtoConversions.toDomain(request.getFencingToken()), request.getSlotIndex(),
        request.getAllocationId(), request.getJobId());
    return CompletableFuture.completedFuture(
        RequestSlotResponse.newBuilder().setSlotReport(wireReport.toProto(report)).build());
  }

  @Override
  public CompletableFuture<FreeSlotResponse> freeSlot(FreeSlotRequest request) {
    var report = gateway.freeSlot(ProtoConversions.toDomain(request.getFencingToken()), request.getAllocationId(),
        request.getCause());
    return CompletableFuture.completedFuture(
        FreeSlotResponse.newBuilder().setSlotReport(wireReport.toProto(report)).build());
  }

  @Override
  public CompletableFuture<DisconnectResourceManagerResponse> disconnectResourceManager(
      DisconnectResourceManagerRequest request) {
    gateway.disconnectResourceManager(ProtoConversions.toDomain(request.getFencingToken()),
        ProtoConversions.toDomain(request.getReason()), request.getCause());
    return CompletableFuture.completedFuture(DisconnectResourceManagerResponse.getDefaultInstance());
  }
}
