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
 * @param maxTickLag heartbeat sender timer lag above which registrations are refused for a while; zero: no such rule
 * @param maxEventLoopLag RPC event loop lag above which registrations are refused for a while; zero: no such rule
 * @param retryAfter the retry hint sent with each refusal, and how long a lag above a limit keeps refusing
 * @param startUpGrace how long after the start the lag rule ignores lags: a fresh JVM's first registrations are
 *     slow for class loading and compilation, which is no overload (the in-progress bound always applies)
 */
public record RegistrationConfig(int maxInProgress, Duration maxTickLag, Duration maxEventLoopLag,
    Duration retryAfter, Duration startUpGrace) {

  public static final String MAX_IN_PROGRESS = "resourcemanager.registration.max-in-progress";
  public static final String MAX_TICK_LAG = "resourcemanager.registration.max-tick-lag";
  public static final String MAX_EVENT_LOOP_LAG = "resourcemanager.registration.max-event-loop-lag";
  public static final String RETRY_AFTER = "resourcemanager.registration.retry-after";
  public static final String START_UP_GRACE = "resourcemanager.registration.start-up-grace";

  public static final int DEFAULT_MAX_IN_PROGRESS = 256;
  /**
   * The lag limits of {@code bin/resource-manager}, whose task executors retry. Embedded, the default is zero
   * (no lag rule): a caller that registers through the facade once, without retrying, would fail whenever the
   * host is busy.
   */
  public static final Duration DEFAULT_MAX_TICK_LAG = Duration.ofMillis(100);
  public static final Duration DEFAULT_MAX_EVENT_LOOP_LAG = Duration.ofMillis(100);
  public static final Duration DEFAULT_RETRY_AFTER = Duration.ofSeconds(1);
  /**
   * Long enough for a fresh resource manager's first registrations (class loading, compilation, the first
   * connections), which ran its sender 130-150 ms late on a 2-core machine under load: without the grace,
   * some task executors of a small local cluster were refused once at start-up.
   */
  public static final Duration DEFAULT_START_UP_GRACE = Duration.ofSeconds(10);
  /** The longest retry hint: a task executor waits at most about this long (plus its jitter) per refusal. */
  public static final Duration MAX_RETRY_AFTER = Duration.ofMinutes(1);

  public RegistrationConfig {
    if (maxInProgress < 1) {
      throw new ConfigException(MAX_IN_PROGRESS, "must be at least 1, was " + maxInProgress);
    }
    notNegative(MAX_TICK_LAG, Objects.requireNonNull(maxTickLag, "maxTickLag"));
    notNegative(MAX_EVENT_LOOP_LAG, Objects.requireNonNull(maxEventLoopLag, "maxEventLoopLag"));
    positive(RETRY_AFTER, Objects.requireNonNull(retryAfter, "retryAfter"));
    notNegative(START_UP_GRACE, Objects.requireNonNull(startUpGrace, "startUpGrace"));
    if (retryAfter.compareTo(MAX_RETRY_AFTER) > 0) {
      throw new ConfigException(RETRY_AFTER, "must be at most " + Durations.format(MAX_RETRY_AFTER) + ", was "
          + Durations.format(retryAfter));
    }
  }

  /** The defaults of {@code bin/resource-manager} ({@code standalone}) or of an embedded resource manager. */
  public static RegistrationConfig defaults(boolean standalone) {
    Duration lag = standalone ? DEFAULT_MAX_TICK_LAG : Duration.ZERO;
    return new RegistrationConfig(DEFAULT_MAX_IN_PROGRESS, lag,
        standalone ? DEFAULT_MAX_EVENT_LOOP_LAG : Duration.ZERO, DEFAULT_RETRY_AFTER, DEFAULT_START_UP_GRACE);
  }

  /** As {@link #from(Settings, boolean)} for an embedded resource manager (no lag rule unless configured). */
  public static RegistrationConfig from(Settings settings) {
    return from(settings, false);
  }

  /**
   * Reads the keys from {@code settings}, with the defaults of {@code bin/resource-manager} if {@code standalone}.
   *
   * @throws ConfigException naming the key of a bad value
   */
  public static RegistrationConfig from(Settings settings, boolean standalone) {
    RegistrationConfig d = defaults(standalone);
    return new RegistrationConfig(
        settings.intValue(MAX_IN_PROGRESS, d.maxInProgress, 1, Integer.MAX_VALUE),
        settings.duration(MAX_TICK_LAG, d.maxTickLag),
        settings.duration(MAX_EVENT_LOOP_LAG, d.maxEventLoopLag),
        settings.duration(RETRY_AFTER, d.retryAfter),
        settings.duration(START_UP_GRACE, d.startUpGrace));
  }

  private static void notNegative(String key, Duration d) {
    if (d.isNegative()) {
      throw new ConfigException(key, "must be 0 or more, was " + Durations.format(d));
    }
  }

  private static void positive(String key, Duration d) {
    if (d.isNegative() || d.isZero()) {
      throw new ConfigException(key, "must be positive, was " + Durations.format(d));
    }
  }
}
