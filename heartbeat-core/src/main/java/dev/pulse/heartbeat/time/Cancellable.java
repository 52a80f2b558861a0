package dev.pulse.heartbeat.time;

/** Handle of a scheduled task. */
@FunctionalInterface
public interface Cancellable {

  /** Cancels the task if it has not started yet; does nothing otherwise. Idempotent. */
  void cancel();
}
