package dev.pulse.rm.ha;

import dev.pulse.config.Settings;

/**
 * Builds the {@link HighAvailabilityServices} of one {@code high-availability.type}; found through
 * {@link java.util.ServiceLoader} ({@code META-INF/services/dev.pulse.rm.ha.HighAvailabilityServicesFactory}).
 * Implementations are stateless.
 */
public interface HighAvailabilityServicesFactory {

  /** The value of {@code high-availability.type} this factory serves, lower case, e.g. {@code zookeeper}. */
  String type();

  /**
   * Reads and checks this type's settings without connecting anywhere.
   *
   * @throws dev.pulse.config.ConfigException naming the key of a bad setting
   */
  Prepared prepare(Settings settings);

  /** Checked settings, ready to connect. */
  interface Prepared {

    /**
     * Connects; returns once connected.
     *
     * @throws dev.pulse.config.ConfigException naming the key of the address that cannot be reached
     */
    HighAvailabilityServices connect();
  }
}
