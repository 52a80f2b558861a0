package dev.pulse.rm.metrics;

import dev.pulse.heartbeat.HeartbeatMetrics;
import dev.pulse.heartbeat.RpcFailureKind;
import dev.pulse.rm.EventType;
import dev.pulse.rm.LossGuardStatus;
import dev.pulse.rm.LossReason;
import dev.pulse.rm.Overview;
import dev.pulse.rm.RegistrationRefusal;
import dev.pulse.rm.ResourceManager;
import dev.pulse.rm.ResourceManagerEvent;
import dev.pulse.rm.ResourceManagerListener;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.distribution.pause.NoPauseDetector;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.ToIntFunction;

/**
 * The resource manager's metrics, in Prometheus form ({@code pulse_*}), on Micrometer.
 *
 * <p>One object plays three parts: the heartbeat sender's {@link HeartbeatMetrics} hook, a
 * {@link ResourceManagerListener}, and the owner of gauges that read {@link ResourceManager#overview()}.
 * Wire it like this, before {@code start()}:
 *
 * <pre>{@code
 * ResourceManagerMetrics metrics = new ResourceManagerMetrics();
 * ResourceManager rm = ResourceManager.builder()
 *     .connector(connector)
 *     .heartbeatMetrics(metrics)
 *     .listener(metrics)
 *     .build();
 * metrics.bindTo(rm);
 * rm.start();
 * String text = metrics.scrape();   // what GET /metrics serves
 * }</pre>
 *
 * <table>
 *   <caption>Metrics</caption>
 *   <tr><th>name</th><th>type</th><th>meaning</th></tr>
 *   <tr><td>{@code pulse_task_executors_registered}</td><td>gauge</td><td>registered task executors</td></tr>
 *   <tr><td>{@code pulse_slots_registered}</td><td>gauge</td><td>slots the registered task executors offer</td></tr>
 *   <tr><td>{@code pulse_slots_free}</td><td>gauge</td><td>of those, slots not allocated</td></tr>
 *   <tr><td>{@code pulse_heartbeat_requests_total}</td><td>counter</td><td>heartbeat requests sent</td></tr>
 *   <tr><td>{@code pulse_heartbeat_rtt_seconds}</td><td>histogram</td><td>round-trip time of heartbeat RPCs
 *       that succeeded ({@code _count} is the number of successes); plus {@code _max}</td></tr>
 *   <tr><td>{@code pulse_heartbeat_rpc_failures_total{kind}}</td><td>counter</td><td>failed heartbeat RPCs by
 *       {@link RpcFailureKind}</td></tr>
 *   <tr><td>{@code pulse_heartbeat_callback_failures_total{callback}}</td><td>counter</td><td>listener callbacks
 *       that threw and heartbeat targets that threw or returned null, by method name
 *       ({@link HeartbeatMetrics#CALLBACKS}); the heartbeat sender logged each and carried on</td></tr>
 *   <tr><td>{@code pulse_sender_tick_lag_seconds}</td><td>histogram</td><td>how late the heartbeat sender's
 *       timer ran; plus {@code _max}</td></tr>
 *   <tr><td>{@code pulse_task_executors_lost_total{reason}}</td><td>counter</td><td>losses by {@link LossReason}</td></tr>
 *   <tr><td>{@code pulse_local_pauses_total}</td><td>counter</td><td>times the resource manager found it had not
 *       run for several intervals (GC, SIGSTOP)</td></tr>
 *   <tr><td>{@code pulse_events_total{type}}</td><td>counter</td><td>event-log entries by {@link EventType}</td></tr>
 *   <tr><td>{@code pulse_task_executors_suspect}</td><td>gauge</td><td>registered task executors that are silent
 *       now (state {@code SUSPECT}, SPEC 11)</td></tr>
 *   <tr><td>{@code pulse_task_executors_quarantined}</td><td>gauge</td><td>resource ids quarantined now</td></tr>
 *   <tr><td>{@code pulse_loss_guard_state{state}}</td><td>gauge</td><td>1 for the loss guard's state
 *       ({@code DISABLED}, {@code NORMAL}, {@code OVERLOADED}, {@code MASS_FAILURE}), 0 for the others</td></tr>
 *   <tr><td>{@code pulse_loss_guard_releases_held_back_total}</td><td>counter</td><td>silent task executors whose
 *       release the loss guard held back (once per silence)</td></tr>
 *   <tr><td>{@code pulse_registrations_refused_total{reason}}</td><td>counter</td><td>registrations refused to
 *       shed load, by {@link RegistrationRefusal} (a task executor retrying after the hint counts again)</td></tr>
 * </table>
 * Every labelled series exists from the start, at 0. Label values are the enum constant names, as in the
 * REST API, except {@code callback}, which is the failing method's name as in the log. The gauge of all slots is not called {@code pulse_slots_total}: Prometheus reserves the
 * {@code _total} suffix for counters, and its Java client drops it from gauge names.
 *
 * <p>Thread-safety: thread-safe. The hook and listener methods run on the resource manager's main thread
 * on the heartbeat path; they only bump meters resolved in the constructor (no lookup, no tags, no
 * allocation of ours). {@link #scrape()} may be called from any thread.
 */
public final class ResourceManagerMetrics implements HeartbeatMetrics, ResourceManagerListener {

  /** Content type of {@link #scrape()}'s text: the Prometheus text exposition format 0.0.4. */
  public static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

  // Bucket bounds chosen around SPEC 8's targets: RTT p99 < 50 ms, sender tick lag p99 < 5 ms. Fine enough
  // below and around the targets that the fan-out benchmark's percentiles, interpolated within a bucket as
  // Prometheus' histogram_quantile does, are within a few tens of percent (Micrometer's Prometheus registry
  // does not publish client-side quantiles next to buckets).
  private static final Duration[] RTT_BUCKETS = millis(0.1, 0.25, 0.5, 0.75, 1, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10,
      15, 20, 25, 30, 40, 50, 75, 100, 150, 200, 250, 500, 1_000, 2_500, 5_000, 10_000);
  private static final Duration[] TICK_LAG_BUCKETS = millis(0.05, 0.1, 0.25, 0.5, 0.75, 1, 1.5, 2, 2.5, 3, 4, 5,
      7.5, 10, 15, 20, 25, 50, 100, 250, 1_000, 5_000);

  private final PrometheusMeterRegistry registry;
  private final Counter requestsSent;
  private final Timer roundTrip;
  private final Timer tickLag;
  private final Counter[] rpcFailuresByKind;
  private final Map<String, Counter> callbackFailures = new HashMap<>();
  private final Counter[] lossesByReason;
  private final Counter[] eventsByType;
  private final Counter localPauses;
  private final AtomicReference<ResourceManager> boundTo = new AtomicReference<>();

  /** Metrics in a registry of their own. */
  public ResourceManagerMetrics() {
    this(new PrometheusMeterRegistry(PrometheusConfig.DEFAULT));
  }

  /**
   * Metrics in {@code registry}, which may hold other meters too (JVM binders, say); {@link #scrape()}
   * returns all of them.
   */
  public ResourceManagerMetrics(PrometheusMeterRegistry registry) {
    this.registry = Objects.requireNonNull(registry, "registry");
    requestsSent = Counter.builder("pulse.heartbeat.requests")
        .description("Heartbeat requests the resource manager sent to task executors")
        .register(registry);
    roundTrip = Timer.builder("pulse.heartbeat.rtt")
        .description("Round-trip time of heartbeat RPCs that succeeded")
        .serviceLevelObjectives(RTT_BUCKETS)
        // We measure lag ourselves; Micrometer's pause compensation would blur exactly that.
        .pauseDetector(NoPauseDetector.INSTANCE)
        .register(registry);
    tickLag = Timer.builder("pulse.sender.tick.lag")
        .description("How long after its due time the heartbeat sender's timer ran")
        .serviceLevelObjectives(TICK_LAG_BUCKETS)
        .pauseDetector(NoPauseDetector.INSTANCE)
        .register(registry);
    rpcFailuresByKind = new Counter[RpcFailureKind.values().length];
    for (RpcFailureKind kind : RpcFailureKind.values()) {
      rpcFailuresByKind[kind.ordinal()] = Counter.builder("pulse.heartbeat.rpc.failures")
          .description("Heartbeat RPCs that failed, by kind")
          .tag("kind", kind.name())
          .register(registry);
    }
    for (String callback : HeartbeatMetrics.CALLBACKS) {
      callbackFailures.put(callback, callbackFailureCounter(callback));
    }
    lossesByReason = new Counter[LossReason.values().length];
    for (LossReason reason : LossReason.values()) {
      if (!reason.appliesToTaskExecutors()) {
        continue;
      }
      lossesByReason[reason.ordinal()] = Counter.builder("pulse.task.executors.lost")
          .description("Task executors declared lost, by reason")
          .tag("reason", reason.name())
          .register(registry);
    }
    eventsByType = new Counter[EventType.values().length];
    for (EventType type : EventType.values()) {
      eventsByType[type.ordinal()] = Counter.builder("pulse.events")
          .description("Entries appended to the resource manager's event log, by type")
          .tag("type", type.name())
          .register(registry);
    }
    localPauses = Counter.builder("pulse.local.pauses")
        .description("Times the resource manager found its own process had not run for several heartbeat intervals")
        .register(registry);
  }

  /**
   * Adds the gauges that read {@code resourceManager}'s {@link ResourceManager#overview() overview}. They
   * read a snapshot and never block; they report NaN while it is not running.
   *
   * @throws IllegalStateException if already bound
   */
  public ResourceManagerMetrics bindTo(ResourceManager resourceManager) {
    Objects.requireNonNull(resourceManager, "resourceManager");
    if (!boundTo.compareAndSet(null, resourceManager)) {
      throw new IllegalStateException("these metrics are already bound to resource manager " + boundTo.get().id());
    }
    overviewGauge("pulse.task.executors.registered", "Registered task executors", Overview::taskExecutors);
    overviewGauge("pulse.slots.registered", "Slots offered by the registered task executors", Overview::slotsTotal);
    overviewGauge("pulse.slots.free", "Slots offered by the registered task executors and not allocated",
        Overview::slotsFree);
    statusGauge("pulse.task.executors.suspect", "Registered task executors that are silent now",
        LossGuardStatus::suspects);
    statusGauge("pulse.task.executors.quarantined", "Resource ids quarantined now", LossGuardStatus::quarantined);
    for (String state : LossGuardStatus.GUARD_STATES) {
      Gauge.builder("pulse.loss.guard.state", boundTo, ref -> {
            ResourceManager rm = ref.get();
            return rm.isRunning() ? (rm.lossGuardStatus().guardState().equals(state) ? 1 : 0) : Double.NaN;
          })
          .description("1 for the loss guard's current state, 0 for the others")
          .tag("state", state)
          .strongReference(true)
          .register(registry);
    }
    FunctionCounter.builder("pulse.loss.guard.releases.held.back", boundTo, ref -> {
          ResourceManager rm = ref.get();
          return rm.isRunning() ? rm.lossGuardStatus().releasesHeldBack() : 0;
        })
        .description("Silent task executors whose release the loss guard held back, once per silence")
        .register(registry);
    for (RegistrationRefusal reason : RegistrationRefusal.values()) {
      FunctionCounter.builder("pulse.registrations.refused", boundTo, ref -> ref.get().registrationsRefused(reason))
          .description("Registrations refused to shed load, by reason; a task executor retrying counts again")
          .tag("reason", reason.name())
          .register(registry);
    }
    return this;
  }

  /** Every meter of the registry in the Prometheus text format ({@link #CONTENT_TYPE}). */
  public String scrape() {
    return registry.scrape();
  }

  /** The registry, for adding meters of one's own. */
  public PrometheusMeterRegistry registry() {
    return registry;
  }

  // ------------------------------------------------------------------ readings for HeartbeatHistory (any thread)

  Timer roundTripTimer() {
    return roundTrip;
  }

  Timer tickLagTimer() {
    return tickLag;
  }

  /** Task executors lost so far, by {@link LossReason} name, in the enum's order. */
  Map<String, Long> lossesByReason() {
    Map<String, Long> result = new LinkedHashMap<>();
    for (LossReason reason : LossReason.values()) {
      Counter counter = lossesByReason[reason.ordinal()];
      if (counter != null) {
        result.put(reason.name(), (long) counter.count());
      }
    }
    return result;
  }

  long localPausesCount() {
    return (long) localPauses.count();
  }

  /** Failed heartbeat RPCs so far, of every kind. */
  long rpcFailuresCount() {
    long sum = 0;
    for (Counter counter : rpcFailuresByKind) {
      sum += (long) counter.count();
    }
    return sum;
  }

  // ------------------------------------------------------------------ HeartbeatMetrics (main thread)

  @Override
  public void onRequestSent() {
    requestsSent.increment();
  }

  @Override
  public void onRpcSucceeded(long roundTripNanos) {
    roundTrip.record(roundTripNanos, TimeUnit.NANOSECONDS);
  }

  @Override
  public void onRpcFailed(RpcFailureKind kind) {
    rpcFailuresByKind[kind.ordinal()].increment();
  }

  /** Off the hot path: only called when a callback failed. */
  @Override
  public void onCallbackFailed(String callback) {
    Counter counter = callbackFailures.get(callback);
    (counter != null ? counter : callbackFailureCounter(callback)).increment();
  }

  @Override
  public void onTick(long lagNanos) {
    tickLag.record(Math.max(0, lagNanos), TimeUnit.NANOSECONDS);
  }

  // ------------------------------------------------------------------ ResourceManagerListener (main thread)

  @Override
  public void taskExecutorLost(String taskExecutorId, LossReason reason, String detail) {
    lossesByReason[reason.ordinal()].increment();
  }

  @Override
  public void onEvent(ResourceManagerEvent event) {
    eventsByType[event.type().ordinal()].increment();
    if (event.type() == EventType.LOCAL_PAUSE_DETECTED) {
      localPauses.increment();
    }
  }

  private Counter callbackFailureCounter(String callback) {
    return Counter.builder("pulse.heartbeat.callback.failures")
        .description("Heartbeat listener callbacks and targets that failed; the sender logged each and carried on")
        .tag("callback", callback)
        .register(registry);
  }

  private void overviewGauge(String name, String description, ToIntFunction<Overview> field) {
    Gauge.builder(name, boundTo, ref -> {
          ResourceManager rm = ref.get();
          return rm.isRunning() ? field.applyAsInt(rm.overview()) : Double.NaN;
        })
        .description(description)
        .strongReference(true)
        .register(registry);
  }

  private void statusGauge(String name, String description, ToIntFunction<LossGuardStatus> field) {
    Gauge.builder(name, boundTo, ref -> {
          ResourceManager rm = ref.get();
          return rm.isRunning() ? field.applyAsInt(rm.lossGuardStatus()) : Double.NaN;
        })
        .description(description)
        .strongReference(true)
        .register(registry);
  }

  private static Duration[] millis(double... values) {
    Duration[] result = new Duration[values.length];
    for (int i = 0; i < values.length; i++) {
      result[i] = Duration.ofNanos(Math.round(values[i] * 1_000_000));
    }
    return result;
  }
}
