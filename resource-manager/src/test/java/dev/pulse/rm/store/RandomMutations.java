package dev.pulse.rm.store;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * A seeded stream of mutations of every kind, some of them in atomic batches, over a small set of ids (so puts replace and removes hit),
 * events numbered on from a given sequence number. The same seed and start give the same stream, which
 * is how the crash test's parent knows what its child wrote.
 */
final class RandomMutations {

  private static final String[] STATES = {"PENDING", "ALLOCATED"};

  private final Random random;
  private long nextEventSeq;
  private long counter;

  RandomMutations(long seed, long lastEventSeq) {
    this.random = new Random(seed);
    this.nextEventSeq = lastEventSeq + 1;
  }

  /** The next write: one mutation, or (one in six) an atomic batch of two to five. */
  Mutation next() {
    if (random.nextInt(6) == 0) {
      List<Mutation> batch = new ArrayList<>();
      for (int n = 2 + random.nextInt(4); n > 0; n--) {
        batch.add(single());
      }
      return new Mutation.Batch(batch);
    }
    return single();
  }

  private Mutation single() {
    counter++;
    int kind = random.nextInt(10);
    String allocationId = "alloc-" + random.nextInt(40);
    String taskExecutorId = "te-" + random.nextInt(8);
    if (kind < 4) {
      return new Mutation.PutAllocation(new StoredAllocation(allocationId, "job-" + random.nextInt(5),
          taskExecutorId, random.nextInt(4), STATES[random.nextInt(2)], 1_700_000_000_000L + counter,
          1 + random.nextInt(3), random.nextBoolean() ? null : "HEARTBEAT_TIMEOUT"));
    } else if (kind < 6) {
      return new Mutation.RemoveAllocation(allocationId);
    } else if (kind < 7) {
      return new Mutation.PutTaskExecutor(new StoredTaskExecutor(taskExecutorId, "instance-" + counter,
          "10.0.0." + random.nextInt(200) + ":6122", 1 + random.nextInt(8), 1_700_000_000_000L + counter));
    } else if (kind < 8) {
      return new Mutation.RemoveTaskExecutor(taskExecutorId);
    }
    long seq = nextEventSeq++;
    return new Mutation.AppendEvent(new StoredEvent(seq, 1_700_000_000_000L + counter, "ALLOCATION_LOST",
        taskExecutorId, allocationId, "job-1", random.nextBoolean() ? "RESTARTED" : null, random.nextInt(3),
        "it's quoted 'detail' " + counter));
  }
}
