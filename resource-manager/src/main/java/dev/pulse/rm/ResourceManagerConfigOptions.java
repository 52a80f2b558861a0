package dev.pulse.rm;

import dev.pulse.config.ConfigOption;
import dev.pulse.config.ConfigOptions;
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

  private ResourceManagerConfigOptions() {}
}
