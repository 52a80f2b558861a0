package dev.pulse.harness;

import dev.pulse.rm.Overview;
import dev.pulse.rm.ResourceManagerEvent;
import java.net.URI;
import java.util.List;

/**
 * The resource manager of a {@link MiniCluster}, with the faults a test can inject into it.
 * Thread-safe.
 */
public interface ResourceManagerNode {

  /** Its id; kept by a {@link #restart()} (it comes from the registry store). */
  String id();

  /** {@code host:port} of its gRPC services (task executors and {@link SlotPoolClient}s call it). */
  String rpcAddress();

  /**
   * Base URL of its REST API, e.g. {@code http://127.0.0.1:41234}, or {@code https://...} when the cluster
   * has TLS; paths start with {@code /v1/}.
   */
  URI restUrl();

  /** Its identity and totals, as {@code GET /v1/overview} serves them. */
  Overview overview();

  /** Its events with {@code seq > after}, oldest first, at most 1000. */
  List<ResourceManagerEvent> events(long after);

  /** The Prometheus text it serves at {@code /metrics}. */
  String metrics();

  /**
   * Freezes it: in process its main thread (heartbeat sender, registrations, allocations) is blocked;
   * a child process gets SIGSTOP. In process its events and overview can still be read.
   */
  void pause();

  /** Undoes {@link #pause()}. Idempotent. */
  void resume();

  /**
   * Ends it abruptly, keeping its registry store: in process its main thread and servers stop at once; a
   * child process gets SIGKILL. Nobody is told: task executors see their heartbeats stop and calls fail.
   * {@link #restart()} starts a new one. Idempotent.
   */
  void kill();

  /** Whether it runs: false after {@link #kill()} until {@link #restart()}. */
  boolean isRunning();

  /**
   * Replaces it with a new instance on the same ports and the same registry store (SPEC 9), after a
   * {@link #kill()} if it still runs: same id, larger epoch, allocations kept. Returns once the new
   * instance serves (a child process printed its start-up line). Task executors see the newer epoch at
   * the first heartbeat request and register again at once; the event sequence continues.
   */
  void restart();
}
