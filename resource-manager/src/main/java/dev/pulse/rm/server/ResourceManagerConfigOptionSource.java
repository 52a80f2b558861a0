package dev.pulse.rm.server;

import dev.pulse.config.ConfigOption;
import dev.pulse.config.ConfigOptionSource;
import dev.pulse.config.ConfigOptions;
import dev.pulse.rm.ResourceManagerConfigOptions;
import dev.pulse.rm.ha.HighAvailabilityConfigOptions;
import dev.pulse.rm.rest.RestConfigOptions;
import java.util.List;

/** The resource-manager module's {@link ConfigOptionSource}: every key its packages declare. Stateless. */
public final class ResourceManagerConfigOptionSource implements ConfigOptionSource {

  @Override
  public List<ConfigOption<?>> options() {
    return ConfigOptions.declaredIn(ResourceManagerConfigOptions.class, RestConfigOptions.class,
        HighAvailabilityConfigOptions.class);
  }
}
