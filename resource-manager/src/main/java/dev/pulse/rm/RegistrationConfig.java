package dev.pulse.rm;

import dev.pulse.config.ConfigException;
import dev.pulse.config.Durations;
import dev.pulse.config.Settings;
import java.time.Duration;
import java.util.Objects;

/**
 * The {@code resourcemanager.registration.*} settings: admission control for registrations, so that a
 * start-up storm (thousands of task executors registering at once) cannot overload the resource manager
 * into convicting the task executors it already has. See {@link RegistrationThrottle} for the rule.
 *
 * @param maxInProgress registrations the resource manager works on at once, at least 1; more are refused
 * @param maxTickLag heartbeat sender timer lag above which registrations are refused for a while
 * @param maxEventLoopLag RPC event loop lag above which registrations are refused for a while
 * @param retryAfter the retry hint sent with each refusal, and how long a lag above a limit keeps refusing
 */
public record RegistrationConfig(int maxInProgress, Duration maxTickLag, Duration maxEventLoopLag,
    Duration retryAfter) {

  public static final String MAX_IN_PROGRESS = "resourcemanager.registration.max-in-progress";
  public static final String MAX_TICK_LAG = "resourcemanager.registration.max-tick-lag";
  public static final String MAX_EVENT_LOOP_LAG = "resourcemanager.registration.max-event-loop-lag";
  public static final String RETRY_AFTER = "resourcemanager.registration.retry-after";

  public static final int DEFAULT_MAX_IN_PROGRESS = 256;
  public static final Duration DEFAULT_MAX_TICK_LAG = Duration.ofMillis(100);
  public static final Duration DEFAULT_MAX_EVENT_LOOP_LAG = Duration.ofMillis(100);
  public static final Duration DEFAULT_RETRY_AFTER = Duration.ofSeconds(1);
  /** The longest retry hint: a task executor waits at most about this long (plus its jitter) per refusal. */
  public static final Duration MAX_RETRY_AFTER = Duration.ofMinutes(1);

  public RegistrationConfig {
    if (maxInProgress < 1) {
      throw new ConfigException(MAX_IN_PROGRESS, "must be at least 1, was " + maxInProgress);
    }
    positive(MAX_TICK_LAG, Objects.requireNonNull(maxTickLag, "maxTickLag"));
    positive(MAX_EVENT_LOOP_LAG, Objects.requireNonNull(maxEventLoopLag, "maxEventLoopLag"));
    positive(RETRY_AFTER, Objects.requireNonNull(retryAfter, "retryAfter"));
    if (retryAfter.compareTo(MAX_RETRY_AFTER) > 0) {
      throw new ConfigException(RETRY_AFTER, "must be at most " + Durations.format(MAX_RETRY_AFTER) + ", was "
          + Durations.format(retryAfter));
    }
  }

  public static RegistrationConfig defaults() {
    return new RegistrationConfig(DEFAULT_MAX_IN_PROGRESS, DEFAULT_MAX_TICK_LAG, DEFAULT_MAX_EVENT_LOOP_LAG,
        DEFAULT_RETRY_AFTER);
  }

  /**
   * Reads the keys from {@code settings}.
   *
   * @throws ConfigException naming the key of a bad value
   */
  public static RegistrationConfig from(Settings settings) {
    return new RegistrationConfig(
        settings.intValue(MAX_IN_PROGRESS, DEFAULT_MAX_IN_PROGRESS, 1, Integer.MAX_VALUE),
        settings.duration(MAX_TICK_LAG, DEFAULT_MAX_TICK_LAG),
        settings.duration(MAX_EVENT_LOOP_LAG, DEFAULT_MAX_EVENT_LOOP_LAG),
        settings.duration(RETRY_AFTER, DEFAULT_RETRY_AFTER));
  }

  private static void positive(String key, Duration d) {
    if (d.isNegative() || d.isZero()) {
      throw new ConfigException(key, "must be positive, was " + Durations.format(d));
    }
  }
}
