package dev.pulse.rm.grpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.pulse.config.Settings;
import dev.pulse.heartbeat.HeartbeatConfig;
import dev.pulse.heartbeat.HeartbeatListener;
import dev.pulse.heartbeat.HeartbeatManager;
import dev.pulse.heartbeat.HeartbeatServices;
import dev.pulse.heartbeat.ResourceId;
import dev.pulse.heartbeat.time.ScheduledMainThreadExecutor;
import dev.pulse.proto.v1.AllocateSlotsRequest;
import dev.pulse.proto.v1.AllocateSlotsResponse;
import dev.pulse.proto.v1.AllocationEvent;
import dev.pulse.proto.v1.AllocationEventType;
import dev.pulse.proto.v1.FencingToken;
import dev.pulse.proto.v1.FreeSlotRequest;
import dev.pulse.proto.v1.FreeSlotResponse;
import dev.pulse.proto.v1.HeartbeatRequest;
import dev.pulse.proto.v1.HeartbeatResponse;
import dev.pulse.proto.v1.OpenHeartbeatStreamRequest;
import dev.pulse.proto.v1.OpenHeartbeatStreamResponse;
import dev.pulse.proto.v1.RegisterTaskExecutorRequest;
import dev.pulse.proto.v1.RegisterTaskExecutorResponse;
import dev.pulse.proto.v1.RequestSlotRequest;
import dev.pulse.proto.v1.RequestSlotResponse;
import dev.pulse.proto.v1.ResourceManagerGatewayGrpc;
import dev.pulse.proto.v1.SlotPoolGrpc;
import dev.pulse.proto.v1.SlotReport;
import dev.pulse.proto.v1.SlotState;
import dev.pulse.proto.v1.SlotStatus;
import dev.pulse.proto.v1.TaskExecutorIdentity;
import dev.pulse.proto.v1.WatchAllocationsRequest;
import dev.pulse.rm.Allocation;
import dev.pulse.rm.AllocationUpdate;
import dev.pulse.rm.EventType;
import dev.pulse.rm.LossReason;
import dev.pulse.rm.ResourceManager;
import dev.pulse.rm.ResourceManagerEvent;
import dev.pulse.rm.RestartPolicy;
import dev.pulse.rm.server.ResourceManagerServer;
import dev.pulse.rpc.RpcConfig;
import dev.pulse.rpc.RpcServer;
import dev.pulse.rpc.RpcTransport;
import dev.pulse.rpc.TestingTaskExecutorGateway;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The resource manager's gRPC services end to end on loopback: a task executor (heartbeat-rpc's
 * gateway service with a two-slot table kept in the test) registers, is heartbeated, gets a slot
 * through {@code SlotPool}, and is lost as unreachable when its server goes away; the job's
 * {@code WatchAllocations} stream hears both.
 */
class ResourceManagerGrpcTest {

  private ResourceManagerServer server;
  private ResourceManager rm;
  private ManagedChannel channel;
  private final ScheduledMainThreadExecutor teMain = new ScheduledMainThreadExecutor("test-te-main");
  private RpcTransport teTransport;
  private RpcServer teServer;
  private final String[] slots = new String[2];
  private volatile FencingToken accepted;

  @BeforeEach
  void setUp() {
    server = ResourceManagerServer.builder()
        .settings(Settings.of("heartbeat.interval", "100 ms", "heartbeat.timeout", "3 s",
            "heartbeat.rpc-failure-threshold", "2", "resourcemanager.rpc.port", "0", "rest.port", "0"))
        .serveRest(false)
        .build()
        .start();
    rm = server.resourceManager();
    channel = ManagedChannelBuilder.forAddress("127.0.0.1", server.rpcAddress().getPort()).usePlaintext().build();
  }

  @AfterEach
  void tearDown() throws InterruptedException {
    if (teServer != null) {
      teServer.close();
    }
    if (teTransport != null) {
      teTransport.close();
    }
    teMain.close();
    channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    server.close();
  }

  @Test
  void registerHeartbeatAllocateAndLose_overGrpc() {
    String teAddress = startTaskExecutor("te-1", "instance-1");
    RegisterTaskExecutorResponse registered = register("te-1", "instance-1", teAddress, false);
    accepted = registered.getFencingToken();
    assertThat(accepted.getResourceManagerId()).isEqualTo(rm.id());
    // This peer sends no slot report after registering: its first heartbeat answer confirms it.
    awaitActive("te-1");
    assertThat(rm.overview().slotsTotal()).isEqualTo(2);

    List<AllocationEvent> watched = new CopyOnWriteArrayList<>();
    SlotPoolGrpc.newStub(channel).watchAllocations(WatchAllocationsRequest.newBuilder().setJobId("job-1").build(),
        collect(watched));
    // Whether the watch begins before or after the allocation, it reports it exactly once.
    AllocateSlotsResponse allocated = SlotPoolGrpc.newBlockingStub(channel)
        .allocateSlots(AllocateSlotsRequest.newBuilder().setJobId("job-1").setSlots(1).build());
    assertThat(allocated.getAllocationsList()).singleElement()
        .satisfies(a -> assertThat(a.getTaskExecutorId()).isEqualTo("te-1"));
    await().atMost(Duration.ofSeconds(10)).until(() -> !watched.isEmpty());
    assertThat(slots).containsOnlyOnce(watched.get(0).getAllocation().getAllocationId());
    assertThat(watched.get(0).getType()).isEqualTo(AllocationEventType.ALLOCATION_EVENT_TYPE_ALLOCATED);

    assertThatThrownBy(() -> SlotPoolGrpc.newBlockingStub(channel)
        .allocateSlots(AllocateSlotsRequest.newBuilder().setJobId("job-1").setSlots(5).build()))
        .isInstanceOfSatisfying(StatusRuntimeException.class,
            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED));

    teServer.close();
    await().atMost(Duration.ofSeconds(10)).until(() -> rm.events(0, 100).stream()
        .anyMatch(e -> e.type() == EventType.TASK_EXECUTOR_LOST));
    ResourceManagerEvent lost = rm.events(0, 100).stream()
        .filter(e -> e.type() == EventType.TASK_EXECUTOR_LOST).findFirst().orElseThrow();
    assertThat(lost.reason()).isEqualTo(LossReason.UNREACHABLE);
    await().atMost(Duration.ofSeconds(10)).until(() -> watched.size() == 2);
    assertThat(watched.get(1).getType()).isEqualTo(AllocationEventType.ALLOCATION_EVENT_TYPE_LOST);
    assertThat(watched.get(1).getReason()).isEqualTo(dev.pulse.proto.v1.LossReason.LOSS_REASON_UNREACHABLE);
    assertThat(rm.overview().taskExecutors()).isZero();
  }

  @Test
  void aPeerThatOnlyServesItsGateway_isNotAskedForAStream_andIsCalledForHeartbeats() {
    String teAddress = startTaskExecutor("te-1", "instance-1");

    RegisterTaskExecutorResponse registered = register("te-1", "instance-1", teAddress, false);
    accepted = registered.getFencingToken();

    assertThat(registered.getOpenHeartbeatStream()).isFalse();
    awaitActive("te-1");
  }

  @Test
  void aPeerThatOpensTheHeartbeatStream_isAskedTo_andHeartbeatedOnIt_whileAStaleRegistrationIsRefused()
      throws Exception {
    // A gateway that is never called for heartbeats: the stream below confirms the registration on its own.
    String teAddress = startTaskExecutor("te-1", "instance-1");
    RegisterTaskExecutorResponse registered = register("te-1", "instance-1", teAddress, true);
    assertThat(registered.getOpenHeartbeatStream()).isTrue();

    BlockingQueue<OpenHeartbeatStreamResponse> requests = new LinkedBlockingQueue<>();
    CompletableFuture<Status> ended = new CompletableFuture<>();
    StreamObserver<OpenHeartbeatStreamRequest> up = ResourceManagerGatewayGrpc.newStub(channel)
        .openHeartbeatStream(collect(requests, ended));
    TaskExecutorIdentity identity = TaskExecutorIdentity.newBuilder().setResourceId("te-1")
        .setInstanceId("instance-1").build();
    up.onNext(OpenHeartbeatStreamRequest.newBuilder().setRegistrationId(registered.getRegistrationId())
        .setTaskExecutor(identity).build());
    OpenHeartbeatStreamResponse message = requests.poll(10, TimeUnit.SECONDS);
    assertThat(message).as("a heartbeat request down the stream").isNotNull();
    HeartbeatRequest request = message.getHeartbeat();
    assertThat(request.getFencingToken()).isEqualTo(registered.getFencingToken());
    assertThat(request.getTaskExecutor()).isEqualTo(identity);
    up.onNext(OpenHeartbeatStreamRequest.newBuilder().setSequence(message.getSequence())
        .setHeartbeat(HeartbeatResponse.newBuilder().setTaskExecutor(identity).setSlotReport(report())).build());

    awaitActive("te-1");
    assertThat(rm.overview().slotsTotal()).isEqualTo(2);

    CompletableFuture<Status> staleEnded = new CompletableFuture<>();
    ResourceManagerGatewayGrpc.newStub(channel).openHeartbeatStream(collect(new ArrayList<>(), staleEnded))
        .onNext(OpenHeartbeatStreamRequest.newBuilder().setRegistrationId("an-old-registration")
        .setTaskExecutor(identity).build());
    assertThat(staleEnded.get(10, TimeUnit.SECONDS).getCode()).isEqualTo(Status.Code.FAILED_PRECONDITION);

    up.onCompleted();
    assertThat(ended.get(10, TimeUnit.SECONDS).getCode()).as("the RM completes a stream the TE closed")
        .isEqualTo(Status.Code.OK);
  }

  private RegisterTaskExecutorResponse register(String id, String instance, String address, boolean opensStream) {
    return ResourceManagerGatewayGrpc.newBlockingStub(channel).registerTaskExecutor(RegisterTaskExecutorRequest
        .newBuilder().setTaskExecutor(TaskExecutorIdentity.newBuilder().setResourceId(id).setInstanceId(instance))
        .setRpcAddress(address).setNumberOfSlots(2).setSlotReport(report()).setOpensHeartbeatStream(opensStream)
        .build());
  }

  @Test
  void restartPolicy_overSlotPool_theWatchCarriesTheFailure_andABadPolicyIsRefusedNamingTheField() {
    String teAddress = startTaskExecutor("te-1", "instance-1");
    accepted = register("te-1", "instance-1", teAddress, false).getFencingToken();
    awaitActive("te-1");
    assertThatThrownBy(() -> SlotPoolGrpc.newBlockingStub(channel).allocateSlots(AllocateSlotsRequest.newBuilder()
        .setJobId("job-1").setSlots(1).setRestart(dev.pulse.proto.v1.RestartPolicy.newBuilder().setMaxAttempts(0))
        .build()))
        .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
          assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
          assertThat(e.getStatus().getDescription()).startsWith("restart.maxAttempts: ");
        });
    assertThatThrownBy(() -> SlotPoolGrpc.newBlockingStub(channel).allocateSlots(AllocateSlotsRequest.newBuilder()
        .setJobId("job-1").setSlots(1).setRestart(dev.pulse.proto.v1.RestartPolicy.newBuilder()).build()))
        .isInstanceOfSatisfying(StatusRuntimeException.class,
            e -> assertThat(e.getStatus().getDescription()).startsWith("restart.max_attempts: missing"));

    AllocateSlotsResponse allocated = SlotPoolGrpc.newBlockingStub(channel).allocateSlots(AllocateSlotsRequest
        .newBuilder().setJobId("job-1").setSlots(1)
        .setRestart(dev.pulse.proto.v1.RestartPolicy.newBuilder().setMaxAttempts(1)).build());
    assertThat(allocated.getAllocations(0).getAttempt()).isEqualTo(1);
    List<AllocationEvent> watched = new CopyOnWriteArrayList<>();
    SlotPoolGrpc.newStub(channel).watchAllocations(WatchAllocationsRequest.newBuilder().setJobId("job-1")
        .setAfterSeq(rm.lastEvent().seq()).build(), collect(watched));
    teServer.close();

    await().atMost(Duration.ofSeconds(10)).until(() -> !watched.isEmpty());
    assertThat(watched).singleElement().satisfies(e -> {
      assertThat(e.getType()).isEqualTo(AllocationEventType.ALLOCATION_EVENT_TYPE_FAILED);
      assertThat(e.getReason()).isEqualTo(dev.pulse.proto.v1.LossReason.LOSS_REASON_ATTEMPTS_EXHAUSTED);
      assertThat(e.getAllocation().getAllocationId()).isEqualTo(allocated.getAllocations(0).getAllocationId());
      assertThat(e.getAllocation().hasSlotIndex()).isFalse();
    });
  }

  @Test
  void movedUpdate_onTheWire_namesBothTaskExecutors() {
    Allocation moved = new Allocation("a-1", "job-1", "te-2", 1, Allocation.State.ALLOCATED, 5, 2,
        RestartPolicy.ofAttempts(3));
    AllocationEvent e = ProtoConversions.toProto(new AllocationUpdate(9, EventType.ALLOCATION_MOVED, moved,
        LossReason.UNREACHABLE, 7, "moved", "te-1"));

    assertThat(e.getType()).isEqualTo(AllocationEventType.ALLOCATION_EVENT_TYPE_MOVED);
    assertThat(e.getFromTaskExecutorId()).isEqualTo("te-1");
    assertThat(e.getAllocation().getTaskExecutorId()).isEqualTo("te-2");
    assertThat(e.getAllocation().getAttempt()).isEqualTo(2);
    assertThat(e.getReason()).isEqualTo(dev.pulse.proto.v1.LossReason.LOSS_REASON_UNREACHABLE);
  }

  @Test
  void malformedRegistration_isRefusedNamingTheField_andChangesNothing() {
    var stub = ResourceManagerGatewayGrpc.newBlockingStub(channel);
    assertThatThrownBy(() -> stub.registerTaskExecutor(RegisterTaskExecutorRequest.newBuilder()
        .setTaskExecutor(TaskExecutorIdentity.newBuilder().setResourceId("te 1").setInstanceId("i"))
        .setRpcAddress("127.0.0.1:1").setNumberOfSlots(1).build()))
        .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
          assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
          assertThat(e.getStatus().getDescription()).contains("resource_id");
        });
    assertThatThrownBy(() -> stub.registerTaskExecutor(RegisterTaskExecutorRequest.newBuilder()
        .setTaskExecutor(TaskExecutorIdentity.newBuilder().setResourceId("te-1").setInstanceId("i"))
        .setRpcAddress("127.0.0.1:1").setNumberOfSlots(0).build()))
        .isInstanceOfSatisfying(StatusRuntimeException.class,
            e -> assertThat(e.getStatus().getDescription()).contains("number_of_slots"));
    assertThat(rm.overview().taskExecutors()).isZero();
    // A loaded build machine may pause the main thread (LOCAL_PAUSE_DETECTED): not a change the calls made.
    assertThat(rm.events(0, 10)).allMatch(e -> e.type() == EventType.LOCAL_PAUSE_DETECTED);
  }

  @Test
  void hugeRpcAddress_invalidArgumentNamingTheField_notInternal() {
    RegisterTaskExecutorRequest request = RegisterTaskExecutorRequest.newBuilder()
        .setTaskExecutor(TaskExecutorIdentity.newBuilder().setResourceId("te-1").setInstanceId("i"))
        .setRpcAddress("h".repeat(8000) + ":80").setNumberOfSlots(2).setSlotReport(report()).build();

    assertThatThrownBy(() -> ResourceManagerGatewayGrpc.newBlockingStub(channel).registerTaskExecutor(request))
        .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
          assertThat(e.getStatus().getCode()).as(e.getStatus().toString()).isEqualTo(Status.Code.INVALID_ARGUMENT);
          assertThat(e.getStatus().getDescription()).startsWith("rpc_address: '" + "h".repeat(64) + "...'")
              .hasSizeLessThan(200);
        });
    assertThat(rm.overview().taskExecutors()).isZero();
  }

  private void awaitActive(String taskExecutorId) {
    await().atMost(Duration.ofSeconds(10)).until(() -> rm.taskExecutor(taskExecutorId).join()
        .map(te -> te.state().equals("ACTIVE")).orElse(false));
  }

  /** Starts a task executor's gateway on loopback; returns its host:port. */
  private String startTaskExecutor(String id, String instance) {
    HeartbeatManager<Void, Void> rmWatch = HeartbeatServices.of(HeartbeatConfig.of(Duration.ofMillis(100),
        Duration.ofSeconds(3))).createHeartbeatManager(ResourceId.of(id), new QuietListener(), teMain);
    TestingTaskExecutorGateway service = TestingTaskExecutorGateway.builder()
        .identity(ResourceId.of(id), instance)
        .mainThread(teMain)
        .heartbeatManager(rmWatch)
        .acceptedToken(() -> accepted)
        .slotReport(this::report)
        .operations(new TestingTaskExecutorGateway.Operations() {
          @Override
          public CompletableFuture<RequestSlotResponse> requestSlot(RequestSlotRequest r) {
            slots[r.getSlotIndex()] = r.getAllocationId();
            return CompletableFuture.completedFuture(RequestSlotResponse.newBuilder().setSlotReport(report()).build());
          }

          @Override
          public CompletableFuture<FreeSlotResponse> freeSlot(FreeSlotRequest r) {
            for (int i = 0; i < slots.length; i++) {
              if (r.getAllocationId().equals(slots[i])) {
                slots[i] = null;
              }
            }
            return CompletableFuture.completedFuture(FreeSlotResponse.newBuilder().setSlotReport(report()).build());
          }
        })
        .build();
    teTransport = RpcTransport.create(RpcConfig.DEFAULTS, "te");
    teServer = RpcServer.builder(teTransport, new InetSocketAddress("127.0.0.1", 0)).addService(service).start();
    return "127.0.0.1:" + teServer.port();
  }

  private SlotReport report() {
    SlotReport.Builder b = SlotReport.newBuilder();
    for (int i = 0; i < slots.length; i++) {
      SlotStatus.Builder s = SlotStatus.newBuilder().setSlotIndex(i);
      if (slots[i] == null) {
        s.setState(SlotState.SLOT_STATE_FREE);
      } else {
        s.setState(SlotState.SLOT_STATE_ALLOCATED).setAllocationId(slots[i]).setJobId("job-1");
      }
      b.addSlots(s);
    }
    return b.build();
  }

  private static <T> StreamObserver<T> collect(Collection<T> into) {
    return collect(into, new CompletableFuture<>());
  }

  /** Collects a stream's messages into {@code into} and completes {@code end} with the status it ends with. */
  private static <T> StreamObserver<T> collect(Collection<T> into, CompletableFuture<Status> end) {
    return new StreamObserver<>() {
      @Override
      public void onNext(T value) {
        into.add(value);
      }

      @Override
      public void onError(Throwable t) {
        end.complete(Status.fromThrowable(t));
      }

      @Override
      public void onCompleted() {
        end.complete(Status.OK);
      }
    };
  }

  private static final class QuietListener implements HeartbeatListener<Void, Void> {
    @Override
    public void notifyHeartbeatTimeout(ResourceId resourceId) {}

    @Override
    public void notifyTargetUnreachable(ResourceId resourceId) {}

    @Override
    public void reportPayload(ResourceId resourceId, Void payload) {}

    @Override
    public Void retrievePayload(ResourceId resourceId) {
      return null;
    }
  }
}
