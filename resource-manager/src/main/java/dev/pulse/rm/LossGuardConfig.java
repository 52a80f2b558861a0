package dev.pulse.rm;

import dev.pulse.config.ConfigException;
import dev.pulse.config.Durations;
import dev.pulse.config.Settings;
import dev.pulse.heartbeat.HeartbeatConfig;
import java.time.Duration;
import java.util.Objects;

/**
 * The {@code resourcemanager.loss-guard.*} settings (SPEC 11): when the resource manager holds back the
 * release of silent task executors because it may be the one that is cut off or overloaded.
 *
 * <p>The rule is Kubernetes' zone rule: when at least {@code minUnhealthy} task executors, and at least
 * {@code unhealthyFraction} of all registered ones, are silent at once, a mass failure is suspected; then a
 * cluster of more than {@code largeClusterSize} task executors releases silent ones at
 * {@code secondaryReleaseRate} per second, and a smaller one releases none. When every task executor is
 * silent, none is released at any size. Separately, a timer lag of the heartbeat sender above
 * {@code overloadTickLag} means the resource manager itself is overloaded; for one heartbeat timeout after
 * that, no task executor is released for a heartbeat timeout (each is given a fresh timeout instead).
 *
 * @param enabled {@code false}: every silent task executor is released at once, as without a guard
 * @param secondaryReleaseRate task executors per second
 */
public record LossGuardConfig(boolean enabled, int minUnhealthy, double unhealthyFraction, int largeClusterSize,
    double secondaryReleaseRate, Duration overloadTickLag) {

  public static final String ENABLED = "resourcemanager.loss-guard.enabled";
  public static final String MIN_UNHEALTHY = "resourcemanager.loss-guard.min-unhealthy";
  public static final String UNHEALTHY_FRACTION = "resourcemanager.loss-guard.unhealthy-fraction";
  public static final String LARGE_CLUSTER_SIZE = "resourcemanager.loss-guard.large-cluster-size";
  public static final String SECONDARY_RELEASE_RATE = "resourcemanager.loss-guard.secondary-release-rate";
  /** Defaults to half of {@code heartbeat.interval}, at least {@link #MIN_DEFAULT_OVERLOAD_TICK_LAG}. */
  public static final String OVERLOAD_TICK_LAG = "resourcemanager.loss-guard.overload-tick-lag";

  public static final int DEFAULT_MIN_UNHEALTHY = 3;
  public static final double DEFAULT_UNHEALTHY_FRACTION = 0.55;
  public static final int DEFAULT_LARGE_CLUSTER_SIZE = 50;
  /** Kubernetes' secondary node eviction rate: one task executor per 100 s. */
  public static final double DEFAULT_SECONDARY_RELEASE_RATE = 0.01;
  /** The default overload threshold never goes below this: shorter lags are scheduling noise on a busy host. */
  public static final Duration MIN_DEFAULT_OVERLOAD_TICK_LAG = Duration.ofMillis(250);

  public LossGuardConfig {
    if (minUnhealthy < 1) {
      throw new ConfigException(MIN_UNHEALTHY, "must be at least 1, was " + minUnhealthy);
    }
    if (!(unhealthyFraction > 0 && unhealthyFraction <= 1)) {
      throw new ConfigException(UNHEALTHY_FRACTION, "must be above 0 and at most 1, was " + unhealthyFraction);
    }
    if (largeClusterSize < 0) {
      throw new ConfigException(LARGE_CLUSTER_SIZE, "must be 0 or more, was " + largeClusterSize);
    }
    if (!(secondaryReleaseRate > 0 && secondaryReleaseRate <= 1_000)) {
      throw new ConfigException(SECONDARY_RELEASE_RATE,
          "must be above 0 and at most 1000 (task executors per second), was " + secondaryReleaseRate);
    }
    Objects.requireNonNull(overloadTickLag, "overloadTickLag");
    if (overloadTickLag.isNegative() || overloadTickLag.isZero()) {
      throw new ConfigException(OVERLOAD_TICK_LAG, "must be positive, was " + Durations.format(overloadTickLag));
    }
  }

  /** The defaults, for a heartbeat interval of {@code interval}. */
  public static LossGuardConfig defaults(Duration interval) {
    return new LossGuardConfig(true, DEFAULT_MIN_UNHEALTHY, DEFAULT_UNHEALTHY_FRACTION, DEFAULT_LARGE_CLUSTER_SIZE,
        DEFAULT_SECONDARY_RELEASE_RATE, max(interval.dividedBy(2), MIN_DEFAULT_OVERLOAD_TICK_LAG));
  }

  /** No guard: every silent task executor is released when its heartbeat times out. */
  public static LossGuardConfig disabled(Duration interval) {
    LossGuardConfig d = defaults(interval);
    return new LossGuardConfig(false, d.minUnhealthy, d.unhealthyFraction, d.largeClusterSize,
        d.secondaryReleaseRate, d.overloadTickLag);
  }

  /**
   * Reads the keys from {@code settings}.
   *
   * @throws ConfigException naming the key of a bad value
   */
  public static LossGuardConfig from(Settings settings, HeartbeatConfig heartbeat) {
    LossGuardConfig d = defaults(heartbeat.interval());
    return new LossGuardConfig(
        settings.bool(ENABLED, true),
        settings.intValue(MIN_UNHEALTHY, d.minUnhealthy, 1, Integer.MAX_VALUE),
        number(settings, UNHEALTHY_FRACTION, d.unhealthyFraction),
        settings.intValue(LARGE_CLUSTER_SIZE, d.largeClusterSize, 0, Integer.MAX_VALUE),
        number(settings, SECONDARY_RELEASE_RATE, d.secondaryReleaseRate),
        settings.duration(OVERLOAD_TICK_LAG, d.overloadTickLag));
  }

  private static Duration max(Duration a, Duration b) {
    return a.compareTo(b) >= 0 ? a : b;
  }

  /** Nanoseconds between two releases while a mass failure is suspected in a large cluster. */
  long secondaryReleaseIntervalNanos() {
    return Math.max(1, Math.round(1e9 / secondaryReleaseRate));
  }

  private static double number(Settings settings, String key, double defaultValue) {
    String raw = settings.string(key, null);
    if (raw == null) {
      return defaultValue;
    }
    try {
      return Double.parseDouble(raw.trim());
    } catch (NumberFormatException e) {
      throw new ConfigException(key, "'" + raw + "' is not a number");
    }
  }
}
