package dev.pulse.rm.ha;

/**
 * Takes part in a leader election: told when it leads and when it no longer does.
 *
 * <p>Both methods are called on the election's one thread, in order, never at the same time. A revocation
 * is final for its term: the contender must stop at once (no heartbeat requests, no calls to task executors,
 * no writes) even before it hears whether it leads again.
 */
public interface LeaderContender {

  /** This contender leads now; it may open {@link HighAvailabilityServices#leaderStore()} and serve. */
  void grantLeadership();

  /**
   * This contender no longer leads (another one won, or the connection to the coordination service was
   * suspended or lost); {@code why} says which, for the log.
   */
  void revokeLeadership(String why);
}
