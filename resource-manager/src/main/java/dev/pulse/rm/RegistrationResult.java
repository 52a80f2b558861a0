package dev.pulse.rm;

/**
 * The resource manager's answer to an accepted registration.
 *
 * @param registrationId to be sent with every later call of the task executor
 * @param fencing the resource manager's id and epoch
 */
public record RegistrationResult(String registrationId, FencingToken fencing) {}
