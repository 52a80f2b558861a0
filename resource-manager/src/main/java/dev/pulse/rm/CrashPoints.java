package dev.pulse.rm;

/**
 * Deterministic crash points for crash-recovery tests (SPEC 9, test 2). A JVM started with
 * {@code -Dpulse.crash-at=NAME} halts at once ({@link Runtime#halt}, exit code 137, as after SIGKILL: no
 * shutdown hooks, no store flush beyond what is already durable) the first time the point {@code NAME} is
 * reached. Without the property every point is a no-op. Not a setting: the property is read once, when this
 * class loads.
 *
 * <p>Thread-safe.
 */
final class CrashPoints {

  /** The PENDING allocation is durable; no task executor has been asked yet. */
  static final String AFTER_PENDING_PERSISTED = "after-pending-persisted";
  /** The task executors answered the slot request; ALLOCATED is not stored yet. */
  static final String AFTER_TASK_EXECUTOR_CALL = "after-task-executor-call";
  /**
   * A task executor registered and was reconciled: after a restart on a store, the first one that came back
   * while the others may still be recovering.
   */
  static final String AFTER_TASK_EXECUTOR_RECONCILED = "after-task-executor-reconciled";

  private static final String ARMED = System.getProperty("pulse.crash-at");

  private CrashPoints() {}

  /** Halts the JVM if {@code point} is the armed one; otherwise returns at once. */
  static void reached(String point) {
    if (point.equals(ARMED)) {
      System.err.println("crash point " + point + " reached (pulse.crash-at); halting");
      System.err.flush();
      Runtime.getRuntime().halt(137);
    }
  }
}
