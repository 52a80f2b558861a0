package dev.pulse.ha.zookeeper;

import dev.pulse.config.ConfigOption;
import dev.pulse.config.ConfigOptionSource;
import dev.pulse.config.ConfigOptions;
import java.util.List;

/** The ha-zookeeper module's {@link ConfigOptionSource}. Stateless. */
public final class ZooKeeperHaConfigOptionSource implements ConfigOptionSource {

  @Override
  public List<ConfigOption<?>> options() {
    return ConfigOptions.declaredIn(ZooKeeperHaConfigOptions.class);
  }
}
