package dev.pulse.rm.ha;

import dev.pulse.config.ConfigException;
import dev.pulse.config.Settings;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.ServiceLoader;

/**
 * Reads {@code high-availability.type} and finds the {@link HighAvailabilityServicesFactory} that serves it.
 * Stateless.
 */
public final class HighAvailability {

  private HighAvailability() {}

  /**
   * The checked high-availability settings, or empty for {@code none}.
   *
   * @throws ConfigException naming {@code high-availability.type} when no module on the class path serves
   *     its value, or the key of another bad setting of that type
   */
  public static Optional<HighAvailabilityServicesFactory.Prepared> prepare(Settings settings) {
    String key = HighAvailabilityConfigOptions.TYPE.key();
    String type = settings.string(key, HighAvailabilityConfigOptions.NONE).trim().toLowerCase(Locale.ROOT);
    if (type.equals(HighAvailabilityConfigOptions.NONE)) {
      return Optional.empty();
    }
    List<String> known = new ArrayList<>(List.of(HighAvailabilityConfigOptions.NONE));
    for (HighAvailabilityServicesFactory factory : ServiceLoader.load(HighAvailabilityServicesFactory.class)) {
      if (factory.type().equals(type)) {
        return Optional.of(factory.prepare(settings));
      }
      known.add(factory.type());
    }
    throw new ConfigException(key, "'" + settings.string(key, "") + "' is not " + String.join(" or ", known)
        + (type.equals("zookeeper") ? " (the pulse-ha-zookeeper jar is not on the class path)" : ""));
  }
}
