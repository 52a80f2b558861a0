package dev.pulse.te;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pulse.config.ConfigException;
import dev.pulse.config.Settings;
import dev.pulse.heartbeat.HeartbeatConfig;
import dev.pulse.heartbeat.ResourceId;
import java.time.Duration;
import java.util.Random;
import org.junit.jupiter.api.Test;

class TaskExecutorConfigTest {

  @Test
  void from_emptySettings_usesSpecDefaults() {
    TaskExecutorConfig config = TaskExecutorConfig.from(Settings.empty());

    assertThat(config.numberOfSlots()).isEqualTo(1);
    assertThat(config.rpcAddress()).isEqualTo("127.0.0.1");
    assertThat(config.rpcPort()).isZero();
    assertThat(config.registrationTimeout()).isEqualTo(Duration.ofMinutes(5));
    assertThat(config.resourceManagerAddress()).isEqualTo("127.0.0.1:6123");
    assertThat(config.heartbeat()).isEqualTo(HeartbeatConfig.DEFAULTS);
    assertThat(config.resourceId().value()).matches("[A-Za-z0-9._-]+-[0-9a-f]{8}");
  }

  @Test
  void from_flinksTaskManagerNames_areReadToo_andPulsesNameWins() {
    TaskExecutorConfig config = TaskExecutorConfig.from(Settings.of(
        "taskmanager.resource-id", "worker-8",
        "taskmanager.numberOfTaskSlots", "4",
        "taskmanager.host", "localhost",
        "taskmanager.rpc.port", "7002",
        "taskmanager.registration.timeout", "2 min"));

    assertThat(config.resourceId()).isEqualTo(ResourceId.of("worker-8"));
    assertThat(config.numberOfSlots()).isEqualTo(4);
    assertThat(config.rpcAddress()).isEqualTo("localhost");
    assertThat(config.rpcPort()).isEqualTo(7002);
    assertThat(config.registrationTimeout()).isEqualTo(Duration.ofMinutes(2));

    assertThat(TaskExecutorConfig.from(Settings.of("taskmanager.numberOfTaskSlots", "4",
        "taskexecutor.numberOfTaskSlots", "6")).numberOfSlots()).isEqualTo(6);
  }

  @Test
  void from_everyKey_isRead() {
    TaskExecutorConfig config = TaskExecutorConfig.from(Settings.of(
        "taskexecutor.resource-id", "worker-7",
        "taskexecutor.numberOfTaskSlots", "16",
        "taskexecutor.rpc.address", "localhost",
        "taskexecutor.rpc.port", "7001",
        "taskexecutor.registration.timeout", "90 s",
        "resourcemanager.rpc.address", "rm.example",
        "resourcemanager.rpc.port", "7000",
        "heartbeat.interval", "1 s",
        "heartbeat.timeout", "4s"));

    assertThat(config.resourceId()).isEqualTo(ResourceId.of("worker-7"));
    assertThat(config.numberOfSlots()).isEqualTo(16);
    assertThat(config.rpcAddress()).isEqualTo("localhost");
    assertThat(config.rpcPort()).isEqualTo(7001);
    assertThat(config.registrationTimeout()).isEqualTo(Duration.ofSeconds(90));
    assertThat(config.resourceManagerAddress()).isEqualTo("rm.example:7000");
    assertThat(config.heartbeat().timeout()).isEqualTo(Duration.ofSeconds(4));
  }

  @Test
  void from_ipv6ResourceManager_isBracketedInItsAddress() {
    TaskExecutorConfig config = TaskExecutorConfig.from(Settings.of("resourcemanager.rpc.address", "::1"));

    assertThat(config.resourceManagerAddress()).isEqualTo("[::1]:6123");
  }

  @Test
  void from_badValues_failNamingTheKey() {
    assertKey("taskexecutor.numberOfTaskSlots", "taskexecutor.numberOfTaskSlots", "0");
    assertKey("taskexecutor.numberOfTaskSlots", "taskexecutor.numberOfTaskSlots", "1025");
    assertKey("taskexecutor.numberOfTaskSlots", "taskexecutor.numberOfTaskSlots", "four");
    assertKey("taskexecutor.registration.timeout", "taskexecutor.registration.timeout", "soon");
    assertKey("taskexecutor.registration.timeout", "taskexecutor.registration.timeout", "0 s");
    assertKey("taskexecutor.resource-id", "taskexecutor.resource-id", "worker 7");
    assertKey("taskexecutor.rpc.port", "taskexecutor.rpc.port", "70000");
    assertKey("taskexecutor.rpc.address", "taskexecutor.rpc.address", "no such host!");
    assertKey("resourcemanager.rpc.port", "resourcemanager.rpc.port", "0");
    assertKey("heartbeat.timeout", "heartbeat.timeout", "1 ms");
    // Near Long.MAX_VALUE nanoseconds these used to pass and overflow later: every duration key is bounded.
    assertKey("taskexecutor.registration.timeout", "taskexecutor.registration.timeout", "9999999999999");
    assertKey("heartbeat.timeout", "heartbeat.timeout", "9999999999999");
    assertKey("heartbeat.interval", "heartbeat.interval", "8761 h");
    assertKey("heartbeat.timeout", "heartbeat.timeout", "10 s");
  }

  @Test
  void registrationTimeoutOverAYear_isRejectedAlsoWhenBuiltInCode() {
    assertThatThrownBy(() -> new TaskExecutorConfig(ResourceId.of("te-1"), 1, "127.0.0.1", 0, Duration.ofDays(1000),
        "127.0.0.1", 6123, HeartbeatConfig.DEFAULTS))
        .isInstanceOf(ConfigException.class)
        .hasMessage("taskexecutor.registration.timeout: 1440000 min is too large; at most 365 days is allowed");
  }

  @Test
  void from_hostWithPort_pointsToThePortKey() {
    assertThatThrownBy(() -> TaskExecutorConfig.from(Settings.of("resourcemanager.rpc.address", "rm.example:6123")))
        .isInstanceOf(ConfigException.class)
        .hasMessageStartingWith("resourcemanager.rpc.address: ")
        .hasMessageContaining("resourcemanager.rpc.port");
  }

  @Test
  void from_aListOfResourceManagers_standsForThemWithTheFirst_andABadEntryNamesTheKey() {
    TaskExecutorConfig config = TaskExecutorConfig.from(Settings.of("resourcemanager.rpc.address",
        " rm-a.example:6123, [::1]:7000", "resourcemanager.rpc.port", "9999"));
    assertThat(config.resourceManagerAddress()).isEqualTo("rm-a.example:6123");

    assertThatThrownBy(() -> TaskExecutorConfig.from(Settings.of("resourcemanager.rpc.address", "rm-a:6123,rm-b")))
        .isInstanceOf(ConfigException.class)
        .hasMessage("resourcemanager.rpc.address: a list of resource managers is host:port[,host:port...];"
            + " 'rm-b' is not host:port");
    assertThatThrownBy(() -> TaskExecutorConfig.from(Settings.of("resourcemanager.rpc.address", "rm-a:6123,")))
        .hasMessage("resourcemanager.rpc.address: a list of resource managers is host:port[,host:port...];"
            + " 'rm-a:6123,' has an empty entry");
  }

  @Test
  void defaultResourceId_sanitizesTheHostNameAndAddsARandomSuffix() {
    ResourceId id = TaskExecutorConfig.defaultResourceId("my host_01.example/x", new Random(1));

    assertThat(id.value()).matches("my-host_01\\.example-x-[0-9a-f]{8}");
  }

  @Test
  void defaultResourceId_fitsALongHostNameInto128Characters() {
    ResourceId id = TaskExecutorConfig.defaultResourceId("h".repeat(300), new Random(1));

    assertThat(id.value()).hasSize(128).startsWith("hhh").matches(".*-[0-9a-f]{8}");
  }

  @Test
  void defaultResourceId_withoutAUsableHostName_fallsBackToTaskExecutor() {
    assertThat(TaskExecutorConfig.defaultResourceId("", new Random(1)).value()).startsWith("task-executor-");
    assertThat(TaskExecutorConfig.defaultResourceId("###", new Random(1)).value()).startsWith("task-executor-");
    assertThat(TaskExecutorConfig.defaultResourceId(null, new Random(1)).value()).startsWith("task-executor-");
  }

  @Test
  void defaultResourceId_differsBetweenStarts() {
    Random random = new Random(1);

    assertThat(TaskExecutorConfig.defaultResourceId("host", random))
        .isNotEqualTo(TaskExecutorConfig.defaultResourceId("host", random));
  }

  private static void assertKey(String expectedKey, String key, String value) {
    assertThatThrownBy(() -> TaskExecutorConfig.from(Settings.of(key, value)))
        .as("%s=%s", key, value)
        .isInstanceOf(ConfigException.class)
        .hasMessageStartingWith(expectedKey + ": ")
        .satisfies(e -> assertThat(((ConfigException) e).key()).isEqualTo(expectedKey));
  }
}
