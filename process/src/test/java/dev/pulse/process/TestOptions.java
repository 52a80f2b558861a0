package dev.pulse.process;

import dev.pulse.config.ConfigOption;
import dev.pulse.config.ConfigOptions;
import dev.pulse.config.ConfigRegistry;
import java.util.ArrayList;
import java.util.List;

/** A registry for this module's tests: the heartbeat keys on the class path, and two keys of other modules. */
final class TestOptions {

  static final ConfigOption<Integer> SLOTS = ConfigOptions.key("taskexecutor.numberOfTaskSlots").intType()
      .defaultValue(1).withAlternativeKeys("taskmanager.numberOfTaskSlots").withDescription("slots");
  static final ConfigOption<Integer> REST_PORT = ConfigOptions.key("rest.port").portType().defaultValue(8081)
      .withDeprecatedKeys("rest.listen-port").withDescription("REST port");

  static final ConfigRegistry REGISTRY = registry();

  private TestOptions() {}

  private static ConfigRegistry registry() {
    List<ConfigOption<?>> all = new ArrayList<>(ConfigRegistry.fromClasspath().options());
    all.add(SLOTS);
    all.add(REST_PORT);
    return ConfigRegistry.of(all);
  }
}
