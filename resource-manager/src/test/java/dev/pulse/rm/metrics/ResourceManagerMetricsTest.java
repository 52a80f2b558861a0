package dev.pulse.rm.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.pulse.heartbeat.HeartbeatMetrics;
import dev.pulse.heartbeat.RpcFailureKind;
import dev.pulse.rm.EventType;
import dev.pulse.rm.LiveResourceManager;
import dev.pulse.rm.LossReason;
import dev.pulse.rm.OverloadedException;
import dev.pulse.rm.RegistrationRefusal;
import dev.pulse.rm.ResourceManagerEvent;
import dev.pulse.rm.TaskExecutorAdmission;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class ResourceManagerMetricsTest {

  @Test
  void scrape_beforeAnything_listsEverySeriesAtZero() {
    String text = new ResourceManagerMetrics().scrape();

    assertThat(value(text, "pulse_heartbeat_requests_total")).isZero();
    assertThat(value(text, "pulse_heartbeat_rtt_seconds_count")).isZero();
    assertThat(value(text, "pulse_sender_tick_lag_seconds_count")).isZero();
    assertThat(value(text, "pulse_local_pauses_total")).isZero();
    for (RpcFailureKind kind : RpcFailureKind.values()) {
      assertThat(value(text, "pulse_heartbeat_rpc_failures_total{kind=\"" + kind + "\"}")).isZero();
    }
    for (LossReason reason : LossReason.values()) {
      if (reason.appliesToTaskExecutors()) {
        assertThat(value(text, "pulse_task_executors_lost_total{reason=\"" + reason + "\"}")).isZero();
      } else {
        assertThat(text).doesNotContain("reason=\"" + reason + "\"");
      }
    }
    assertThat(HeartbeatMetrics.CALLBACKS).contains("notifyHeartbeatTimeout", "retrievePayload", "requestHeartbeat");
    for (String callback : HeartbeatMetrics.CALLBACKS) {
      assertThat(value(text, "pulse_heartbeat_callback_failures_total{callback=\"" + callback + "\"}")).isZero();
    }
    for (EventType type : EventType.values()) {
      assertThat(value(text, "pulse_events_total{type=\"" + type + "\"}")).isZero();
    }
    assertThat(text).contains("# TYPE pulse_heartbeat_rtt_seconds histogram",
        "# TYPE pulse_sender_tick_lag_seconds histogram",
        "# HELP pulse_heartbeat_requests_total Heartbeat requests the resource manager sent to task executors");
  }

  @Test
  void heartbeatHook_recordsRequestsRoundTripsFailuresAndTickLag() {
    ResourceManagerMetrics metrics = new ResourceManagerMetrics();

    metrics.onRequestSent();
    metrics.onRequestSent();
    metrics.onRpcSucceeded(TimeUnit.MILLISECONDS.toNanos(3));
    metrics.onRpcSucceeded(TimeUnit.MILLISECONDS.toNanos(40));
    metrics.onRpcFailed(RpcFailureKind.UNREACHABLE);
    metrics.onRpcFailed(RpcFailureKind.UNREACHABLE);
    metrics.onRpcFailed(RpcFailureKind.DEADLINE_EXCEEDED);
    metrics.onTick(TimeUnit.MICROSECONDS.toNanos(300));
    metrics.onTick(-5); // an early tick is no lag
    metrics.onCallbackFailed("notifyHeartbeatTimeout");
    metrics.onCallbackFailed("notifyHeartbeatTimeout");
    metrics.onCallbackFailed("retrievePayload");

    String text = metrics.scrape();
    assertThat(value(text, "pulse_heartbeat_requests_total")).isEqualTo(2);
    assertThat(value(text, "pulse_heartbeat_rtt_seconds_count")).isEqualTo(2);
    assertThat(value(text, "pulse_heartbeat_rtt_seconds_sum")).isCloseTo(0.043, within());
    assertThat(value(text, "pulse_heartbeat_rtt_seconds_bucket{le=\"0.005\"}")).isEqualTo(1);
    assertThat(value(text, "pulse_heartbeat_rtt_seconds_bucket{le=\"0.05\"}")).isEqualTo(2);
    assertThat(value(text, "pulse_heartbeat_rtt_seconds_max")).isCloseTo(0.040, within());
    assertThat(value(text, "pulse_heartbeat_rpc_failures_total{kind=\"UNREACHABLE\"}")).isEqualTo(2);
    assertThat(value(text, "pulse_heartbeat_rpc_failures_total{kind=\"DEADLINE_EXCEEDED\"}")).isEqualTo(1);
    assertThat(value(text, "pulse_heartbeat_rpc_failures_total{kind=\"OTHER\"}")).isZero();
    assertThat(value(text, "pulse_sender_tick_lag_seconds_count")).isEqualTo(2);
    assertThat(value(text, "pulse_sender_tick_lag_seconds_bucket{le=\"1.0E-4\"}")).isEqualTo(1);
    assertThat(value(text, "pulse_sender_tick_lag_seconds_bucket{le=\"2.5E-4\"}")).isEqualTo(1);
    assertThat(value(text, "pulse_sender_tick_lag_seconds_bucket{le=\"5.0E-4\"}")).isEqualTo(2);
    assertThat(value(text, "pulse_heartbeat_callback_failures_total{callback=\"notifyHeartbeatTimeout\"}")).isEqualTo(2);
    assertThat(value(text, "pulse_heartbeat_callback_failures_total{callback=\"retrievePayload\"}")).isEqualTo(1);
    assertThat(value(text, "pulse_heartbeat_callback_failures_total{callback=\"reportPayload\"}")).isZero();
  }

  @Test
  void listener_countsLossesByReason_eventsByType_andLocalPauses() {
    ResourceManagerMetrics metrics = new ResourceManagerMetrics();

    metrics.taskExecutorLost("te-1", LossReason.RESTARTED, "new instance");
    metrics.onEvent(event(1, EventType.TASK_EXECUTOR_LOST));
    metrics.onEvent(event(2, EventType.LOCAL_PAUSE_DETECTED));
    metrics.onEvent(event(3, EventType.LOCAL_PAUSE_DETECTED));

    String text = metrics.scrape();
    assertThat(value(text, "pulse_task_executors_lost_total{reason=\"RESTARTED\"}")).isEqualTo(1);
    assertThat(value(text, "pulse_task_executors_lost_total{reason=\"UNREACHABLE\"}")).isZero();
    assertThat(value(text, "pulse_events_total{type=\"TASK_EXECUTOR_LOST\"}")).isEqualTo(1);
    assertThat(value(text, "pulse_events_total{type=\"LOCAL_PAUSE_DETECTED\"}")).isEqualTo(2);
    assertThat(value(text, "pulse_local_pauses_total")).isEqualTo(2);
  }

  @Test
  void gauges_readTheOverview_andAreNaNWhileNotRunning() {
    ResourceManagerMetrics metrics = new ResourceManagerMetrics();
    try (LiveResourceManager live = new LiveResourceManager(b -> b.heartbeatMetrics(metrics).listener(metrics))) {
      metrics.bindTo(live.resourceManager());
      assertThat(value(metrics.scrape(), "pulse_task_executors_registered")).isNaN();

      live.start();
      live.register("te-1", 3);
      live.register("te-2", 2);
      live.resourceManager().allocateSlots("job-1", 4).join();

      String text = metrics.scrape();
      assertThat(value(text, "pulse_task_executors_registered")).isEqualTo(2);
      assertThat(value(text, "pulse_slots_registered")).isEqualTo(5);
      assertThat(value(text, "pulse_slots_free")).isEqualTo(1);
      assertThat(value(text, "pulse_events_total{type=\"ALLOCATION_CREATED\"}")).isEqualTo(4);
    }
  }

  @Test
  void registrationsRefused_areCountedByReason_fromZero() {
    ResourceManagerMetrics metrics = new ResourceManagerMetrics();
    boolean[] full = {false};
    TaskExecutorAdmission admission = new TaskExecutorAdmission() {
      @Override
      public Optional<String> refusal() {
        return full[0] ? Optional.of("full") : Optional.empty();
      }

      @Override
      public void admitted() {}
    };
    try (LiveResourceManager live = new LiveResourceManager(b -> b.admission(admission))) {
      metrics.bindTo(live.resourceManager());
      live.start();
      for (RegistrationRefusal reason : RegistrationRefusal.values()) {
        assertThat(value(metrics.scrape(), "pulse_registrations_refused_total{reason=\"" + reason + "\"}")).isZero();
      }

      full[0] = true;
      for (String id : new String[] {"te-1", "te-2"}) {
        assertThatThrownBy(() -> live.register(id, 1)).hasRootCauseInstanceOf(OverloadedException.class);
      }

      String text = metrics.scrape();
      assertThat(value(text, "pulse_registrations_refused_total{reason=\"ADMISSION\"}")).isEqualTo(2);
      assertThat(value(text, "pulse_registrations_refused_total{reason=\"IN_PROGRESS\"}")).isZero();
    }
  }

  @Test
  void bindTo_twice_isRefused() {
    ResourceManagerMetrics metrics = new ResourceManagerMetrics();
    try (LiveResourceManager live = new LiveResourceManager(b -> b.resourceManagerId("rm-a"))) {
      metrics.bindTo(live.resourceManager());
      assertThatThrownBy(() -> metrics.bindTo(live.resourceManager()))
          .isInstanceOf(IllegalStateException.class)
          .hasMessage("these metrics are already bound to resource manager rm-a");
    }
  }

  @Test
  void wiredIntoAResourceManager_countsHeartbeatsAndAnUnreachableLoss() {
    ResourceManagerMetrics metrics = new ResourceManagerMetrics();
    try (LiveResourceManager live = new LiveResourceManager(b -> b.heartbeatMetrics(metrics).listener(metrics))) {
      metrics.bindTo(live.resourceManager());
      live.start();
      live.register("te-1", 2);
      live.register("te-2", 2);

      await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
        String text = metrics.scrape();
        assertThat(value(text, "pulse_heartbeat_requests_total")).isGreaterThanOrEqualTo(4);
        assertThat(value(text, "pulse_heartbeat_rtt_seconds_count")).isGreaterThanOrEqualTo(2);
        assertThat(value(text, "pulse_sender_tick_lag_seconds_count")).isGreaterThanOrEqualTo(1);
      });

      live.makeUnreachable("te-2");
      await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
          assertThat(value(metrics.scrape(), "pulse_task_executors_lost_total{reason=\"UNREACHABLE\"}")).isEqualTo(1));

      String text = metrics.scrape();
      assertThat(value(text, "pulse_heartbeat_rpc_failures_total{kind=\"UNREACHABLE\"}")).isGreaterThanOrEqualTo(2);
      assertThat(value(text, "pulse_events_total{type=\"TASK_EXECUTOR_REGISTERED\"}")).isEqualTo(2);
      assertThat(value(text, "pulse_events_total{type=\"TASK_EXECUTOR_LOST\"}")).isEqualTo(1);
      assertThat(value(text, "pulse_task_executors_registered")).isEqualTo(1);
      assertThat(value(text, "pulse_slots_registered")).isEqualTo(2);
    }
  }

  private static ResourceManagerEvent event(long seq, EventType type) {
    return new ResourceManagerEvent(seq, 0, type, null, null, null, null, 0, "test");
  }

  private static org.assertj.core.data.Offset<Double> within() {
    return org.assertj.core.data.Offset.offset(1e-9);
  }

  private static double value(String scrape, String series) {
    return PrometheusText.value(scrape, series);
  }
}
