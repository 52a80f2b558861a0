package dev.pulse.rpc;

import dev.pulse.heartbeat.HeartbeatConfig;
import dev.pulse.heartbeat.HeartbeatManager;
import dev.pulse.heartbeat.HeartbeatServices;
import dev.pulse.heartbeat.HeartbeatStats;
import dev.pulse.heartbeat.ResourceId;
import dev.pulse.heartbeat.TestingHeartbeatListener;
import dev.pulse.heartbeat.time.ScheduledMainThreadExecutor;
import dev.pulse.proto.v1.FencingToken;
import dev.pulse.proto.v1.SlotReport;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;

/**
 * The resource manager's half of a loopback test, wired as the resource manager module will wire it:
 * a real main thread, the core's sender, a {@link ChannelPool} and {@link GrpcHeartbeatTarget}s. A lost
 * target is unmonitored and closed, as the resource manager does. The listener and manager are
 * confined to the main thread; tests read them through {@link #onMain}.
 */
final class RmSide implements AutoCloseable {

  static final ResourceId RM_ID = ResourceId.of("rm-1");
  static final FencingToken TOKEN =
      FencingToken.newBuilder().setResourceManagerId(RM_ID.value()).setLeaderEpoch(3).build();

  final ScheduledMainThreadExecutor main = new ScheduledMainThreadExecutor("rm-main");
  final TestingHeartbeatListener<SlotReport, Void> listener;
  final HeartbeatManager<SlotReport, Void> manager;
  final RpcTransport transport;
  final ChannelPool channels;
  final GrpcHeartbeatTarget.Factory<SlotReport> targets;
  /**
   * For {@link #requestOnce}: a generous deadline, since such a call usually opens a new connection
   * first, and a loaded test machine must not turn that into {@code DEADLINE_EXCEEDED}.
   */
  private final GrpcHeartbeatTarget.Factory<SlotReport> singleCallTargets;
  /** Main thread only. */
  private final Map<ResourceId, GrpcHeartbeatTarget<SlotReport>> monitored = new HashMap<>();

  RmSide(HeartbeatConfig config, RpcConfig rpcConfig) {
    this(config, rpcConfig, HeartbeatTransport.UNARY);
  }

  RmSide(HeartbeatConfig config, RpcConfig rpcConfig, HeartbeatTransport heartbeatTransport) {
    this.listener = TestingHeartbeatListener.<SlotReport, Void>builder().onLoss(this::forget).build();
    this.manager = HeartbeatServices.of(config).createHeartbeatManagerSender(RM_ID, listener, main);
    RpcTransport t = null;
    try {
      t = RpcTransport.create(rpcConfig, "rm", 1);
    } finally {
      if (t == null) {
        main.close();
      }
    }
    this.transport = t;
    this.channels = new ChannelPool(transport);
    this.targets = new GrpcHeartbeatTarget.Factory<>(channels, TOKEN, config, report -> report,
        manager::receiveHeartbeat, main, heartbeatTransport);
    this.singleCallTargets = new GrpcHeartbeatTarget.Factory<>(channels, TOKEN,
        HeartbeatConfig.of(Duration.ofSeconds(5), Duration.ofSeconds(10)), report -> report, manager::receiveHeartbeat,
        main);
  }

  /** Starts monitoring a task executor process, as the resource manager does on registration. */
  void monitor(ResourceId taskExecutor, String instanceId, String address) {
    onMain(() -> {
      GrpcHeartbeatTarget<SlotReport> target = targets.create(taskExecutor, instanceId, address);
      monitored.put(taskExecutor, target);
      manager.monitorTarget(taskExecutor, target);
      return null;
    });
  }

  void unmonitor(ResourceId taskExecutor) {
    onMain(() -> {
      forget(taskExecutor);
      return null;
    });
  }

  /** One heartbeat request outside the sender, through a target of its own that is closed afterwards. */
  CompletableFuture<Void> requestOnce(ResourceId taskExecutor, String instanceId, String address) {
    return onMain(() -> {
      GrpcHeartbeatTarget<SlotReport> target = singleCallTargets.create(taskExecutor, instanceId, address);
      return target.requestHeartbeat(RM_ID, null).whenComplete((ok, failure) -> target.close());
    });
  }

  List<TestingHeartbeatListener.Event> events(TestingHeartbeatListener.Kind kind) {
    return onMain(() -> listener.events(kind));
  }

  HeartbeatStats stats() {
    return onMain(manager::stats);
  }

  <T> T onMain(Callable<T> task) {
    return OnThread.call(main, task);
  }

  /** Main thread. */
  private void forget(ResourceId taskExecutor) {
    manager.unmonitorTarget(taskExecutor);
    GrpcHeartbeatTarget<SlotReport> target = monitored.remove(taskExecutor);
    if (target != null) {
      target.close();
    }
  }

  @Override
  public void close() {
    try {
      onMain(() -> {
        manager.stop();
        monitored.values().forEach(GrpcHeartbeatTarget::close);
        monitored.clear();
        return null;
      });
    } finally {
      try {
        channels.close();
        transport.close();
      } finally {
        main.close();
      }
    }
  }
}
