package dev.pulse.rm.grpc;

import dev.pulse.proto.v1.AllocateSlotsRequest;
import dev.pulse.proto.v1.AllocateSlotsResponse;
import dev.pulse.proto.v1.AllocationEvent;
import dev.pulse.proto.v1.ReleaseAllocationRequest;
import dev.pulse.proto.v1.ReleaseAllocationResponse;
import dev.pulse.proto.v1.SlotPoolGrpc;
import dev.pulse.proto.v1.WatchAllocationsRequest;
import dev.pulse.rm.ResourceManager;
import dev.pulse.rm.RestartPolicy;
import dev.pulse.rpc.WireValidation;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

/**
 * {@code SlotPool}: what job masters and clients call to get slots and to hear when they lose them.
 * Allocations are all or nothing ({@code RESOURCE_EXHAUSTED} when too few slots are free).
 * A request may carry a restart policy (SPEC 10). {@code WatchAllocations} streams a job's ALLOCATED,
 * RELEASED, LOST, MOVED and FAILED events until the client cancels; updates are sent from the resource manager's main thread, one at a time.
 */
public final class SlotPoolService extends SlotPoolGrpc.SlotPoolImplBase {

  private final ResourceManager resourceManager;

  public SlotPoolService(ResourceManager resourceManager) {
    this.resourceManager = resourceManager;
  }

  @Override
  public void allocateSlots(AllocateSlotsRequest request, StreamObserver<AllocateSlotsResponse> observer) {
    ResourceManagerGatewayService.answer(observer, () -> {
      WireValidation.check(request);
      // An out-of-range value throws IllegalArgumentException naming the field: INVALID_ARGUMENT.
      RestartPolicy restart = request.hasRestart() ? ProtoConversions.toDomain(request.getRestart()) : null;
      return resourceManager.allocateSlots(request.getJobId(), request.getSlots(), restart);
    }, allocations -> {
      AllocateSlotsResponse.Builder response = AllocateSlotsResponse.newBuilder();
      allocations.forEach(a -> response.addAllocations(ProtoConversions.toProto(a)));
      return response.build();
    });
  }

  @Override
  public void releaseAllocation(ReleaseAllocationRequest request, StreamObserver<ReleaseAllocationResponse> observer) {
    ResourceManagerGatewayService.answer(observer, () -> {
      WireValidation.check(request);
      return resourceManager.releaseAllocation(request.getAllocationId());
    }, ignored -> ReleaseAllocationResponse.getDefaultInstance());
  }

  @Override
  public void watchAllocations(WatchAllocationsRequest request, StreamObserver<AllocationEvent> observer) {
    try {
      WireValidation.check(request);
    } catch (StatusRuntimeException e) {
      observer.onError(e);
      return;
    }
    ServerCallStreamObserver<AllocationEvent> call = (ServerCallStreamObserver<AllocationEvent>) observer;
    // The cancel handler must be set before this method returns; the subscription arrives later.
    AtomicReference<Runnable> unsubscribe = new AtomicReference<>();
    AtomicBoolean cancelled = new AtomicBoolean();
    call.setOnCancelHandler(() -> {
      cancelled.set(true);
      Runnable u = unsubscribe.getAndSet(null);
      if (u != null) {
        u.run();
      }
    });
    long afterSeq = request.hasAfterSeq() ? Math.max(0, request.getAfterSeq()) : -1;
    resourceManager.watchAllocations(request.getJobId(), afterSeq, update -> {
      if (!cancelled.get()) {
        call.onNext(ProtoConversions.toProto(update));
      }
    }).whenComplete((subscription, failure) -> {
      if (failure != null) {
        call.onError(GrpcStatuses.of(failure));
        return;
      }
      unsubscribe.set(subscription);
      if (cancelled.get() && unsubscribe.compareAndSet(subscription, null)) {
        subscription.run();
      }
    });
  }
}
