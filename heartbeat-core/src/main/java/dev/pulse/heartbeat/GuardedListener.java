package dev.pulse.heartbeat;

import dev.pulse.heartbeat.CallbackFailures.Callback;
import java.time.Duration;

/**
 * The owner's {@link HeartbeatListener} as a heartbeat manager calls it: every callback that throws
 * is handed to {@link CallbackFailures} (logged, counted) instead of propagating into the manager's
 * timer. {@link #retrievePayload} then returns {@code null}: a heartbeat request goes out without a
 * payload rather than not at all.
 *
 * <p>Only {@link Exception}s are caught; an {@link Error} propagates (the manager's wake-up re-arms
 * its timer first). Thread-safety: confined to the manager's main-thread executor.
 */
final class GuardedListener<I, O> implements HeartbeatListener<I, O> {

  private final HeartbeatListener<I, O> listener;
  private final CallbackFailures failures;

  GuardedListener(HeartbeatListener<I, O> listener, CallbackFailures failures) {
    this.listener = listener;
    this.failures = failures;
  }

  @Override
  public void notifyHeartbeatTimeout(ResourceId resourceId) {
    try {
      listener.notifyHeartbeatTimeout(resourceId);
    } catch (Exception e) {
      failures.record(Callback.NOTIFY_HEARTBEAT_TIMEOUT, resourceId, e);
    }
  }

  @Override
  public void notifyTargetUnreachable(ResourceId resourceId) {
    try {
      listener.notifyTargetUnreachable(resourceId);
    } catch (Exception e) {
      failures.record(Callback.NOTIFY_TARGET_UNREACHABLE, resourceId, e);
    }
  }

  @Override
  public void notifyTargetRestarted(ResourceId resourceId) {
    try {
      listener.notifyTargetRestarted(resourceId);
    } catch (Exception e) {
      failures.record(Callback.NOTIFY_TARGET_RESTARTED, resourceId, e);
    }
  }

  @Override
  public void reportPayload(ResourceId resourceId, I payload) {
    try {
      listener.reportPayload(resourceId, payload);
    } catch (Exception e) {
      failures.record(Callback.REPORT_PAYLOAD, resourceId, e);
    }
  }

  /** The listener's payload, or {@code null} if it threw. */
  @Override
  public O retrievePayload(ResourceId resourceId) {
    try {
      return listener.retrievePayload(resourceId);
    } catch (Exception e) {
      failures.record(Callback.RETRIEVE_PAYLOAD, resourceId, e);
      return null;
    }
  }

  @Override
  public void notifyLocalPause(Duration pausedFor) {
    try {
      listener.notifyLocalPause(pausedFor);
    } catch (Exception e) {
      failures.record(Callback.NOTIFY_LOCAL_PAUSE, null, e);
    }
  }
}
