package dev.pulse.rm;

import dev.pulse.config.ConfigOption;
import dev.pulse.config.ConfigException;
import dev.pulse.config.ConfigOptions;
import dev.pulse.config.Durations;
import dev.pulse.config.OptionType;
import dev.pulse.rm.store.StoreConfig;
import java.nio.file.Path;
import java.time.Duration;

/**
 * The resource manager's own {@code resourcemanager.*} keys, declared for the
 * {@link dev.pulse.config.ConfigRegistry}: type, default and description. The endpoint keys that task
 * executors read too are {@link dev.pulse.rpc.RpcConfigOptions}', the REST keys
 * {@link dev.pulse.rm.rest.RestConfigOptions}'. Stateless.
 */
public final class ResourceManagerConfigOptions {

  public static final ConfigOption<String> BIND_HOST = ConfigOptions.key("resourcemanager.bind-host")
      .hostType()
      .noDefaultValue()
      .withDefaultDescription("resourcemanager.rpc.address")
      .withDescription("Host or IP address the resource manager's gRPC server listens on, e.g. 0.0.0.0 in a"
          + " container whose advertised address (resourcemanager.rpc.address) belongs to the host or the pod.");

  public static final ConfigOption<Duration> RECOVERY_TIMEOUT = ConfigOptions.key(ResourceManagerOptions.RECOVERY_TIMEOUT)
      .durationType()
      .noDefaultValue()
      .withDefaultDescription("heartbeat.timeout")
      .withDescription("After a restart, how long a task executor known from the store has to register again"
          + " before it is lost (reason RECOVERY_TIMEOUT) and its allocations' owners are told.");

  public static final ConfigOption<StoreConfig.Type> STORE_TYPE = ConfigOptions.key(StoreConfig.TYPE)
      .enumType(StoreConfig.Type.class)
      .noDefaultValue()
      .withDefaultDescription("sqlite (bin/resource-manager); memory (embedded, unless resourcemanager.store.dir is"
          + " set)")
      .withDescription("Where the resource manager's durable state lives: allocations, task executor records, the"
          + " epoch counter and the event tail. sqlite: one file (registry.db) in resourcemanager.store.dir,"
          + " which survives a restart or crash; memory: nothing survives the process.");

  public static final ConfigOption<Path> STORE_DIR = ConfigOptions.key(StoreConfig.DIR)
      .pathType()
      .noDefaultValue()
      .withDefaultDescription(StoreConfig.DEFAULT_DIR + " (bin/resource-manager); none (embedded)")
      .withDescription("The store directory; a relative path is relative to the directory the process runs in. One"
          + " resource manager per directory (a second one on it exits with code 1 naming the directory).");

  public static final ConfigOption<StoreConfig.Sync> STORE_SYNC = ConfigOptions.key(StoreConfig.SYNC)
      .enumType(StoreConfig.Sync.class)
      .defaultValue(StoreConfig.Sync.NORMAL)
      .withDescription("normal: every acknowledged change survives a crash of the process; full: also a power loss"
          + " (slower).");

  // ------------------------------------------------------------------ loss guards (SPEC 11)

  /** A decimal number. */
  private static final OptionType<Double> NUMBER = OptionType.of("number", (key, value) -> {
    try {
      return Double.parseDouble(value.trim());
    } catch (NumberFormatException e) {
      throw new ConfigException(key, "'" + value + "' is not a number");
    }
  }, String::valueOf);

  public static final ConfigOption<Boolean> LOSS_GUARD_ENABLED = ConfigOptions.key(LossGuardConfig.ENABLED)
      .booleanType()
      .defaultValue(true)
      .withDescription("false: every silent task executor is released when its heartbeat times out, with no"
          + " mass-failure or overload guard.");

  public static final ConfigOption<Integer> LOSS_GUARD_MIN_UNHEALTHY = ConfigOptions.key(LossGuardConfig.MIN_UNHEALTHY)
      .intType()
      .defaultValue(LossGuardConfig.DEFAULT_MIN_UNHEALTHY)
      .withDescription("Silent task executors needed, together with the unhealthy fraction, before the resource"
          + " manager suspects it is the one cut off (MASS_FAILURE_SUSPECTED). At least 1.");

  public static final ConfigOption<Double> LOSS_GUARD_UNHEALTHY_FRACTION =
      ConfigOptions.key(LossGuardConfig.UNHEALTHY_FRACTION)
          .type(NUMBER)
          .defaultValue(LossGuardConfig.DEFAULT_UNHEALTHY_FRACTION)
          .withDescription("Fraction of all task executors that must be silent at once for a suspected mass"
              + " failure; above 0, at most 1.");

  public static final ConfigOption<Integer> LOSS_GUARD_LARGE_CLUSTER_SIZE =
      ConfigOptions.key(LossGuardConfig.LARGE_CLUSTER_SIZE)
          .intType()
          .defaultValue(LossGuardConfig.DEFAULT_LARGE_CLUSTER_SIZE)
          .withDescription("During a suspected mass failure, clusters above this size release silent task"
              + " executors at the secondary release rate; clusters at or below it release none.");

  public static final ConfigOption<Double> LOSS_GUARD_SECONDARY_RELEASE_RATE =
      ConfigOptions.key(LossGuardConfig.SECONDARY_RELEASE_RATE)
          .type(NUMBER)
          .defaultValue(LossGuardConfig.DEFAULT_SECONDARY_RELEASE_RATE)
          .withDescription("Task executors released per second during a suspected mass failure in a large"
              + " cluster; above 0, at most 1000.");

  public static final ConfigOption<Duration> LOSS_GUARD_OVERLOAD_TICK_LAG =
      ConfigOptions.key(LossGuardConfig.OVERLOAD_TICK_LAG)
          .durationType()
          .noDefaultValue()
          .withDefaultDescription("half of heartbeat.interval, at least "
              + Durations.format(LossGuardConfig.MIN_DEFAULT_OVERLOAD_TICK_LAG))
          .withDescription("Heartbeat sender lag above which the resource manager counts itself overloaded: the"
              + " time it lags is not charged to silent task executors.");

  public static final ConfigOption<Integer> QUARANTINE_MAX_LOSSES = ConfigOptions.key(QuarantineConfig.MAX_LOSSES)
      .intType()
      .defaultValue(QuarantineConfig.DEFAULT_MAX_LOSSES)
      .withDescription("Losses of one resource id within the window that quarantine it (graceful leaves do not"
          + " count); -1 turns quarantine off.");

  public static final ConfigOption<Duration> QUARANTINE_WINDOW = ConfigOptions.key(QuarantineConfig.WINDOW)
      .durationType()
      .defaultValue(QuarantineConfig.DEFAULT_WINDOW)
      .withDescription("The window in which max-losses losses quarantine a resource id.");

  public static final ConfigOption<Duration> QUARANTINE_INITIAL_BACKOFF =
      ConfigOptions.key(QuarantineConfig.INITIAL_BACKOFF)
          .durationType()
          .defaultValue(QuarantineConfig.DEFAULT_INITIAL_BACKOFF)
          .withDescription("How long a first quarantine lasts; each further one lasts twice as long, up to"
              + " max-backoff.");

  public static final ConfigOption<Duration> QUARANTINE_MAX_BACKOFF = ConfigOptions.key(QuarantineConfig.MAX_BACKOFF)
      .durationType()
      .defaultValue(QuarantineConfig.DEFAULT_MAX_BACKOFF)
      .withDescription("The longest a quarantine lasts.");

  // ------------------------------------------------------------------ registration admission (start-up storms)

  public static final ConfigOption<Integer> REGISTRATION_MAX_IN_PROGRESS =
      ConfigOptions.key(RegistrationConfig.MAX_IN_PROGRESS)
          .intType()
          .defaultValue(RegistrationConfig.DEFAULT_MAX_IN_PROGRESS)
          .withDescription("Registrations taken and not yet answered, at most; one more is refused with"
              + " RESOURCE_EXHAUSTED and a retry hint (retry-after). At least 1.");

  public static final ConfigOption<Duration> REGISTRATION_MAX_TICK_LAG =
      ConfigOptions.key(RegistrationConfig.MAX_TICK_LAG)
          .durationType()
          .noDefaultValue()
          .withDefaultDescription(Durations.format(RegistrationConfig.DEFAULT_MAX_TICK_LAG)
              + " (bin/resource-manager); 0, off (embedded)")
          .withDescription("Heartbeat sender lag above which the resource manager takes no new task executor for"
              + " retry-after (RESOURCE_EXHAUSTED with a retry hint); known ones may still register again. 0 turns"
              + " the rule off.");

  public static final ConfigOption<Duration> REGISTRATION_MAX_EVENT_LOOP_LAG =
      ConfigOptions.key(RegistrationConfig.MAX_EVENT_LOOP_LAG)
          .durationType()
          .noDefaultValue()
          .withDefaultDescription(Durations.format(RegistrationConfig.DEFAULT_MAX_EVENT_LOOP_LAG)
              + " (bin/resource-manager); 0, off (embedded)")
          .withDescription("RPC event loop lag above which the resource manager takes no new task executor for"
              + " retry-after, as for max-tick-lag. 0 turns the rule off.");

  public static final ConfigOption<Duration> REGISTRATION_RETRY_AFTER =
      ConfigOptions.key(RegistrationConfig.RETRY_AFTER)
          .durationType()
          .defaultValue(RegistrationConfig.DEFAULT_RETRY_AFTER)
          .withDescription("The retry hint sent with a refused registration: task executors wait this long plus a"
              + " jittered share of a quarter of it (at least 100 ms). Refusals in a burst are told to come back"
              + " paced, at twice max-in-progress per retry-after, so their hints grow beyond it. Also how long a lag"
              + " above a limit keeps refusing. Positive, at most " + Durations.format(RegistrationConfig.MAX_RETRY_AFTER) + ".");

  public static final ConfigOption<Duration> REGISTRATION_START_UP_GRACE =
      ConfigOptions.key(RegistrationConfig.START_UP_GRACE)
          .durationType()
          .defaultValue(RegistrationConfig.DEFAULT_START_UP_GRACE)
          .withDescription("For this long after the resource manager starts (or takes the lead), lags do not refuse"
              + " registrations: a fresh JVM's first registrations are slow (class loading, compilation), which is no"
              + " overload. The max-in-progress bound always applies. 0 or more.");

  private ResourceManagerConfigOptions() {}
}
