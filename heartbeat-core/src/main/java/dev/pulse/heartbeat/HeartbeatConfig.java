package dev.pulse.heartbeat;

import dev.pulse.config.ConfigException;
import dev.pulse.config.Durations;
import dev.pulse.config.Settings;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;

/**
 * Validated, immutable heartbeat settings.
 *
 * <h2>Timeout and interval</h2>
 * {@code heartbeat.timeout} must be strictly longer than {@code heartbeat.interval}. A target is asked
 * once per interval, so with a timeout equal to the interval any answer that arrives a moment late (a
 * round trip, a busy main thread) loses a healthy target: measured, every task executor flapped. A
 * timeout of at least twice the interval lets one request go unanswered; shorter ones are accepted
 * but logged as a WARN by {@link HeartbeatServices#of}. The default is five intervals. Both durations
 * are at most {@link Durations#MAX}.
 *
 * @param interval how often the sender asks each target for a heartbeat ({@code heartbeat.interval})
 * @param timeout how long a target may stay silent before it is lost ({@code heartbeat.timeout}),
 *     more than {@code interval}
 * @param rpcFailureThreshold how many heartbeat RPCs in a row may fail as unreachable before the
 *     target is lost; {@code -1} disables the rule ({@code heartbeat.rpc-failure-threshold})
 * @param spread whether the sender spreads its requests evenly over the interval instead of asking
 *     every target at once ({@code heartbeat.spread})
 */
public record HeartbeatConfig(Duration interval, Duration timeout, int rpcFailureThreshold, boolean spread) {

  public static final String INTERVAL = "heartbeat.interval";
  public static final String TIMEOUT = "heartbeat.timeout";
  public static final String RPC_FAILURE_THRESHOLD = "heartbeat.rpc-failure-threshold";
  public static final String SPREAD = "heartbeat.spread";

  public static final Duration DEFAULT_INTERVAL = Duration.ofSeconds(10);
  public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(50);
  public static final int DEFAULT_RPC_FAILURE_THRESHOLD = 2;
  public static final boolean DEFAULT_SPREAD = true;

  /** The defaults: 10 s interval, 50 s timeout, threshold 2, spread on. */
  public static final HeartbeatConfig DEFAULTS =
      new HeartbeatConfig(DEFAULT_INTERVAL, DEFAULT_TIMEOUT, DEFAULT_RPC_FAILURE_THRESHOLD, DEFAULT_SPREAD);

  /**
   * @throws ConfigException naming the offending key if a value is out of range
   */
  public HeartbeatConfig {
    if (interval == null) {
      throw new ConfigException(INTERVAL, "is required");
    }
    if (timeout == null) {
      throw new ConfigException(TIMEOUT, "is required");
    }
    if (interval.isNegative() || interval.isZero()) {
      throw new ConfigException(INTERVAL, "must be > 0, was " + Durations.format(interval));
    }
    Durations.requireAtMost(INTERVAL, interval);
    Durations.requireAtMost(TIMEOUT, timeout);
    if (timeout.compareTo(interval) <= 0) {
      throw new ConfigException(TIMEOUT, "must be > " + INTERVAL + " (" + Durations.format(interval)
          + "), was " + Durations.format(timeout) + "; otherwise any late answer loses a healthy target;"
          + " use at least twice the interval, e.g. " + Durations.format(interval.multipliedBy(2)));
    }
    if (rpcFailureThreshold <= 0 && rpcFailureThreshold != -1) {
      throw new ConfigException(RPC_FAILURE_THRESHOLD, "must be > 0, or -1 to disable, was " + rpcFailureThreshold);
    }
  }

  /** Convenience for tests and embedding: interval and timeout, other settings default. */
  public static HeartbeatConfig of(Duration interval, Duration timeout) {
    return new HeartbeatConfig(interval, timeout, DEFAULT_RPC_FAILURE_THRESHOLD, DEFAULT_SPREAD);
  }

  /**
   * Whether the timeout leaves room for one unanswered request: at least twice the interval. A shorter
   * timeout is valid but loses targets on the first late answer.
   */
  public boolean toleratesOneMissedRequest() {
    return timeout.compareTo(interval.multipliedBy(2)) >= 0;
  }

  /** Whether the unreachable rule is on. */
  public boolean failureDetectionEnabled() {
    return rpcFailureThreshold != -1;
  }

  public HeartbeatConfig withInterval(Duration newInterval) {
    return new HeartbeatConfig(newInterval, timeout, rpcFailureThreshold, spread);
  }

  public HeartbeatConfig withTimeout(Duration newTimeout) {
    return new HeartbeatConfig(interval, newTimeout, rpcFailureThreshold, spread);
  }

  public HeartbeatConfig withRpcFailureThreshold(int newThreshold) {
    return new HeartbeatConfig(interval, timeout, newThreshold, spread);
  }

  public HeartbeatConfig withSpread(boolean newSpread) {
    return new HeartbeatConfig(interval, timeout, rpcFailureThreshold, newSpread);
  }

  /**
   * Reads the {@code heartbeat.*} keys from flat string settings (as from a YAML file flattened to
   * dotted keys, or {@code -D} overrides); absent keys take their defaults, other keys are ignored.
   *
   * @throws ConfigException naming the first key whose value is unparseable or out of range
   */
  public static HeartbeatConfig fromMap(Map<String, String> settings) {
    return from(Settings.of(Objects.requireNonNull(settings, "settings")));
  }

  /** As {@link #fromMap}, from layered {@link Settings}. */
  public static HeartbeatConfig from(Settings settings) {
    return new HeartbeatConfig(
        settings.duration(INTERVAL, DEFAULT_INTERVAL),
        settings.duration(TIMEOUT, DEFAULT_TIMEOUT),
        settings.intValue(RPC_FAILURE_THRESHOLD, DEFAULT_RPC_FAILURE_THRESHOLD, Integer.MIN_VALUE, Integer.MAX_VALUE),
        settings.bool(SPREAD, DEFAULT_SPREAD));
  }

  @Override
  public String toString() {
    return INTERVAL + "=" + Durations.format(interval) + ", " + TIMEOUT + "=" + Durations.format(timeout)
        + ", " + RPC_FAILURE_THRESHOLD + "=" + rpcFailureThreshold + ", " + SPREAD + "=" + spread;
  }
}
