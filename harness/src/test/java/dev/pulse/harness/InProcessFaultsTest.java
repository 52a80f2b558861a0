package dev.pulse.harness;

import static dev.pulse.harness.Bounds.assertDetectedWithin;
import static org.assertj.core.api.Assertions.assertThat;

import dev.pulse.heartbeat.time.Quietly;
import dev.pulse.rm.EventType;
import dev.pulse.rm.LossReason;
import dev.pulse.rm.ResourceManagerEvent;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Each fault of an in-process task executor produces the loss SPEC 8 promises, with the right reason,
 * within the bound (plus {@link Bounds#SLACK}); undoing it brings the task executor back. Heartbeats
 * every 200 ms, timeout 1 s, 2 failed RPCs until unreachable (the harness's defaults).
 */
class InProcessFaultsTest {

  private static final Duration PATIENCE = Duration.ofSeconds(30);

  @RegisterExtension
  final MiniClusterExtension extension = MiniClusterExtension.perTest(cluster());

  /** The cluster each test gets; subclasses change its settings. */
  MiniCluster.Builder cluster() {
    return MiniCluster.builder().taskExecutors(2);
  }

  @Test
  void kill_isUnreachable_withinThresholdTimesIntervalPlusInterval(MiniCluster cluster) {
    long killedAt = System.currentTimeMillis();
    cluster.taskExecutor(0).kill();

    ResourceManagerEvent lost = cluster.awaitEvent(EventType.TASK_EXECUTOR_LOST, "te-0", PATIENCE);

    assertThat(lost.reason()).isEqualTo(LossReason.UNREACHABLE);
    assertDetectedWithin("kill", killedAt, lost, Bounds.unreachable(cluster));
    assertThat(cluster.resourceManager().overview().taskExecutors()).isEqualTo(1);
    assertThat(cluster.taskExecutor(0).isRunning()).isFalse();
  }

  @Test
  void pause_isHeartbeatTimeout_withinTimeoutPlusInterval_andResumeRegistersAgain(MiniCluster cluster) {
    TaskExecutorNode te = cluster.taskExecutor(0);
    long pausedAt = System.currentTimeMillis();
    te.pause();

    ResourceManagerEvent lost = cluster.awaitEvent(EventType.TASK_EXECUTOR_LOST, "te-0", PATIENCE);
    assertThat(lost.reason()).isEqualTo(LossReason.HEARTBEAT_TIMEOUT);
    assertDetectedWithin("pause", pausedAt, lost, Bounds.hung(cluster));

    te.resume();
    ResourceManagerEvent back = cluster.awaitEvent(EventType.TASK_EXECUTOR_REGISTERED, "te-0", PATIENCE);
    assertThat(back.seq()).isGreaterThan(lost.seq());
    cluster.awaitRegistered(2, PATIENCE);
  }

  @Test
  void partition_isUnreachable_andHealRegistersAgain(MiniCluster cluster) {
    TaskExecutorNode te = cluster.taskExecutor(1);
    long cutAt = System.currentTimeMillis();
    te.partition();

    ResourceManagerEvent lost = cluster.awaitEvent(EventType.TASK_EXECUTOR_LOST, "te-1", PATIENCE);
    assertThat(lost.reason()).isEqualTo(LossReason.UNREACHABLE);
    assertDetectedWithin("partition", cutAt, lost, Bounds.unreachable(cluster));
    assertThat(te.isRunning()).isTrue();

    long healedAt = System.currentTimeMillis();
    te.heal();
    ResourceManagerEvent back = cluster.awaitEvent(EventType.TASK_EXECUTOR_REGISTERED, "te-1", PATIENCE);
    System.out.printf("heal -> registered again after %d ms%n", back.time() - healedAt);
    cluster.awaitRegistered(2, PATIENCE);
  }

  @Test
  void delayLongerThanTheInterval_failsAsDeadlineExceeded_thenHeartbeatTimeout(MiniCluster cluster) {
    long delayedAt = System.currentTimeMillis();
    cluster.taskExecutor(0).delay(cluster.heartbeatInterval().multipliedBy(3));

    ResourceManagerEvent lost = cluster.awaitEvent(EventType.TASK_EXECUTOR_LOST, "te-0", PATIENCE);

    assertThat(lost.reason()).isEqualTo(LossReason.HEARTBEAT_TIMEOUT);
    assertDetectedWithin("delay 3x interval", delayedAt, lost, Bounds.hung(cluster));
    assertThat(Bounds.metric(cluster.metrics(), "pulse_heartbeat_rpc_failures_total", "kind=\"DEADLINE_EXCEEDED\""))
        .isGreaterThanOrEqualTo(1);
    assertThat(Bounds.metric(cluster.metrics(), "pulse_heartbeat_rpc_failures_total", "kind=\"UNREACHABLE\""))
        .isZero();
  }

  @Test
  void dropEveryHeartbeat_isHeartbeatTimeout(MiniCluster cluster) {
    long droppingAt = System.currentTimeMillis();
    cluster.taskExecutor(0).dropHeartbeats(1.0);

    ResourceManagerEvent lost = cluster.awaitEvent(EventType.TASK_EXECUTOR_LOST, "te-0", PATIENCE);

    assertThat(lost.reason()).isEqualTo(LossReason.HEARTBEAT_TIMEOUT);
    assertDetectedWithin("dropHeartbeats(1.0)", droppingAt, lost, Bounds.hung(cluster));
  }

  @Test
  void restart_losesTheOldInstanceAsRestarted_andRegistersTheNewOne(MiniCluster cluster) {
    TaskExecutorNode te = cluster.taskExecutor(0);
    String oldInstance = te.instanceId();
    long restartedAt = System.currentTimeMillis();
    te.restart();

    ResourceManagerEvent lost = cluster.awaitEvent(EventType.TASK_EXECUTOR_LOST, "te-0", PATIENCE);
    assertThat(lost.reason()).isEqualTo(LossReason.RESTARTED);
    assertThat(lost.detail()).contains(oldInstance);
    System.out.printf("restart -> %s after %d ms%n", lost.reason(), lost.time() - restartedAt);
    cluster.awaitEvent(EventType.TASK_EXECUTOR_REGISTERED, "te-0", PATIENCE);
    assertThat(te.instanceId()).isNotEqualTo(oldInstance);
    cluster.awaitRegistered(2, PATIENCE);
  }

  @Test
  void resourceManagerPausedForThreeTimeouts_losesNoTaskExecutor(MiniCluster cluster) {
    Duration pause = cluster.heartbeatTimeout().multipliedBy(3);
    cluster.resourceManager().pause();
    try {
      Quietly.during(pause, "every task executor keeps running while the resource manager is stopped",
          () -> cluster.taskExecutors().stream().allMatch(TaskExecutorNode::isRunning));
    } finally {
      cluster.resourceManager().resume();
    }

    cluster.awaitEvent(EventType.LOCAL_PAUSE_DETECTED, e -> true, PATIENCE);
    // Three timeouts after the resume both task executors are still there, and none was ever lost.
    Quietly.during(pause, "no task executor is lost after the resume",
        () -> cluster.events().stream().noneMatch(e -> e.type() == EventType.TASK_EXECUTOR_LOST));
    assertThat(cluster.resourceManager().overview().taskExecutors()).isEqualTo(2);
  }

  @Test
  void resourceManagerRestart_taskExecutorsRegisterWithTheNewOne(MiniCluster cluster) {
    ResourceManagerNode rm = cluster.resourceManager();
    String oldId = rm.id();
    long oldEpoch = rm.overview().epoch();
    String rpc = rm.rpcAddress();
    long restartedAt = System.currentTimeMillis();
    rm.restart();

    assertThat(rm.id()).isEqualTo(oldId);
    assertThat(rm.overview().epoch()).isGreaterThan(oldEpoch);
    assertThat(rm.rpcAddress()).isEqualTo(rpc);
    ResourceManagerEvent first = cluster.awaitEvent(EventType.TASK_EXECUTOR_REGISTERED, e -> true, PATIENCE);
    cluster.awaitRegistered(2, PATIENCE);
    System.out.printf("resource manager restart -> first task executor registered again after %d ms (timeout %d ms)%n",
        first.time() - restartedAt, cluster.heartbeatTimeout().toMillis());
    assertThat(first.time() - restartedAt)
        .isLessThanOrEqualTo(Bounds.hung(cluster).plus(Bounds.SLACK).plus(Bounds.SLACK).toMillis());
  }
}
