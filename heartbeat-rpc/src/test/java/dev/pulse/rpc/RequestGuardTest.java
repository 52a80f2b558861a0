package dev.pulse.rpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.pulse.proto.v1.AllocateSlotsRequest;
import dev.pulse.proto.v1.AllocateSlotsResponse;
import dev.pulse.proto.v1.AllocationEvent;
import dev.pulse.proto.v1.SlotPoolGrpc;
import dev.pulse.proto.v1.WatchAllocationsRequest;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What the guard does to well-formed calls: a service's answer too long for the trailers is cut, not
 * turned into {@code INTERNAL}; a client's cancellation still reaches a streaming service.
 */
class RequestGuardTest {

  private final Closer closer = new Closer();
  private final CompletableFuture<Void> watchStarted = new CompletableFuture<>();
  private final CompletableFuture<Void> watchCancelled = new CompletableFuture<>();
  private Channel channel;

  @BeforeEach
  void start() {
    RpcTransport transport = closer.register(RpcTransport.create(RpcConfig.DEFAULTS, "server", 1));
    RpcServer server = closer.register(RpcServer.builder(transport,
        new InetSocketAddress(InetAddress.getLoopbackAddress(), 0)).addService(new TestSlotPool()).start());
    RpcTransport client = closer.register(RpcTransport.create(RpcConfig.DEFAULTS, "client", 1));
    ChannelPool channels = closer.register(new ChannelPool(client));
    channel = closer.register(channels.acquire("127.0.0.1:" + server.port())).channel();
  }

  @AfterEach
  void closeAll() {
    closer.close();
  }

  @Test
  void descriptionTooLongForTheTrailers_cut_codeKept() {
    StatusRuntimeException e = catchThrowableOfType(StatusRuntimeException.class,
        () -> SlotPoolGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS)
            .allocateSlots(AllocateSlotsRequest.newBuilder().setJobId("job-1").setSlots(1).build()));

    assertThat(e.getStatus().getCode()).as(e.getStatus().toString()).isEqualTo(Status.Code.FAILED_PRECONDITION);
    assertThat(e.getStatus().getDescription()).isEqualTo("d".repeat(RequestGuard.MAX_DESCRIPTION) + "...");
  }

  @Test
  void clientCancelsAStream_serviceHearsIt() throws Exception {
    ClientCall<WatchAllocationsRequest, AllocationEvent> call =
        channel.newCall(SlotPoolGrpc.getWatchAllocationsMethod(), CallOptions.DEFAULT);
    call.start(new ClientCall.Listener<>() {}, new Metadata());
    call.request(1);
    call.sendMessage(WatchAllocationsRequest.newBuilder().setJobId("job-1").build());
    call.halfClose();
    watchStarted.get(10, TimeUnit.SECONDS);

    call.cancel("the test is done watching", null);

    watchCancelled.get(10, TimeUnit.SECONDS);
  }

  private final class TestSlotPool extends SlotPoolGrpc.SlotPoolImplBase {
    @Override
    public void allocateSlots(AllocateSlotsRequest request, StreamObserver<AllocateSlotsResponse> observer) {
      // 20,000 characters: more than the 8 KiB of trailers a client accepts by default.
      observer.onError(Status.FAILED_PRECONDITION.withDescription("d".repeat(20_000)).asRuntimeException());
    }

    @Override
    public void watchAllocations(WatchAllocationsRequest request, StreamObserver<AllocationEvent> observer) {
      ((ServerCallStreamObserver<AllocationEvent>) observer).setOnCancelHandler(() -> watchCancelled.complete(null));
      watchStarted.complete(null);
    }
  }
}
