package dev.pulse.ha.zookeeper;

import dev.pulse.config.Settings;
import java.time.Duration;
import org.apache.curator.test.InstanceSpec;
import org.apache.curator.test.TestingServer;

/** An in-process ZooKeeper with a short tick (so sessions of 1 s are allowed) and settings for it. */
final class ZooKeeperTesting {

  /** ZooKeeper allows sessions of 2 to 20 ticks. */
  static final int TICK_MILLIS = 100;
  static final Duration SESSION_TIMEOUT = Duration.ofSeconds(1);

  private ZooKeeperTesting() {}

  static TestingServer server() throws Exception {
    return new TestingServer(new InstanceSpec(null, -1, -1, -1, true, -1, TICK_MILLIS, -1), true);
  }

  static ZooKeeperHaConfig config(String quorum, String clusterId) {
    return ZooKeeperHaConfig.from(Settings.of("high-availability.zookeeper.quorum", quorum,
        "high-availability.cluster-id", clusterId,
        "high-availability.zookeeper.client.session-timeout", SESSION_TIMEOUT.toMillis() + " ms",
        "high-availability.zookeeper.client.connection-timeout", "1 s"));
  }
}
