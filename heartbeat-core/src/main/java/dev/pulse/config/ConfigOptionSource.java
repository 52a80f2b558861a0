package dev.pulse.config;

import java.util.List;

/**
 * A module's list of the configuration keys it declares, found by {@link ConfigRegistry#fromClasspath()}
 * through {@link java.util.ServiceLoader}: each module that reads keys has one implementation, named in its
 * {@code META-INF/services/dev.pulse.config.ConfigOptionSource}, that returns
 * {@link ConfigOptions#declaredIn} of its options classes. Implementations are stateless.
 */
public interface ConfigOptionSource {

  /** The options this module declares. */
  List<ConfigOption<?>> options();
}
