package dev.pulse.rpc;

import dev.pulse.heartbeat.HeartbeatConfig;
import dev.pulse.heartbeat.HeartbeatManager;
import dev.pulse.heartbeat.HeartbeatServices;
import dev.pulse.heartbeat.HeartbeatTarget;
import dev.pulse.heartbeat.ResourceId;
import dev.pulse.heartbeat.TestingHeartbeatListener;
import dev.pulse.heartbeat.time.ScheduledMainThreadExecutor;
import dev.pulse.proto.v1.FencingToken;
import dev.pulse.proto.v1.HeartbeatRequest;
import dev.pulse.proto.v1.SlotReport;
import dev.pulse.proto.v1.SlotState;
import dev.pulse.proto.v1.SlotStatus;
import dev.pulse.proto.v1.TaskExecutorIdentity;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.concurrent.Callable;
import org.assertj.core.api.Assertions;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;

/**
 * The task executor's half of a loopback test, wired as the task executor module will wire it: a real
 * main thread, a receiving heartbeat manager that monitors the resource manager, and a
 * {@link TestingTaskExecutorGateway} (the task executor's own service lives in the task-executor module)
 * on an {@link RpcServer}. It follows {@link RmSide#TOKEN} unless a
 * test changes {@link #acceptedToken}.
 */
final class TeSide implements AutoCloseable {

  /** Slot 0 allocated to job-1, slot 1 free. */
  static final SlotReport SLOTS = SlotReport.newBuilder()
      .addSlots(SlotStatus.newBuilder().setSlotIndex(0).setState(SlotState.SLOT_STATE_ALLOCATED)
          .setAllocationId("alloc-1").setJobId("job-1"))
      .addSlots(SlotStatus.newBuilder().setSlotIndex(1).setState(SlotState.SLOT_STATE_FREE))
      .build();

  final ResourceId id;
  final String instanceId;
  final ScheduledMainThreadExecutor main;
  final TestingHeartbeatListener<Void, Void> listener = TestingHeartbeatListener.recording();
  final HeartbeatManager<Void, Void> manager;
  final RpcTransport transport;
  final RpcServer server;
  final TestingTaskExecutorGateway service;
  volatile FencingToken acceptedToken = RmSide.TOKEN;

  TeSide(String id, String instanceId, HeartbeatConfig config, RpcConfig rpcConfig, int port) {
    this(id, instanceId, config, rpcConfig, port, new TestingTaskExecutorGateway.Operations() {});
  }

  TeSide(String id, String instanceId, HeartbeatConfig config, RpcConfig rpcConfig, int port,
      TestingTaskExecutorGateway.Operations operations) {
    this.id = ResourceId.of(id);
    this.instanceId = instanceId;
    this.main = new ScheduledMainThreadExecutor("te-main-" + id);
    this.manager = HeartbeatServices.of(config).createHeartbeatManager(this.id, listener, main);
    onMain(() -> {
      manager.monitorTarget(RmSide.RM_ID, HeartbeatTarget.noOp());
      return null;
    });
    RpcTransport t = null;
    RpcServer s = null;
    this.service = TestingTaskExecutorGateway.builder()
        .identity(this.id, instanceId)
        .mainThread(main)
        .heartbeatManager(manager)
        .acceptedToken(() -> acceptedToken)
        .slotReport(() -> SLOTS)
        .operations(operations)
        .build();
    try {
      t = RpcTransport.create(rpcConfig, "te", 1);
      s = RpcServer.builder(t, new InetSocketAddress(InetAddress.getLoopbackAddress(), port))
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
    return onMain(() -> manager.getLastHeartbeatFrom(RmSide.RM_ID));
  }

  <T> T onMain(Callable<T> task) {
    return OnThread.call(main, task);
  }

  /** Stops the server at once (its port refuses connections afterwards), then everything else. */
  @Override
  public void close() {
    try {
      server.close();
      transport.close();
    } finally {
      main.close();
    }
  }

  /** A heartbeat request from {@link RmSide#TOKEN} to {@code addressee}. */
  static HeartbeatRequest heartbeat(TaskExecutorIdentity addressee) {
    return HeartbeatRequest.newBuilder().setFencingToken(RmSide.TOKEN).setTaskExecutor(addressee).build();
  }

  /** The status {@code call} fails with; fails the test if it succeeds. */
  static Status statusOf(ThrowingCallable call) {
    StatusRuntimeException e = Assertions.catchThrowableOfType(StatusRuntimeException.class, call);
    Assertions.assertThat(e).as("the call should have failed").isNotNull();
    return e.getStatus();
  }
}
