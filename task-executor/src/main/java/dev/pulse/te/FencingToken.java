package dev.pulse.te;

import java.util.Objects;

/**
 * One leadership term of a resource manager: the task executor obeys only calls that carry the token
 * of the registration it holds (see {@link Fencing}).
 *
 * @param resourceManagerId the resource manager's id
 * @param epoch grows with every term; compared as an unsigned number
 */
public record FencingToken(String resourceManagerId, long epoch) {

  public FencingToken {
    Objects.requireNonNull(resourceManagerId, "resourceManagerId");
  }

  /** {@code resource manager rm-1 at epoch 3}: how log lines and refusals name the sender of a call. */
  @Override
  public String toString() {
    return "resource manager " + resourceManagerId + " at epoch " + Long.toUnsignedString(epoch);
  }
}
