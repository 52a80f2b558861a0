package dev.pulse.heartbeat;

import dev.pulse.config.ConfigOption;
import dev.pulse.config.ConfigOptionSource;
import dev.pulse.config.ConfigOptions;
import java.time.Duration;
import java.util.List;

/**
 * The {@code heartbeat.*} keys, declared for the {@link dev.pulse.config.ConfigRegistry}: type, default and
 * description. {@link HeartbeatConfig#from} reads them and checks their ranges. Also this module's
 * {@link ConfigOptionSource}. Stateless.
 */
public final class HeartbeatConfigOptions implements ConfigOptionSource {

  public static final ConfigOption<Duration> INTERVAL = ConfigOptions.key(HeartbeatConfig.INTERVAL)
      .durationType()
      .defaultValue(HeartbeatConfig.DEFAULT_INTERVAL)
      .withDescription("How often the resource manager asks each task executor for a heartbeat. Must be > 0.");

  public static final ConfigOption<Duration> TIMEOUT = ConfigOptions.key(HeartbeatConfig.TIMEOUT)
      .durationType()
      .defaultValue(HeartbeatConfig.DEFAULT_TIMEOUT)
      .withDescription("Silence after which a task executor (or, seen from a task executor, the resource manager) is"
          + " lost. Must be > heartbeat.interval: with the two equal, any answer that comes a moment late loses a"
          + " healthy task executor. Use at least 2 x heartbeat.interval (a shorter timeout is accepted with a"
          + " warning).");

  public static final ConfigOption<Integer> RPC_FAILURE_THRESHOLD = ConfigOptions.key(HeartbeatConfig.RPC_FAILURE_THRESHOLD)
      .intType()
      .defaultValue(HeartbeatConfig.DEFAULT_RPC_FAILURE_THRESHOLD)
      .withDescription("Heartbeat RPCs in a row that may fail as unreachable (connection refused or reset) before the"
          + " task executor is lost. A deadline-exceeded RPC does not count. -1 disables the rule.");

  public static final ConfigOption<Boolean> SPREAD = ConfigOptions.key(HeartbeatConfig.SPREAD)
      .booleanType()
      .defaultValue(HeartbeatConfig.DEFAULT_SPREAD)
      .withDescription("Spread heartbeat requests evenly over the interval instead of asking every task executor at"
          + " once.");

  @Override
  public List<ConfigOption<?>> options() {
    return ConfigOptions.declaredIn(HeartbeatConfigOptions.class);
  }
}
