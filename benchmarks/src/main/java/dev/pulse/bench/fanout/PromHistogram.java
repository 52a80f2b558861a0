package dev.pulse.bench.fanout;

import java.util.Map;
import java.util.TreeMap;

/**
 * A Prometheus histogram's cumulative buckets ({@code NAME_bucket{le="..."}}) as read from two scrapes,
 * so that a distribution can be taken over exactly the measurement window: the difference of the two.
 * A quantile from buckets is the upper bound of the bucket it falls in, i.e. "p99 is at most X".
 */
final class PromHistogram {

  /** Upper bound in seconds -> cumulative count; {@code +Inf} is {@link Double#POSITIVE_INFINITY}. */
  final TreeMap<Double, Double> cumulative = new TreeMap<>();

  static PromHistogram of(Map<String, Double> metrics, String name) {
    PromHistogram h = new PromHistogram();
    String prefix = name + "_bucket{le=\"";
    metrics.forEach((key, value) -> {
      if (key.startsWith(prefix)) {
        String le = key.substring(prefix.length(), key.indexOf('"', prefix.length()));
        h.cumulative.put(le.equals("+Inf") ? Double.POSITIVE_INFINITY : Double.parseDouble(le), value);
      }
    });
    return h;
  }

  /** This minus {@code earlier}: the samples recorded in between. */
  PromHistogram minus(PromHistogram earlier) {
    PromHistogram d = new PromHistogram();
    cumulative.forEach((le, n) -> d.cumulative.put(le, n - earlier.cumulative.getOrDefault(le, 0.0)));
    return d;
  }

  double count() {
    return cumulative.isEmpty() ? 0 : cumulative.lastEntry().getValue();
  }

  /** Upper bound (seconds) of the bucket holding the {@code q} quantile; infinity past the last bound. */
  double quantileUpperBound(double q) {
    double total = count();
    for (Map.Entry<Double, Double> e : cumulative.entrySet()) {
      if (total > 0 && e.getValue() >= q * total) {
        return e.getKey();
      }
    }
    return 0;
  }

  /**
   * The {@code q} quantile in seconds, interpolated linearly inside its bucket (what Prometheus'
   * {@code histogram_quantile} does); the upper bound of the last finite bucket if it lies beyond.
   */
  double quantile(double q) {
    double total = count();
    if (total == 0) {
      return Double.NaN;
    }
    double rank = q * total;
    double lower = 0;
    double below = 0;
    for (Map.Entry<Double, Double> e : cumulative.entrySet()) {
      if (e.getValue() >= rank) {
        if (e.getKey().isInfinite()) {
          return lower;
        }
        double inBucket = e.getValue() - below;
        return lower + (e.getKey() - lower) * (inBucket == 0 ? 1 : (rank - below) / inBucket);
      }
      lower = e.getKey();
      below = e.getValue();
    }
    return lower;
  }

  /** Samples per bucket (not cumulative), keyed by upper bound in seconds. */
  TreeMap<Double, Double> perBucket() {
    TreeMap<Double, Double> result = new TreeMap<>();
    double previous = 0;
    for (Map.Entry<Double, Double> e : cumulative.entrySet()) {
      result.put(e.getKey(), e.getValue() - previous);
      previous = e.getValue();
    }
    return result;
  }

  String toJson() {
    StringBuilder sb = new StringBuilder("{");
    perBucket().forEach((le, n) -> sb.append(sb.length() > 1 ? "," : "")
        .append(Json.str(le.isInfinite() ? "+Inf" : Json.num(le * 1000) + "ms")).append(':').append((long) (double) n));
    return sb.append('}').toString();
  }
}
