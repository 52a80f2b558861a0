package dev.pulse.te.grpc;

import dev.pulse.heartbeat.HeartbeatConfig;
import dev.pulse.heartbeat.HeartbeatManager;
import dev.pulse.heartbeat.HeartbeatServices;
import dev.pulse.heartbeat.HeartbeatTarget;
import dev.pulse.heartbeat.ResourceId;
import dev.pulse.heartbeat.TestingHeartbeatListener;
import dev.pulse.heartbeat.time.ScheduledMainThreadExecutor;
import dev.pulse.rpc.RpcConfig;
import dev.pulse.rpc.RpcServer;
import dev.pulse.rpc.RpcTransport;
import dev.pulse.te.FencingToken;
import dev.pulse.te.SlotReport;
import dev.pulse.te.TaskSlot;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * A {@link TaskExecutorGatewayService} on a loopback {@link RpcServer}, wired as the task executor
 * wires it: a real main thread and a receiving heartbeat manager that monitors the resource manager.
 * It follows {@link #TOKEN} unless a test changes {@link #acceptedToken}.
 */
final class GatewaySide implements AutoCloseable {

  static final ResourceId RM_ID = ResourceId.of("rm-1");
  /** The token the resource manager's calls carry, on the wire. */
  static final dev.pulse.proto.v1.FencingToken TOKEN =
      dev.pulse.proto.v1.FencingToken.newBuilder().setResourceManagerId(RM_ID.value()).setLeaderEpoch(3).build();
  /** Slot 0 allocated to job-1, slot 1 free. */
  static final SlotReport SLOTS = new SlotReport(List.of(new TaskSlot(0, "alloc-1", "job-1"), TaskSlot.free(1)));
  /** {@link #SLOTS} on the wire. */
  static final dev.pulse.proto.v1.SlotReport SLOTS_WIRE = ProtoConversions.toProto(SLOTS);

  final ScheduledMainThreadExecutor main;
  final TestingHeartbeatListener<Void, Void> listener = TestingHeartbeatListener.recording();
  final HeartbeatManager<Void, Void> manager;
  final RpcTransport transport;
  final RpcServer server;
  volatile FencingToken acceptedToken = ProtoConversions.toDomain(TOKEN);
  /** Tokens of refused calls from the followed resource manager at a newer epoch, in order. */
  final java.util.List<FencingToken> restartsSeen = new java.util.concurrent.CopyOnWriteArrayList<>();

  GatewaySide(String id, String instanceId, HeartbeatConfig config, TaskExecutorOperations operations) {
    this.main = new ScheduledMainThreadExecutor("te-main-" + id);
    this.manager = HeartbeatServices.of(config).createHeartbeatManager(ResourceId.of(id), listener, main);
    onMain(() -> manager.monitorTarget(RM_ID, HeartbeatTarget.noOp()));
    RpcTransport t = null;
    RpcServer s = null;
    try {
      t = RpcTransport.create(RpcConfig.DEFAULTS, "te");
      TaskExecutorGatewayService service = TaskExecutorGatewayService.builder()
          .identity(ResourceId.of(id), instanceId)
          .mainThread(main)
          .heartbeatManager(manager)
          .acceptedToken(() -> acceptedToken)
          .onResourceManagerRestart(restartsSeen::add)
          .slotReport(() -> SLOTS)
          .operations(operations)
          .build();
      s = RpcServer.builder(t, new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))
          .addService(service)
          .start();
    } finally {
      if (s == null) {
        if (t != null) {
          t.close();
        }
        main.close();
      }
    }
    this.transport = t;
    this.server = s;
  }

  String address() {
    return "127.0.0.1:" + server.port();
  }

  /** Nanos on the TE's clock of the last heartbeat from the RM; 0 if none yet. */
  long lastHeartbeatFromRm() {
    CompletableFuture<Long> last = new CompletableFuture<>();
    main.execute(() -> last.complete(manager.getLastHeartbeatFrom(RM_ID)));
    return last.orTimeout(10, TimeUnit.SECONDS).join();
  }

  private void onMain(Runnable task) {
    CompletableFuture<Void> done = new CompletableFuture<>();
    main.execute(() -> {
      task.run();
      done.complete(null);
    });
    done.orTimeout(10, TimeUnit.SECONDS).join();
  }

  @Override
  public void close() {
    try {
      server.close();
      transport.close();
    } finally {
      main.close();
    }
  }
}
