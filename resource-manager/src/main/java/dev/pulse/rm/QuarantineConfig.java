package dev.pulse.rm;

import dev.pulse.config.ConfigException;
import dev.pulse.config.Durations;
import dev.pulse.config.Settings;
import java.time.Duration;
import java.util.Objects;

/**
 * The {@code resourcemanager.quarantine.*} settings (SPEC 11): a resource id lost {@code maxLosses} times
 * within {@code window} (graceful leaves not counted) is quarantined for {@code initialBackoff}; each
 * further quarantine that begins within {@code window} of the previous one ending lasts twice as long,
 * at most {@code maxBackoff}.
 *
 * @param maxLosses losses within the window that quarantine; {@code -1} disables quarantine
 */
public record QuarantineConfig(int maxLosses, Duration window, Duration initialBackoff, Duration maxBackoff) {

  public static final String MAX_LOSSES = "resourcemanager.quarantine.max-losses";
  public static final String WINDOW = "resourcemanager.quarantine.window";
  public static final String INITIAL_BACKOFF = "resourcemanager.quarantine.initial-backoff";
  public static final String MAX_BACKOFF = "resourcemanager.quarantine.max-backoff";

  public static final int DEFAULT_MAX_LOSSES = 3;
  public static final Duration DEFAULT_WINDOW = Duration.ofMinutes(10);
  public static final Duration DEFAULT_INITIAL_BACKOFF = Duration.ofMinutes(1);
  public static final Duration DEFAULT_MAX_BACKOFF = Duration.ofHours(1);
  /** Losses kept per resource id at most; more than any sensible {@code max-losses}. */
  static final int MAX_LOSSES_LIMIT = 100;

  public QuarantineConfig {
    if (maxLosses != -1 && (maxLosses < 1 || maxLosses > MAX_LOSSES_LIMIT)) {
      throw new ConfigException(MAX_LOSSES, "must be between 1 and " + MAX_LOSSES_LIMIT + ", or -1 to disable,"
          + " was " + maxLosses);
    }
    positive(WINDOW, Objects.requireNonNull(window, "window"));
    positive(INITIAL_BACKOFF, Objects.requireNonNull(initialBackoff, "initialBackoff"));
    positive(MAX_BACKOFF, Objects.requireNonNull(maxBackoff, "maxBackoff"));
    if (maxBackoff.compareTo(initialBackoff) < 0) {
      throw new ConfigException(MAX_BACKOFF, "must be at least " + INITIAL_BACKOFF + " ("
          + Durations.format(initialBackoff) + "), was " + Durations.format(maxBackoff));
    }
  }

  public static QuarantineConfig defaults() {
    return new QuarantineConfig(DEFAULT_MAX_LOSSES, DEFAULT_WINDOW, DEFAULT_INITIAL_BACKOFF, DEFAULT_MAX_BACKOFF);
  }

  /**
   * Reads the keys from {@code settings}.
   *
   * @throws ConfigException naming the key of a bad value
   */
  public static QuarantineConfig from(Settings settings) {
    int maxLosses = settings.intValue(MAX_LOSSES, DEFAULT_MAX_LOSSES, -1, MAX_LOSSES_LIMIT);
    if (maxLosses == 0) {
      throw new ConfigException(MAX_LOSSES, "must be between 1 and " + MAX_LOSSES_LIMIT + ", or -1 to disable, was 0");
    }
    return new QuarantineConfig(maxLosses, settings.duration(WINDOW, DEFAULT_WINDOW),
        settings.duration(INITIAL_BACKOFF, DEFAULT_INITIAL_BACKOFF), settings.duration(MAX_BACKOFF, DEFAULT_MAX_BACKOFF));
  }

  boolean enabled() {
    return maxLosses != -1;
  }

  private static void positive(String key, Duration d) {
    if (d.isNegative() || d.isZero()) {
      throw new ConfigException(key, "must be positive, was " + Durations.format(d));
    }
  }
}
