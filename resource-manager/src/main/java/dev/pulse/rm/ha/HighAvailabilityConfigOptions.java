package dev.pulse.rm.ha;

import dev.pulse.config.ConfigOption;
import dev.pulse.config.ConfigOptions;

/**
 * The {@code high-availability.type} key, declared for the {@link dev.pulse.config.ConfigRegistry}. The keys
 * of each type (e.g. {@code high-availability.zookeeper.*}) are declared by the module that implements it.
 * Stateless.
 */
public final class HighAvailabilityConfigOptions {

  /** No high availability: one resource manager process, its own store. */
  public static final String NONE = "none";

  public static final ConfigOption<String> TYPE = ConfigOptions.key("high-availability.type")
      .stringType()
      .defaultValue(NONE)
      .withDescription("none: one resource manager, which keeps its state in its own store"
          + " (resourcemanager.store.*). zookeeper: several resource managers, one of which leads (elected through"
          + " ZooKeeper, high-availability.zookeeper.*) and keeps the state in ZooKeeper; the others stand by.");

  private HighAvailabilityConfigOptions() {}
}
