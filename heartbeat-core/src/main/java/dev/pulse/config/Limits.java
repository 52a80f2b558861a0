package dev.pulse.config;

/**
 * Bounds that the wire protocol, the resource manager and the task executor all enforce, kept in one
 * place so that they cannot drift apart (SPEC 3: slots 1..1024; ids are bounded by
 * {@link dev.pulse.heartbeat.ResourceId#MAX_LENGTH}).
 */
public final class Limits {

  /** Most task slots one task executor may offer; at least one. */
  public static final int MAX_TASK_SLOTS = 1024;

  private Limits() {}
}
