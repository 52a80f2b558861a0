package dev.pulse.heartbeat;

import dev.pulse.heartbeat.time.MainThreadExecutor;

/**
 * Creates heartbeat managers from one validated {@link HeartbeatConfig}.
 *
 * <p>Both kinds of manager watch targets and report losses to their listener; the sender also asks
 * its targets for heartbeats once per interval. In Pulse the resource manager owns a sender that
 * watches its task executors, and each task executor owns a receiving manager that watches the
 * resource manager through the requests it gets.
 *
 * <p>Thread-safe and immutable. The managers it creates are confined to the executor passed in.
 */
public interface HeartbeatServices {

  /** Services creating real managers with {@code config}. */
  static HeartbeatServices of(HeartbeatConfig config) {
    return new HeartbeatServicesImpl(config);
  }

  /** Services whose managers watch nothing and never call back; for owners that run without liveness. */
  static HeartbeatServices noOp() {
    return NoOpHeartbeatServices.INSTANCE;
  }

  /** The settings the managers run with. */
  HeartbeatConfig config();

  /** Creates a receiving manager: it times out targets that stop sending heartbeats. */
  default <I, O> HeartbeatManager<I, O> createHeartbeatManager(
      ResourceId ownResourceId, HeartbeatListener<I, O> listener, MainThreadExecutor mainThread) {
    return createHeartbeatManager(ownResourceId, listener, mainThread, HeartbeatMetrics.NONE);
  }

  /** As {@link #createHeartbeatManager(ResourceId, HeartbeatListener, MainThreadExecutor)}, with a metrics hook. */
  <I, O> HeartbeatManager<I, O> createHeartbeatManager(
      ResourceId ownResourceId, HeartbeatListener<I, O> listener, MainThreadExecutor mainThread,
      HeartbeatMetrics metrics);

  /** Creates a sending manager: it asks each target for a heartbeat every interval. */
  default <I, O> HeartbeatManager<I, O> createHeartbeatManagerSender(
      ResourceId ownResourceId, HeartbeatListener<I, O> listener, MainThreadExecutor mainThread) {
    return createHeartbeatManagerSender(ownResourceId, listener, mainThread, HeartbeatMetrics.NONE);
  }

  /** As {@link #createHeartbeatManagerSender(ResourceId, HeartbeatListener, MainThreadExecutor)}, with a metrics hook. */
  <I, O> HeartbeatManager<I, O> createHeartbeatManagerSender(
      ResourceId ownResourceId, HeartbeatListener<I, O> listener, MainThreadExecutor mainThread,
      HeartbeatMetrics metrics);
}
