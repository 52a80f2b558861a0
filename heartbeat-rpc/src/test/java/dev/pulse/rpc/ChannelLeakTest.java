package dev.pulse.rpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.pulse.heartbeat.HeartbeatConfig;
import dev.pulse.heartbeat.ResourceId;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Thousands of registrations coming and going leave no channel and no thread behind. Every cycle
 * monitors a task executor through a fresh {@link GrpcHeartbeatTarget} and unmonitors it again, as
 * the resource manager does on registration and loss; every 50th cycle also makes a real heartbeat
 * call first, so connected channels are torn down too, not only idle ones.
 */
class ChannelLeakTest {

  private static final int CYCLES = 5_000;
  private static final int CONNECT_EVERY = 50;
  private static final ResourceId TE = ResourceId.of("te-1");

  private final Closer closer = new Closer();

  @AfterEach
  void closeAll() {
    closer.close();
  }

  @Test
  void monitorUnmonitor_5000Times_leavesNoChannelOrThread() throws Exception {
    // Heartbeats of the sender itself are rare here: the cycles call the targets directly.
    HeartbeatConfig config = HeartbeatConfig.of(Duration.ofSeconds(5), Duration.ofSeconds(60));
    TeSide te = closer.register(new TeSide("te-1", "instance-a", config, RpcConfig.DEFAULTS, 0));
    RmSide rm = closer.register(new RmSide(config, RpcConfig.DEFAULTS));

    runCycles(rm, te.address(), 0, 2 * CONNECT_EVERY); // warm up: shared gRPC executors and timers exist now
    await().atMost(Duration.ofSeconds(10)).until(() -> rm.channels.liveChannels() == 0);
    int threadsBefore = liveThreads();

    runCycles(rm, te.address(), 0, CYCLES);

    assertThat(rm.channels.openChannels()).isZero();
    assertThat(rm.onMain(rm.manager::numberOfTargets)).isZero();
    await().atMost(Duration.ofSeconds(10)).until(() -> rm.channels.liveChannels() == 0);
    // A little slack for threads the JVM or another library starts on its own schedule.
    await().atMost(Duration.ofSeconds(10)).until(() -> liveThreads() <= threadsBefore + 2);
    assertThat(te.lastHeartbeatFromRm()).isPositive();
  }

  private static void runCycles(RmSide rm, String address, int from, int to) throws Exception {
    for (int i = from; i < to; i++) {
      boolean connect = i % CONNECT_EVERY == 0;
      CompletableFuture<Void> answered = rm.onMain(() -> {
        GrpcHeartbeatTarget<?> target = rm.targets.create(TE, "instance-a", address);
        rm.manager.monitorTarget(TE, target);
        if (connect) {
          return target.requestHeartbeat(RmSide.RM_ID, null).whenComplete((ok, failure) -> forget(rm, target));
        }
        forget(rm, target);
        return CompletableFuture.completedFuture(null);
      });
      answered.get(10, TimeUnit.SECONDS);
    }
  }

  /** Live threads, without Awaitility's own polling thread. */
  private static int liveThreads() {
    return (int) Thread.getAllStackTraces().keySet().stream()
        .filter(t -> t.isAlive() && !t.getName().startsWith("awaitility")).count();
  }

  /** On the RM main thread, as the resource manager does when a task executor goes away. */
  private static void forget(RmSide rm, GrpcHeartbeatTarget<?> target) {
    rm.manager.unmonitorTarget(target.taskExecutorId());
    target.close();
  }
}
