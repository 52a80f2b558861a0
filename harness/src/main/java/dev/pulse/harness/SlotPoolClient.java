package dev.pulse.harness;

import dev.pulse.proto.v1.AllocateSlotsRequest;
import dev.pulse.proto.v1.Allocation;
import dev.pulse.proto.v1.AllocationEvent;
import dev.pulse.proto.v1.ReleaseAllocationRequest;
import dev.pulse.proto.v1.SlotPoolGrpc;
import dev.pulse.proto.v1.WatchAllocationsRequest;
import dev.pulse.rm.RestartPolicy;
import dev.pulse.rpc.ChannelLease;
import dev.pulse.rpc.ChannelPool;
import io.grpc.Context;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * A job's view of a {@link MiniCluster}: the resource manager's {@code SlotPool} gRPC service, with
 * the cluster's token and TLS. Works the same whether the resource manager runs in process or as a
 * child process. Blocking calls have a 10 s deadline and throw {@link StatusRuntimeException}
 * (e.g. {@code RESOURCE_EXHAUSTED} when too few slots are free).
 *
 * <p>Thread-safe. Obtained from {@link MiniCluster#slotPool()}; the cluster closes it.
 */
public final class SlotPoolClient {

  private static final long DEADLINE_SECONDS = 10;

  private final ChannelPool channels;
  private final String address;

  SlotPoolClient(ChannelPool channels, String address) {
    this.channels = channels;
    this.address = address;
  }

  /** Allocates {@code slots} slots for {@code jobId}, all or nothing. */
  public List<Allocation> allocate(String jobId, int slots) {
    try (ChannelLease lease = channels.acquire(address)) {
      return SlotPoolGrpc.newBlockingStub(lease.channel()).withDeadlineAfter(DEADLINE_SECONDS, TimeUnit.SECONDS)
          .allocateSlots(AllocateSlotsRequest.newBuilder().setJobId(jobId).setSlots(slots).build())
          .getAllocationsList();
    }
  }

  /**
   * Allocates {@code slots} slots for {@code jobId}, all or nothing, each placed again on another task executor
   * when its own is lost or leaves, as {@code restart} says (SPEC 10).
   */
  public List<Allocation> allocate(String jobId, int slots, RestartPolicy restart) {
    dev.pulse.proto.v1.RestartPolicy wire = dev.pulse.proto.v1.RestartPolicy.newBuilder()
        .setMaxAttempts(restart.maxAttempts())
        .setBackoffMillis(restart.backoff().toMillis())
        .setDeadlineMillis(restart.deadline().toMillis())
        .build();
    try (ChannelLease lease = channels.acquire(address)) {
      return SlotPoolGrpc.newBlockingStub(lease.channel()).withDeadlineAfter(DEADLINE_SECONDS, TimeUnit.SECONDS)
          .allocateSlots(AllocateSlotsRequest.newBuilder().setJobId(jobId).setSlots(slots).setRestart(wire).build())
          .getAllocationsList();
    }
  }

  /** Releases one allocation. */
  public void release(String allocationId) {
    try (ChannelLease lease = channels.acquire(address)) {
      SlotPoolGrpc.newBlockingStub(lease.channel()).withDeadlineAfter(DEADLINE_SECONDS, TimeUnit.SECONDS)
          .releaseAllocation(ReleaseAllocationRequest.newBuilder().setAllocationId(allocationId).build());
    }
  }

  /**
   * Streams {@code jobId}'s allocation events ({@code WatchAllocations}) until the returned watch is
   * closed: its current allocations first, then every change.
   */
  public Watch watch(String jobId) {
    return new Watch(channels.acquire(address), jobId);
  }

  /**
   * One {@code WatchAllocations} stream; events queue up until taken with {@link #await}. Thread-safe.
   * {@link #close()} cancels the stream.
   */
  public static final class Watch implements AutoCloseable {
    private final ChannelLease lease;
    private final Context.CancellableContext context = Context.current().withCancellation();
    private final BlockingQueue<Object> received = new LinkedBlockingQueue<>();

    private Watch(ChannelLease lease, String jobId) {
      this.lease = lease;
      context.run(() -> SlotPoolGrpc.newStub(lease.channel()).watchAllocations(
          WatchAllocationsRequest.newBuilder().setJobId(jobId).build(), new StreamObserver<>() {
            @Override
            public void onNext(AllocationEvent event) {
              received.add(event);
            }

            @Override
            public void onError(Throwable t) {
              received.add(t);
            }

            @Override
            public void onCompleted() {}
          }));
    }

    /**
     * Takes events in order until one matches {@code predicate}, and returns it; earlier ones are
     * dropped.
     *
     * @throws AssertionError if none arrives within {@code timeout}, or the stream failed
     */
    public AllocationEvent await(Predicate<AllocationEvent> predicate, Duration timeout) {
      long deadline = System.nanoTime() + timeout.toNanos();
      try {
        while (true) {
          Object next = received.poll(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
          if (next == null) {
            throw new AssertionError("no matching allocation event within " + timeout.toMillis() + " ms");
          }
          if (next instanceof Throwable t) {
            throw new AssertionError("the allocation stream failed: " + t, t);
          }
          AllocationEvent event = (AllocationEvent) next;
          if (predicate.test(event)) {
            return event;
          }
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError("interrupted", e);
      }
    }

    @Override
    public void close() {
      context.cancel(null);
      lease.close();
    }
  }
}
