package dev.pulse.rm;

/**
 * A slot handed to a job. Immutable snapshot.
 *
 * @param allocationId unique id, chosen by the resource manager
 * @param jobId the owner
 * @param taskExecutorId where the slot is
 * @param slotIndex which slot of that task executor
 * @param state see {@link State}
 * @param createdAt wall-clock time the allocation was requested, epoch milliseconds
 */
public record Allocation(String allocationId, String jobId, String taskExecutorId, int slotIndex, State state,
    long createdAt) {

  /** Lifecycle of an allocation. */
  public enum State {
    /** The slot is reserved and the task executor is being asked for it. */
    PENDING,
    /** The task executor confirmed it holds the slot for the job. */
    ALLOCATED
  }

  Allocation withState(State newState) {
    return new Allocation(allocationId, jobId, taskExecutorId, slotIndex, newState, createdAt);
  }
}
