package dev.pulse.rm.metrics;

import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.distribution.CountAtBucket;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The last few minutes of the heartbeat sender, in steps: RTT and tick-lag percentiles, heartbeats, losses by
 * reason and local pauses per step, as the dashboard's charts draw them ({@code GET /v1/heartbeats/summary}).
 *
 * <p>Each {@link #sample} reads the cumulative meters of {@link ResourceManagerMetrics} (histogram buckets and
 * counters, never the resource manager's main thread) and keeps the difference to the previous reading as one
 * {@link Step}; percentiles are interpolated within buckets, as Prometheus' {@code histogram_quantile} does, so
 * a value is as precise as the bucket bounds around it. The first sample only sets the baseline. At most
 * {@code capacity} steps are kept, oldest dropped first.
 *
 * <p>Time comes from the caller (epoch milliseconds of the sample), so tests drive it. Thread-safe: {@link
 * #sample} and {@link #steps} synchronize on this object; the heartbeat path never touches it.
 */
public final class HeartbeatHistory {

  /**
   * One step: when it ended (epoch ms), heartbeat RPCs that succeeded and failed in it, task executors lost in it
   * by reason, local pauses found in it, and its percentiles in milliseconds ({@code null} without a sample).
   */
  public record Step(long time, long heartbeats, Double rttP50, Double rttP90, Double rttP99, Double tickLagP50,
      Double tickLagP99, Map<String, Long> losses, long localPauses, long rpcFailures) {}

  /** Cumulative readings of the meters at one moment. */
  private record Reading(long[] rtt, long[] tickLag, Map<String, Long> losses, long localPauses, long rpcFailures) {}

  private final ResourceManagerMetrics metrics;
  private final int capacity;
  private final ArrayDeque<Step> steps = new ArrayDeque<>();
  private final double[] rttBoundsMillis;
  private final double[] tickLagBoundsMillis;
  private Reading previous;

  /**
   * @param capacity steps kept, at least 1
   */
  public HeartbeatHistory(ResourceManagerMetrics metrics, int capacity) {
    if (capacity < 1) {
      throw new IllegalArgumentException("capacity must be at least 1, was " + capacity);
    }
    this.metrics = metrics;
    this.capacity = capacity;
    this.rttBoundsMillis = boundsMillis(metrics.roundTripTimer());
    this.tickLagBoundsMillis = boundsMillis(metrics.tickLagTimer());
  }

  /** Reads the meters; from the second call on, appends the step since the previous call, dated {@code time}. */
  public synchronized void sample(long time) {
    Reading now = new Reading(counts(metrics.roundTripTimer()), counts(metrics.tickLagTimer()),
        metrics.lossesByReason(), metrics.localPausesCount(), metrics.rpcFailuresCount());
    Reading before = previous;
    previous = now;
    if (before == null) {
      return;
    }
    long[] rtt = minus(now.rtt, before.rtt);
    long[] lag = minus(now.tickLag, before.tickLag);
    Map<String, Long> losses = new LinkedHashMap<>();
    now.losses.forEach((reason, count) -> losses.put(reason, count - before.losses.getOrDefault(reason, 0L)));
    steps.addLast(new Step(time, rtt[rtt.length - 1],
        orNull(percentile(rtt, rttBoundsMillis, 0.50)), orNull(percentile(rtt, rttBoundsMillis, 0.90)),
        orNull(percentile(rtt, rttBoundsMillis, 0.99)), orNull(percentile(lag, tickLagBoundsMillis, 0.50)),
        orNull(percentile(lag, tickLagBoundsMillis, 0.99)), losses, now.localPauses - before.localPauses,
        now.rpcFailures - before.rpcFailures));
    while (steps.size() > capacity) {
      steps.removeFirst();
    }
  }

  /** The steps kept, oldest first. */
  public synchronized List<Step> steps() {
    return new ArrayList<>(steps);
  }

  /**
   * The value below which {@code quantile} of the samples lie, linearly interpolated inside its bucket.
   *
   * @param cumulative per bucket the number of samples at or below its bound; one more entry at the end holds
   *     the number of all samples (some may lie above the last bound: they count as the last bound)
   * @return milliseconds, {@code NaN} without samples
   */
  static double percentile(long[] cumulative, double[] boundsMillis, double quantile) {
    long total = cumulative[cumulative.length - 1];
    if (total == 0) {
      return Double.NaN;
    }
    double rank = quantile * total;
    long below = 0;
    double lower = 0;
    for (int i = 0; i < boundsMillis.length; i++) {
      long atOrBelow = cumulative[i];
      if (atOrBelow >= rank) {
        long inBucket = atOrBelow - below;
        double fraction = inBucket == 0 ? 1 : (rank - below) / inBucket;
        return lower + (boundsMillis[i] - lower) * fraction;
      }
      below = atOrBelow;
      lower = boundsMillis[i];
    }
    return boundsMillis[boundsMillis.length - 1];
  }

  private static Double orNull(double value) {
    return Double.isNaN(value) ? null : value;
  }

  private static double[] boundsMillis(Timer timer) {
    CountAtBucket[] buckets = timer.takeSnapshot().histogramCounts();
    double[] bounds = new double[buckets.length];
    for (int i = 0; i < buckets.length; i++) {
      bounds[i] = buckets[i].bucket(TimeUnit.MILLISECONDS);
    }
    return bounds;
  }

  /** Cumulative bucket counts, then the count of all samples. */
  private static long[] counts(Timer timer) {
    var snapshot = timer.takeSnapshot();
    CountAtBucket[] buckets = snapshot.histogramCounts();
    long[] counts = new long[buckets.length + 1];
    for (int i = 0; i < buckets.length; i++) {
      counts[i] = (long) buckets[i].count();
    }
    counts[buckets.length] = snapshot.count();
    return counts;
  }

  private static long[] minus(long[] a, long[] b) {
    long[] result = new long[a.length];
    for (int i = 0; i < a.length; i++) {
      result[i] = a[i] - b[i];
    }
    return result;
  }
}
