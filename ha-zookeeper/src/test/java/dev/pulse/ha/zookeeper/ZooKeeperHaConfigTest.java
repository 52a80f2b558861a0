package dev.pulse.ha.zookeeper;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pulse.config.ConfigException;
import dev.pulse.config.Settings;
import dev.pulse.rm.server.ResourceManagerServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The high-availability settings are checked before anything starts, and every error names its key. */
class ZooKeeperHaConfigTest {

  private static Settings zooKeeper(String... more) {
    return Settings.of("high-availability.type", "zookeeper", "high-availability.zookeeper.quorum", "127.0.0.1:2181")
        .overriddenBy(Settings.of(more));
  }

  @Test
  void from_defaults_areFlinksShape() {
    ZooKeeperHaConfig config = ZooKeeperHaConfig.from(zooKeeper());
    assertThat(config.quorum()).isEqualTo("127.0.0.1:2181");
    assertThat(config.clusterPath()).isEqualTo("/pulse/default");
    assertThat(config.sessionTimeout()).isEqualTo(Duration.ofSeconds(60));
    assertThat(config.connectionTimeout()).isEqualTo(Duration.ofSeconds(15));
    assertThat(ZooKeeperHaConfig.from(zooKeeper("high-availability.zookeeper.quorum", " a:1, b:2 ",
        "high-availability.zookeeper.path.root", "/x/y", "high-availability.cluster-id", "prod-1")))
        .extracting(ZooKeeperHaConfig::quorum, ZooKeeperHaConfig::clusterPath)
        .containsExactly("a:1,b:2", "/x/y/prod-1");
  }

  @Test
  void from_badValues_failNamingTheKey() {
    assertKey(Settings.of("high-availability.type", "zookeeper"), "high-availability.zookeeper.quorum", "required");
    assertKey(zooKeeper("high-availability.zookeeper.quorum", "127.0.0.1"), "high-availability.zookeeper.quorum",
        "host:port");
    assertKey(zooKeeper("high-availability.zookeeper.quorum", "a:1,,b:2"), "high-availability.zookeeper.quorum",
        "host:port");
    assertKey(zooKeeper("high-availability.zookeeper.path.root", "pulse"), "high-availability.zookeeper.path.root",
        "absolute");
    assertKey(zooKeeper("high-availability.zookeeper.path.root", "/pulse/"), "high-availability.zookeeper.path.root",
        "absolute");
    assertKey(zooKeeper("high-availability.zookeeper.path.root", "/a//b"), "high-availability.zookeeper.path.root",
        "path element");
    assertKey(zooKeeper("high-availability.cluster-id", "a/b"), "high-availability.cluster-id", "cluster id");
    assertKey(zooKeeper("high-availability.zookeeper.client.session-timeout", "0 ms"),
        "high-availability.zookeeper.client.session-timeout", "at least 1 ms");
    assertKey(zooKeeper("high-availability.zookeeper.client.connection-timeout", "soon"),
        "high-availability.zookeeper.client.connection-timeout", "");
  }

  private static void assertKey(Settings settings, String key, String says) {
    assertThatThrownBy(() -> ZooKeeperHaConfig.from(settings)).isInstanceOf(ConfigException.class)
        .hasMessageStartingWith(key + ":").hasMessageContaining(says);
  }

  @Test
  void resourceManager_unknownType_failsAtBuildNamingTheKey() {
    assertThatThrownBy(() -> ResourceManagerServer.builder()
        .settings(Settings.of("high-availability.type", "etcd")).build())
        .isInstanceOf(ConfigException.class).hasMessageStartingWith("high-availability.type:")
        .hasMessageContaining("none or zookeeper");
  }

  @Test
  void resourceManager_unreachableQuorum_failsWithinTheConnectionTimeout_namingTheQuorum_andBindsNothing()
      throws IOException {
    int nobody;
    int restPort;
    try (ServerSocket a = new ServerSocket(0); ServerSocket b = new ServerSocket(0)) {
      nobody = a.getLocalPort();
      restPort = b.getLocalPort();
    }
    ResourceManagerServer server = ResourceManagerServer.builder().settings(zooKeeper(
        "high-availability.zookeeper.quorum", "127.0.0.1:" + nobody,
        "high-availability.zookeeper.client.connection-timeout", "500 ms",
        "resourcemanager.rpc.port", "0", "rest.bind-address", "127.0.0.1", "rest.port", Integer.toString(restPort)))
        .build();
    long started = System.nanoTime();
    assertThatThrownBy(server::start).isInstanceOf(ConfigException.class)
        .hasMessageStartingWith("high-availability.zookeeper.quorum:").hasMessageContaining("127.0.0.1:" + nobody);
    assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(10));
    try (ServerSocket rest = new ServerSocket()) {
      rest.bind(new InetSocketAddress("127.0.0.1", restPort)); // nothing holds the REST port
    }
    server.close();
  }
}
