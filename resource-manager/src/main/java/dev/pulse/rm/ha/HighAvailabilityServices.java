package dev.pulse.rm.ha;

import dev.pulse.rm.store.RegistryStore;
import java.util.Optional;

/**
 * One resource manager process's part in high availability: the election it takes part in, the store of
 * its terms as leader, and where the current leader is.
 *
 * <h2>Fencing</h2>
 * A leader flag is never trusted on its own: a deposed leader (paused, partitioned) may still believe it
 * leads for a while. So the {@link #leaderStore() leader's store} takes a new epoch when it is opened (the
 * term's fencing token) and refuses every write, and every publication of the leader's address, once
 * another term began or this process's claim to leadership is gone.
 *
 * <p>Lifecycle: created connected (a factory fails fast when the coordination service cannot be reached);
 * {@link #startElection} once; {@link #close()} leaves the election and disconnects. Thread-safe.
 */
public interface HighAvailabilityServices extends AutoCloseable {

  /** Joins the election; {@code contender} hears of every term it wins and loses. Called once. */
  void startElection(LeaderContender contender);

  /**
   * A registry store for the term just granted: {@link RegistryStore#open} takes the next epoch (a
   * compare-and-set on the shared counter) and fails if this process no longer leads; every write after
   * that fails once the term is over. The caller closes it when the term ends.
   */
  RegistryStore leaderStore();

  /** Publishes where this leader serves, for standbys and task executors; fenced like a store write. */
  void publishLeader(LeaderAddress address);

  /** The leader as last published, if one is. Served from a local cache; never blocks. */
  Optional<LeaderAddress> leader();

  /** One line for logs and the start-up line: the service and where it is, e.g. its quorum. */
  String describe();

  /** Leaves the election (a leader steps down) and disconnects. Idempotent. */
  @Override
  void close();
}
