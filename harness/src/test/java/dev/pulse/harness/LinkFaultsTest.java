package dev.pulse.harness;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** What the faults of a link make of one chunk of bytes: seeded draws, no sockets, no waiting. */
class LinkFaultsTest {

  private static final long SEED = 42;
  private static final long RTO_MILLIS = 200;

  private final LinkFaults faults = new LinkFaults(SEED, null, () -> {});

  @Test
  void loss_delaysAboutThatShareOfChunks_byRetransmissionTimeoutsThatDouble() {
    faults.add(LinkFaults.Kind.LOSS, new Direction[] {Direction.RM_TO_TE}, 0.3, 0);
    int chunks = 20_000;
    int late = 0;
    for (int i = 0; i < chunks; i++) {
      long millis = TimeUnit.NANOSECONDS.toMillis(faults.lateness(Direction.RM_TO_TE));
      if (millis > 0) {
        late++;
        // lost k times: 200 + 400 + ... = 200 x (2^k - 1) ms
        assertThat(Long.bitCount(millis / RTO_MILLIS + 1)).as("seed %d, %d ms", SEED, millis).isEqualTo(1);
        assertThat(millis % RTO_MILLIS).isZero();
      }
    }
    assertThat(late / (double) chunks).as("seed %d", SEED).isBetween(0.28, 0.32);
    assertThat(faults.lateness(Direction.TE_TO_RM)).as("the other way").isZero();
  }

  @Test
  void delay_drawsWithinTheJitter_andStackedFaultsAdd() {
    faults.add(LinkFaults.Kind.DELAY, new Direction[0], Duration.ofMillis(300).toNanos(),
        Duration.ofMillis(100).toNanos());
    long min = Long.MAX_VALUE;
    long max = 0;
    for (int i = 0; i < 5_000; i++) {
      long nanos = faults.lateness(Direction.TE_TO_RM);
      min = Math.min(min, nanos);
      max = Math.max(max, nanos);
    }
    assertThat(min).as("seed %d", SEED).isBetween(Duration.ofMillis(200).toNanos(), Duration.ofMillis(210).toNanos());
    assertThat(max).as("seed %d", SEED).isBetween(Duration.ofMillis(390).toNanos(), Duration.ofMillis(400).toNanos());

    faults.add(LinkFaults.Kind.DELAY, new Direction[] {Direction.TE_TO_RM}, Duration.ofSeconds(1).toNanos(), 0);
    assertThat(faults.lateness(Direction.TE_TO_RM)).isGreaterThanOrEqualTo(Duration.ofMillis(1200).toNanos());
  }

  @Test
  void blackholeAndRefuse_actOnTheirDirectionOnly_untilHealed() {
    NetworkFault hole = faults.add(LinkFaults.Kind.BLACKHOLE, new Direction[] {Direction.TE_TO_RM}, 0, 0);
    faults.add(LinkFaults.Kind.REFUSE, new Direction[] {Direction.RM_TO_TE}, 0, 0);

    assertThat(faults.holds(Direction.TE_TO_RM)).isTrue();
    assertThat(faults.holds(Direction.RM_TO_TE)).isFalse();
    assertThat(faults.refuses(Direction.RM_TO_TE)).isTrue();
    assertThat(faults.refuses(Direction.TE_TO_RM)).isFalse();

    hole.heal();
    assertThat(faults.holds(Direction.TE_TO_RM)).isFalse();
    faults.clear();
    assertThat(faults.refuses(Direction.RM_TO_TE)).isFalse();
  }

  @Test
  void bandwidth_theSmallestOneCounts() {
    faults.add(LinkFaults.Kind.BANDWIDTH, new Direction[0], 5_000, 0);
    faults.add(LinkFaults.Kind.BANDWIDTH, new Direction[] {Direction.RM_TO_TE}, 1_000, 0);
    assertThat(faults.bytesPerSecond(Direction.RM_TO_TE)).isEqualTo(1_000);
    assertThat(faults.bytesPerSecond(Direction.TE_TO_RM)).isEqualTo(5_000);
  }
}
