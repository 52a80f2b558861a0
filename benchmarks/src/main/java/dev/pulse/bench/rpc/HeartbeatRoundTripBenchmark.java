package dev.pulse.bench.rpc;

import dev.pulse.heartbeat.HeartbeatConfig;
import dev.pulse.heartbeat.HeartbeatListener;
import dev.pulse.heartbeat.HeartbeatManager;
import dev.pulse.heartbeat.HeartbeatServices;
import dev.pulse.heartbeat.HeartbeatTarget;
import dev.pulse.heartbeat.ResourceId;
import dev.pulse.heartbeat.time.MainThreadExecutor;
import dev.pulse.heartbeat.time.MonotonicClock;
import dev.pulse.proto.v1.FencingToken;
import dev.pulse.proto.v1.HeartbeatRequest;
import dev.pulse.proto.v1.HeartbeatResponse;
import dev.pulse.proto.v1.SlotReport;
import dev.pulse.proto.v1.SlotState;
import dev.pulse.proto.v1.SlotStatus;
import dev.pulse.proto.v1.TaskExecutorGatewayGrpc;
import dev.pulse.proto.v1.TaskExecutorIdentity;
import dev.pulse.rpc.ChannelLease;
import dev.pulse.rpc.ChannelPool;
import dev.pulse.rpc.GrpcHeartbeatTarget;
import dev.pulse.rpc.RpcConfig;
import dev.pulse.rpc.RpcServer;
import dev.pulse.rpc.RpcTransport;
import dev.pulse.te.TaskSlot;
import dev.pulse.te.grpc.TaskExecutorGatewayService;
import io.grpc.stub.StreamObserver;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Latency of one heartbeat round trip on loopback through Pulse's gRPC adapter, next to a bare gRPC
 * unary call of the same messages on a channel with the same settings.
 *
 * <ul>
 *   <li>{@link #heartbeatRoundTrip}: {@link GrpcHeartbeatTarget#requestHeartbeat} -> network ->
 *       the task executor's {@link TaskExecutorGatewayService} (validation, hop to the TE's main thread, identity and
 *       fencing checks, {@code receiveHeartbeat} on the TE's heartbeat manager, slot report) ->
 *       network -> answer checked, hop to the RM's main thread, {@code receiveHeartbeat} on the RM's
 *       heartbeat manager -> future completes.
 *   <li>{@link #bareGrpcPing}: the same request to a trivial {@code TaskExecutorGateway} that answers
 *       a prebuilt response on the gRPC thread; the client completes a future in {@code onCompleted}.
 * </ul>
 * The difference is the cost of the adapter: validation, two main-thread hops and the core's work.
 * Both servers share one {@link RpcTransport} and both channels come from one {@link ChannelPool},
 * so transport, executor and channel settings are identical. No TLS, no token.
 *
 * <p>Run: {@code java -jar benchmarks/target/benchmarks.jar HeartbeatRoundTripBenchmark}. Sample
 * time mode reports percentiles (p0.50, p0.99) per benchmark. One JMH thread: each sample is one call
 * on an otherwise idle channel, i.e. latency, not throughput.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
// Logback's default is DEBUG to the console; Netty would log every frame of the measured calls.
@Fork(value = 1, jvmArgsAppend = "-Dlogback.configurationFile=dev/pulse/bench/rpc/logback-quiet.xml")
public class HeartbeatRoundTripBenchmark {

  private static final ResourceId RM_ID = ResourceId.of("rm-1");
  private static final ResourceId TE_ID = ResourceId.of("te-1");
  private static final String INSTANCE_ID = "5b0e64d5-0000-4000-8000-000000000001";
  private static final FencingToken TOKEN =
      FencingToken.newBuilder().setResourceManagerId(RM_ID.value()).setLeaderEpoch(1).build();
  private static final TaskExecutorIdentity IDENTITY =
      TaskExecutorIdentity.newBuilder().setResourceId(TE_ID.value()).setInstanceId(INSTANCE_ID).build();
  /** Four slots, two of them allocated: a typical small task executor. */
  private static final SlotReport SLOTS = slots(4);
  /** {@link #SLOTS} in the task executor's own terms, as its gateway service reads it. */
  private static final dev.pulse.te.SlotReport TE_SLOTS = teSlots(4);
  private static final dev.pulse.te.FencingToken TE_TOKEN = new dev.pulse.te.FencingToken(RM_ID.value(), 1);
  /** The sender's own requests are rare (one a minute): the benchmark drives the calls. */
  private static final HeartbeatConfig CONFIG = HeartbeatConfig.of(Duration.ofMinutes(1), Duration.ofMinutes(10));

  private ScheduledExecutorService rmScheduler;
  private ScheduledExecutorService teScheduler;
  private HeartbeatManager<SlotReport, Void> rmManager;
  private HeartbeatManager<Void, Void> teManager;
  private RpcTransport transport;
  private RpcServer teServer;
  private RpcServer pingServer;
  private ChannelPool channels;
  private GrpcHeartbeatTarget<SlotReport> target;
  private ChannelLease pingLease;
  private TaskExecutorGatewayGrpc.TaskExecutorGatewayStub pingStub;
  private HeartbeatRequest pingRequest;

  @Setup(Level.Trial)
  public void setUp() throws Exception {
    rmScheduler = Executors.newSingleThreadScheduledExecutor(r -> daemon(r, "rm-main"));
    teScheduler = Executors.newSingleThreadScheduledExecutor(r -> daemon(r, "te-main"));
    MainThreadExecutor rmMain = MainThreadExecutor.wrap(rmScheduler, BenchClock.INSTANCE);
    MainThreadExecutor teMain = MainThreadExecutor.wrap(teScheduler, BenchClock.INSTANCE);
    HeartbeatServices services = HeartbeatServices.of(CONFIG);
    rmManager = services.createHeartbeatManagerSender(RM_ID, new QuietListener<>(), rmMain);
    teManager = services.createHeartbeatManager(TE_ID, new QuietListener<>(), teMain);
    onThread(teScheduler, () -> teManager.monitorTarget(RM_ID, HeartbeatTarget.noOp()));

    transport = RpcTransport.create(RpcConfig.DEFAULTS, "bench");
    InetSocketAddress loopback = new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);
    teServer = RpcServer.builder(transport, loopback)
        .addService(TaskExecutorGatewayService.builder()
            .identity(TE_ID, INSTANCE_ID)
            .mainThread(teMain)
            .heartbeatManager(teManager)
            .acceptedToken(() -> TE_TOKEN)
            .slotReport(() -> TE_SLOTS)
            .build())
        .start();
    pingServer = RpcServer.builder(transport, loopback).addService(new BarePing()).start();

    channels = new ChannelPool(transport);
    GrpcHeartbeatTarget.Factory<SlotReport> targets = new GrpcHeartbeatTarget.Factory<>(channels, TOKEN, CONFIG,
        report -> report, rmManager::receiveHeartbeat, rmMain);
    target = targets.create(TE_ID, INSTANCE_ID, "127.0.0.1:" + teServer.port());
    onThread(rmScheduler, () -> rmManager.monitorTarget(TE_ID, target));

    pingLease = channels.acquire("127.0.0.1:" + pingServer.port());
    pingStub = TaskExecutorGatewayGrpc.newStub(pingLease.channel()).withExecutor(Runnable::run);
    pingRequest = HeartbeatRequest.newBuilder().setFencingToken(TOKEN).setTaskExecutor(IDENTITY).build();

    // Both paths connect before measuring.
    heartbeatRoundTrip();
    bareGrpcPing();
  }

  @TearDown(Level.Trial)
  public void tearDown() throws Exception {
    onThread(rmScheduler, rmManager::stop);
    onThread(teScheduler, teManager::stop);
    target.close();
    pingLease.close();
    channels.close();
    teServer.close();
    pingServer.close();
    transport.close();
    rmScheduler.shutdownNow();
    teScheduler.shutdownNow();
  }

  @Benchmark
  public Void heartbeatRoundTrip() {
    return target.requestHeartbeat(RM_ID, null).join();
  }

  @Benchmark
  public HeartbeatResponse bareGrpcPing() {
    Answer answer = new Answer();
    pingStub.withDeadlineAfter(CONFIG.interval().toNanos(), TimeUnit.NANOSECONDS).requestHeartbeat(pingRequest, answer);
    return answer.future.join();
  }

  private static SlotReport slots(int n) {
    SlotReport.Builder report = SlotReport.newBuilder();
    for (int i = 0; i < n; i++) {
      SlotStatus.Builder slot = SlotStatus.newBuilder().setSlotIndex(i);
      if (i % 2 == 0) {
        slot.setState(SlotState.SLOT_STATE_ALLOCATED).setAllocationId("alloc-" + i).setJobId("job-1");
      } else {
        slot.setState(SlotState.SLOT_STATE_FREE);
      }
      report.addSlots(slot);
    }
    return report.build();
  }

  private static dev.pulse.te.SlotReport teSlots(int n) {
    List<TaskSlot> slots = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      slots.add(i % 2 == 0 ? new TaskSlot(i, "alloc-" + i, "job-1") : TaskSlot.free(i));
    }
    return new dev.pulse.te.SlotReport(slots);
  }

  private static Thread daemon(Runnable r, String name) {
    Thread t = new Thread(r, name);
    t.setDaemon(true);
    return t;
  }

  private static void onThread(ScheduledExecutorService executor, Runnable task) throws Exception {
    executor.submit(task).get(10, TimeUnit.SECONDS);
  }

  /** Answers every heartbeat at once on the gRPC thread with a prebuilt response. */
  private static final class BarePing extends TaskExecutorGatewayGrpc.TaskExecutorGatewayImplBase {
    private final HeartbeatResponse response =
        HeartbeatResponse.newBuilder().setTaskExecutor(IDENTITY).setSlotReport(SLOTS).build();

    @Override
    public void requestHeartbeat(HeartbeatRequest request, StreamObserver<HeartbeatResponse> observer) {
      observer.onNext(response);
      observer.onCompleted();
    }
  }

  /** The client side of one bare call. */
  private static final class Answer implements StreamObserver<HeartbeatResponse> {
    final CompletableFuture<HeartbeatResponse> future = new CompletableFuture<>();
    private HeartbeatResponse response;

    @Override
    public void onNext(HeartbeatResponse value) {
      response = value;
    }

    @Override
    public void onError(Throwable t) {
      future.completeExceptionally(t);
    }

    @Override
    public void onCompleted() {
      future.complete(response);
    }
  }

  private static final class QuietListener<I, O> implements HeartbeatListener<I, O> {
    @Override
    public void notifyHeartbeatTimeout(ResourceId resourceId) {}

    @Override
    public void notifyTargetUnreachable(ResourceId resourceId) {}

    @Override
    public void reportPayload(ResourceId resourceId, I payload) {}

    @Override
    public O retrievePayload(ResourceId resourceId) {
      return null;
    }
  }

  /**
   * The system's monotonic clock, positive. Stands in for {@code MonotonicClock.system()}, which fails
   * to initialise on the heartbeat-core commit this branch is based on (fixed on main).
   */
  private enum BenchClock implements MonotonicClock {
    INSTANCE;

    private final long origin = System.nanoTime() - 1;

    @Override
    public long nanoTime() {
      return System.nanoTime() - origin;
    }
  }
}
