package dev.pulse.te;

import java.util.Objects;

/**
 * A registration the resource manager accepted.
 *
 * @param registrationId sent with every later call to the resource manager
 * @param fencingToken the resource manager's id and epoch; only calls carrying it are obeyed
 */
public record Registration(String registrationId, FencingToken fencingToken) {

  public Registration {
    Objects.requireNonNull(registrationId, "registrationId");
    Objects.requireNonNull(fencingToken, "fencingToken");
  }

  public String resourceManagerId() {
    return fencingToken.resourceManagerId();
  }

  @Override
  public String toString() {
    return "registration " + registrationId + " with " + fencingToken;
  }
}
