package dev.pulse.harness;

import java.time.Duration;

/**
 * The network between the resource manager and one task executor, with faults in the spirit of
 * Toxiproxy's "toxics". It is a real TCP proxy in the harness (one listening port for the resource
 * manager's calls, one for the task executor's), in both {@link MiniCluster.Mode}s: the resource manager
 * and the task executor run unchanged and only see bytes arrive late, never or not at all.
 *
 * <pre>{@code
 * NetworkLink link = cluster.taskExecutor("te-0").network();
 * link.blackhole(Direction.TE_TO_RM);                      // a one-way cut: answers never arrive
 * link.delay(Duration.ofMillis(300), Duration.ofMillis(100)).lasting(Duration.ofSeconds(5));
 * link.heal();                                             // everything ends; held bytes are delivered
 * }</pre>
 *
 * <p>Each fault method with no {@link Direction} acts both ways. A fault is in force when the method
 * returns; each marks a new start for {@link MiniCluster#awaitEvent}. Bytes are never dropped from a
 * connection (TCP would retransmit them): a blackhole holds them until it ends, and a lost segment arrives
 * after a retransmission timeout. Thread-safe.
 */
public interface NetworkLink {

  /**
   * A silent partition: bytes that way are held, not delivered, and nothing is refused or reset, so the
   * connections stay up and calls hang until their deadlines. When it ends, what was held arrives (as TCP
   * would retransmit it), in order.
   */
  NetworkFault blackhole(Direction... directions);

  /**
   * Connections are refused: the ones the sender has are reset now and new ones are reset as soon as they
   * are accepted, so calls fail at once ({@code UNAVAILABLE}), as with a closed port.
   */
  NetworkFault refuse(Direction... directions);

  /**
   * Each chunk of bytes (one read, about one TCP segment) is lost with {@code probability}, from a
   * {@link java.util.Random} seeded by {@link MiniCluster.Builder#faultSeed}; as in TCP it is sent again
   * after a retransmission timeout of 200 ms (Linux's minimum), doubling while it is lost again, and what
   * follows it waits (head-of-line blocking).
   *
   * @throws IllegalArgumentException unless {@code 0 <= probability < 1}
   */
  NetworkFault loss(double probability, Direction... directions);

  /**
   * Each chunk of bytes arrives {@code mean} plus a uniform random amount in {@code [-jitter, +jitter]}
   * late (at least 0), order kept: a chunk never overtakes an earlier one.
   *
   * @throws IllegalArgumentException if either is negative
   */
  NetworkFault delay(Duration mean, Duration jitter, Direction... directions);

  /**
   * At most {@code bytesPerSecond} pass that way, per connection; the rest queues.
   *
   * @throws IllegalArgumentException unless {@code bytesPerSecond > 0}
   */
  NetworkFault bandwidth(long bytesPerSecond, Direction... directions);

  /**
   * Resets every connection the sender has now (a TCP RST both ways): calls in flight on them fail with
   * {@code UNAVAILABLE}; new connections work.
   *
   * @return how many connections were reset
   */
  int reset(Direction... directions);

  /** Ends every fault of this link; held bytes are delivered. */
  void heal();
}
