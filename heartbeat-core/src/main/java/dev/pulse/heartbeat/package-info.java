/**
 * Heartbeats and failure detection, with no transport: a {@link dev.pulse.heartbeat.HeartbeatManager}
 * watches targets and tells its {@link dev.pulse.heartbeat.HeartbeatListener} when one stays silent for
 * {@code heartbeat.timeout} or cannot be reached {@code heartbeat.rpc-failure-threshold} times in a row.
 * The sender variant also asks every target for a heartbeat once per {@code heartbeat.interval}, each in
 * its own phase of the interval. What travels is up to the owner: a
 * {@link dev.pulse.heartbeat.HeartbeatTarget} adapter carries requests and answers (over gRPC in
 * {@code heartbeat-rpc}, in memory in tests).
 *
 * <h2>Using it</h2>
 * Everything runs on one {@link dev.pulse.heartbeat.time.MainThreadExecutor}: create the manager, call it
 * and hear from it there. A resource manager that asks its workers:
 *
 * <pre>{@code
 * HeartbeatServices services = HeartbeatServices.of(HeartbeatConfig.of(Duration.ofSeconds(1), Duration.ofSeconds(5)));
 * ScheduledMainThreadExecutor main = new ScheduledMainThreadExecutor("rm-main");
 *
 * HeartbeatListener<SlotReport, Void> listener = new HeartbeatListener<>() {
 *   public void notifyHeartbeatTimeout(ResourceId worker) { release(worker, "silent for 5 s"); }
 *   public void notifyTargetUnreachable(ResourceId worker) { release(worker, "unreachable"); }
 *   public void reportPayload(ResourceId worker, SlotReport report) { reconcile(worker, report); }
 *   public Void retrievePayload(ResourceId worker) { return null; }
 * };
 *
 * main.execute(() -> {
 *   HeartbeatManager<SlotReport, Void> heartbeats =
 *       services.createHeartbeatManagerSender(ResourceId.of("rm"), listener, main);
 *   heartbeats.monitorTarget(ResourceId.of("worker-1"), workerTarget); // your HeartbeatTarget adapter
 * });
 * }</pre>
 *
 * The adapter's {@code requestHeartbeat} returns a future that completes when the worker has answered
 * (the answer itself goes to {@code heartbeats.receiveHeartbeat(worker, report)}); a failed future
 * carrying a {@link dev.pulse.heartbeat.HeartbeatRpcException} says whether the worker was unreachable
 * (counts towards the threshold), too slow (does not) or restarted (lost at once). An adapter for a
 * sender under load implements {@link dev.pulse.heartbeat.AnsweringHeartbeatTarget} instead: it reports
 * the report, or the failure, to the target's {@link dev.pulse.heartbeat.HeartbeatAnswer} from any
 * thread, with no future per request, and the sender applies answers in batches on its main thread.
 *
 * <h2>What holds</h2>
 * <ul>
 *   <li>Confinement: every callback, timeout and tick runs on the main-thread executor; the managers
 *       take no locks.
 *   <li>O(1) heartbeats: receiving one moves a node in a list; no timer is cancelled or rescheduled.
 *       One wake-up task serves all targets, and nothing a callback does (throw, return {@code null})
 *       stops it.
 *   <li>Pause awareness: a gap in which the owner's own process did not run is not charged to the
 *       targets.
 *   <li>Time is injected: tests drive a {@code ManualMainThreadExecutor} (this module's test-jar) and
 *       never sleep.
 * </ul>
 */
package dev.pulse.heartbeat;
