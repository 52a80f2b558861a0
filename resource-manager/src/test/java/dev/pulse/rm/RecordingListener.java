package dev.pulse.rm;

import java.util.List;

/**
 * A {@link ResourceManagerListener} that writes down what it hears, one line a call: "registered te-1",
 * "lost te-1 HEARTBEAT_TIMEOUT", "allocation lost a-1 UNREACHABLE", "allocation moved a-1 te-1->te-2 attempt 2",
 * "allocation failed a-1 ATTEMPTS_EXHAUSTED". As thread-safe as the list it is given.
 */
final class RecordingListener implements ResourceManagerListener {

  private final List<String> heard;

  /** @param heard where the lines go */
  RecordingListener(List<String> heard) {
    this.heard = heard;
  }

  @Override
  public void taskExecutorRegistered(TaskExecutorInfo te) {
    heard.add("registered " + te.id());
  }

  @Override
  public void taskExecutorLost(String id, LossReason reason, String detail) {
    heard.add("lost " + id + " " + reason);
  }

  @Override
  public void allocationLost(Allocation allocation, LossReason reason, String detail) {
    heard.add("allocation lost " + allocation.allocationId() + " " + reason);
  }

  @Override
  public void allocationMoved(Allocation allocation, String fromTaskExecutorId) {
    heard.add("allocation moved " + allocation.allocationId() + " " + fromTaskExecutorId + "->"
        + allocation.taskExecutorId() + " attempt " + allocation.attempt());
  }

  @Override
  public void allocationFailed(Allocation allocation, LossReason reason, String detail) {
    heard.add("allocation failed " + allocation.allocationId() + " " + reason);
  }
}
