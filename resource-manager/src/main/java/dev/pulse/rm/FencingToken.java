package dev.pulse.rm;

/**
 * Identifies one leadership term of a resource manager: task executors accept calls only from the
 * newest term they have seen.
 *
 * @param resourceManagerId the resource manager's id
 * @param epoch grows with every term; a restarted resource manager has a larger one
 */
public record FencingToken(String resourceManagerId, long epoch) {}
