package dev.pulse.rm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;

/** Sequence numbers, the bound, paging, and publishing only what the store holds. */
class EventLogTest {

  private static final Clock WALL = Clock.fixed(Instant.ofEpochMilli(1_700_000_000_123L), ZoneOffset.UTC);

  private static ResourceManagerEvent registered(EventLog log, String te) {
    return log.append(EventType.TASK_EXECUTOR_REGISTERED, te, null, null, null, 0, null);
  }

  private static List<Long> seqs(List<ResourceManagerEvent> events) {
    return events.stream().map(ResourceManagerEvent::seq).toList();
  }

  @Test
  void append_numbersFromOne_andStampsTheWallClock() {
    EventLog log = new EventLog(10, WALL);

    ResourceManagerEvent first = log.append(EventType.TASK_EXECUTOR_LOST, "te-1", "a1", "job-1",
        LossReason.HEARTBEAT_TIMEOUT, 2, "silent");
    registered(log, "te-2");

    assertThat(first).isEqualTo(new ResourceManagerEvent(1, 1_700_000_000_123L, EventType.TASK_EXECUTOR_LOST, "te-1",
        "a1", "job-1", LossReason.HEARTBEAT_TIMEOUT, 2, "silent"));
    assertThat(seqs(log.after(0, 100))).containsExactly(1L, 2L);
    assertThat(log.last().seq()).isEqualTo(2);
  }

  @Test
  void capacity_mustBePositive() {
    assertThatThrownBy(() -> new EventLog(0, WALL)).isInstanceOf(IllegalArgumentException.class)
        .hasMessage("capacity must be > 0");
    assertThat(new EventLog(1, WALL).last()).isNull();
  }

  @Test
  void overCapacity_theOldestAreDropped_andTheSequenceGoesOn() {
    EventLog log = new EventLog(3, WALL);
    for (int i = 0; i < 5; i++) {
      registered(log, "te-" + i);
    }

    assertThat(seqs(log.after(0, 100))).containsExactly(3L, 4L, 5L);
  }

  @Test
  void after_isExclusive_andLimited() {
    EventLog log = new EventLog(100, WALL);
    for (int i = 0; i < 10; i++) {
      registered(log, "te-" + i);
    }

    assertThat(seqs(log.after(4, 3))).containsExactly(5L, 6L, 7L);
    assertThat(seqs(log.after(8, 100))).containsExactly(9L, 10L);
    assertThat(log.after(10, 100)).isEmpty();
    assertThat(seqs(log.after(0, 1))).containsExactly(1L);
  }

  @Test
  void next_isNotReadableUntilPublished() {
    EventLog log = new EventLog(10, WALL);
    ResourceManagerEvent taken = log.next(EventType.ALLOCATION_CREATED, "te-1", "a1", "job-1", null, 0, null);

    assertThat(taken.seq()).isEqualTo(1);
    assertThat(log.after(0, 100)).isEmpty();
    assertThat(log.last()).isNull();

    log.publish(taken);

    assertThat(log.after(0, 100)).containsExactly(taken);
  }

  @Test
  void restore_publishesTheStoredTail_andContinuesAfterTheStoredSequence() {
    EventLog log = new EventLog(10, WALL);
    List<ResourceManagerEvent> tail = LongStream.of(41, 42).mapToObj(seq -> new ResourceManagerEvent(seq, 5,
        EventType.TASK_EXECUTOR_REGISTERED, "te-" + seq, null, null, null, 0, null)).toList();

    log.restore(50, tail); // events 43..50 were dropped from the store's tail

    assertThat(seqs(log.after(0, 100))).containsExactly(41L, 42L);
    assertThat(registered(log, "te-new").seq()).isEqualTo(51);
  }
}
