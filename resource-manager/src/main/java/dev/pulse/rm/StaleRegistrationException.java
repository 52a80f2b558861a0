package dev.pulse.rm;

/** A task executor called with a registration id that is unknown or no longer current. */
public class StaleRegistrationException extends IllegalStateException {

  private static final long serialVersionUID = 1L;

  public StaleRegistrationException(String taskExecutorId, String registrationId) {
    super("registration " + registrationId + " of " + taskExecutorId + " is unknown or no longer current; register again");
  }
}
