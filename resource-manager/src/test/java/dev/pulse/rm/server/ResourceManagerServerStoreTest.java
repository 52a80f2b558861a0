package dev.pulse.rm.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pulse.config.ConfigException;
import dev.pulse.config.Settings;
import dev.pulse.rm.FencingToken;
import dev.pulse.rm.store.MemoryRegistryStore;
import dev.pulse.rm.store.StoreConfig;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** The server's registry store: where the id and the epoch come from, and the settings that describe it. */
class ResourceManagerServerStoreTest {

  private static final Settings PORTS = Settings.of("resourcemanager.rpc.port", "0", "rest.port", "0");

  @Test
  void restartOnTheSameStore_keepsTheIdAndTakesTheNextEpoch() {
    MemoryRegistryStore store = new MemoryRegistryStore();
    FencingToken first;
    try (ResourceManagerServer server = ResourceManagerServer.builder().settings(PORTS).store(store).build().start()) {
      first = server.resourceManager().fencing();
    }
    try (ResourceManagerServer server = ResourceManagerServer.builder().settings(PORTS).store(store)
        .resourceManagerId("rm-other").build().start()) {
      assertThat(server.resourceManager().fencing())
          .isEqualTo(new FencingToken(first.resourceManagerId(), first.epoch() + 1));
    }
  }

  @Test
  void recoveryTimeout_notPositive_isAConfigErrorNamingTheKey() {
    for (String bad : new String[] {"0 s", "soon"}) {
      assertThatThrownBy(() -> ResourceManagerServer.builder()
          .settings(PORTS.with("resourcemanager.recovery.timeout", bad)).build())
          .isInstanceOf(ConfigException.class).hasMessageStartingWith("resourcemanager.recovery.timeout");
    }
  }

  @Test
  void standalone_withoutAStoreDirectory_storesInTheDefaultOne_embeddedIsInMemory() {
    StoreConfig standalone = StoreConfig.from(PORTS, true);
    assertThat(standalone.type()).isEqualTo(StoreConfig.Type.SQLITE);
    assertThat(standalone.dir()).isEqualTo(Path.of("data/resource-manager"));
    assertThat(StoreConfig.from(PORTS, false).type()).isEqualTo(StoreConfig.Type.MEMORY);
    assertThatThrownBy(() -> ResourceManagerServer.builder()
        .settings(PORTS.with("resourcemanager.store.type", "sqlite")).build())
        .isInstanceOf(ConfigException.class).hasMessageStartingWith("resourcemanager.store.dir");
    try (ResourceManagerServer embedded = ResourceManagerServer.builder().settings(PORTS).build().start()) {
      assertThat(embedded.resourceManager().fencing().epoch()).isEqualTo(1);
    }
  }
}
