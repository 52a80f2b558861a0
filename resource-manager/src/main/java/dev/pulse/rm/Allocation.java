package dev.pulse.rm;

/**
 * A slot handed to a job. Immutable snapshot.
 *
 * @param allocationId unique id, chosen by the resource manager; kept when the allocation moves
 * @param jobId the owner
 * @param taskExecutorId where the slot is; {@code null} while a moved allocation waits for a new slot
 * @param slotIndex which slot of that task executor; -1 while a moved allocation waits for a new slot
 * @param state see {@link State}
 * @param createdAt wall-clock time the allocation was requested, epoch milliseconds
 * @param attempt the attempt this placement is, counted against {@link RestartPolicy#maxAttempts()}: 1 for the
 *     first placement, one more after each move that counted (a graceful leave or a drain does not)
 * @param restart its re-placement policy, or {@code null}: a loss is then reported and the allocation is gone
 */
public record Allocation(String allocationId, String jobId, String taskExecutorId, int slotIndex, State state,
    long createdAt, int attempt, RestartPolicy restart) {

  /** Lifecycle of an allocation. */
  public enum State {
    /**
     * The slot is reserved and the task executor is being asked for it; or, for a moved allocation, it waits
     * for its backoff or a free slot on another task executor.
     */
    PENDING,
    /** The task executor confirmed it holds the slot for the job. */
    ALLOCATED
  }

  /** A first placement without a restart policy. */
  public Allocation(String allocationId, String jobId, String taskExecutorId, int slotIndex, State state,
      long createdAt) {
    this(allocationId, jobId, taskExecutorId, slotIndex, state, createdAt, 1, null);
  }

  Allocation withState(State newState) {
    return new Allocation(allocationId, jobId, taskExecutorId, slotIndex, newState, createdAt, attempt, restart);
  }

  /** The same allocation, {@code PENDING} at {@code slot} of {@code te} ({@code null} and -1: no slot yet). */
  Allocation placedAt(String te, int slot, int newAttempt) {
    return new Allocation(allocationId, jobId, te, slot, State.PENDING, createdAt, newAttempt, restart);
  }
}
