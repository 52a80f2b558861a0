package dev.pulse.ha.zookeeper;

import dev.pulse.config.Settings;
import dev.pulse.rm.ha.HighAvailabilityServicesFactory;

/** {@code high-availability.type: zookeeper}. Stateless; found through {@link java.util.ServiceLoader}. */
public final class ZooKeeperHaServicesFactory implements HighAvailabilityServicesFactory {

  @Override
  public String type() {
    return "zookeeper";
  }

  @Override
  public Prepared prepare(Settings settings) {
    ZooKeeperHaConfig config = ZooKeeperHaConfig.from(settings);
    return () -> ZooKeeperHaServices.connect(config);
  }
}
