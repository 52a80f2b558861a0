package dev.pulse.bench.fanout;

import java.util.Arrays;

/**
 * Every sample of a run, in nanoseconds, kept exactly (a 60 s run at 10,000/s is 600,000 longs, under
 * 5 MB), so percentiles are exact rather than bucketed. Thread-safe (synchronized; a few thousand adds
 * a second do not contend).
 */
final class Samples {

  private long[] values = new long[1 << 16];
  private int size;

  synchronized void add(long nanos) {
    if (size == values.length) {
      values = Arrays.copyOf(values, size * 2);
    }
    values[size++] = nanos;
  }

  synchronized int size() {
    return size;
  }

  synchronized long[] sorted() {
    long[] copy = Arrays.copyOf(values, size);
    Arrays.sort(copy);
    return copy;
  }

  /** {@code q} quantile of sorted values (nearest rank), or 0 when empty. */
  static long quantile(long[] sorted, double q) {
    if (sorted.length == 0) {
      return 0;
    }
    int rank = (int) Math.ceil(q * sorted.length) - 1;
    return sorted[Math.max(0, Math.min(sorted.length - 1, rank))];
  }

  /** {@code {"p50":..,"p99":..,"p999":..,"max":..,"count":..}} in milliseconds. */
  String summaryMillis() {
    long[] s = sorted();
    return "{\"p50\":" + Json.num(quantile(s, 0.5) / 1e6) + ",\"p99\":" + Json.num(quantile(s, 0.99) / 1e6)
        + ",\"p999\":" + Json.num(quantile(s, 0.999) / 1e6)
        + ",\"max\":" + Json.num(s.length == 0 ? 0 : s[s.length - 1] / 1e6) + ",\"count\":" + s.length + "}";
  }
}
