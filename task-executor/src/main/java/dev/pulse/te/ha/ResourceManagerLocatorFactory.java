package dev.pulse.te.ha;

import dev.pulse.config.ConfigException;
import dev.pulse.config.Settings;
import java.util.Locale;
import java.util.Optional;
import java.util.ServiceLoader;

/**
 * Builds the {@link ResourceManagerLocator} of one {@code high-availability.type}; found through
 * {@link java.util.ServiceLoader} ({@code META-INF/services/dev.pulse.te.ha.ResourceManagerLocatorFactory}).
 * Implementations are stateless.
 */
public interface ResourceManagerLocatorFactory {

  /** The key that selects the type; declared by the resource manager, read by both processes. */
  String TYPE_KEY = "high-availability.type";

  /** The value of {@code high-availability.type} this factory serves, lower case, e.g. {@code zookeeper}. */
  String type();

  /**
   * Reads and checks this type's settings without connecting.
   *
   * @throws ConfigException naming the key of a bad setting
   */
  Prepared prepare(Settings settings);

  /** Checked settings, ready to connect. */
  interface Prepared {

    /**
     * Connects; returns once connected.
     *
     * @throws ConfigException naming the key of the address that cannot be reached
     */
    ResourceManagerLocator connect();
  }

  /**
   * The checked settings of the configured type, or empty for {@code none} (the default: the task executor
   * calls {@code resourcemanager.rpc.address}).
   *
   * @throws ConfigException naming {@code high-availability.type} if no module on the class path serves it
   */
  static Optional<Prepared> forSettings(Settings settings) {
    String type = settings.string(TYPE_KEY, "none").trim().toLowerCase(Locale.ROOT);
    if (type.equals("none")) {
      return Optional.empty();
    }
    for (ResourceManagerLocatorFactory factory : ServiceLoader.load(ResourceManagerLocatorFactory.class)) {
      if (factory.type().equals(type)) {
        return Optional.of(factory.prepare(settings));
      }
    }
    throw new ConfigException(TYPE_KEY, "'" + settings.string(TYPE_KEY, "") + "' is not served by any module on the"
        + " class path (zookeeper needs the pulse-ha-zookeeper jar)");
  }
}
