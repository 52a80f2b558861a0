package dev.pulse.rpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pulse.config.ConfigException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RpcConfigTest {

  @Test
  void fromMap_empty_isDefaults() {
    RpcConfig config = RpcConfig.fromMap(Map.of());

    assertThat(config).isEqualTo(RpcConfig.DEFAULTS);
    assertThat(config.security()).isEqualTo(RpcSecurityConfig.NONE);
    assertThat(config.maxInboundMessageBytes()).isEqualTo(4 * 1024 * 1024);
  }

  @Test
  void fromMap_allSecurityKeys_read() {
    RpcSecurityConfig security = RpcSecurityConfig.fromMap(Map.of(
        "security.auth.token-file", "conf/token",
        "security.ssl.enabled", "TRUE",
        "security.ssl.cert", "conf/te.pem",
        "security.ssl.key", " conf/te-key.pem ",
        "security.ssl.trust-cert", "conf/ca.pem"));

    assertThat(security).isEqualTo(new RpcSecurityConfig(Path.of("conf/token"), true, Path.of("conf/te.pem"),
        Path.of("conf/te-key.pem"), Path.of("conf/ca.pem")));
    assertThat(security.mutualTls()).isTrue();
  }

  @Test
  void fromMap_sslWithoutCert_namesCertKey() {
    assertThatThrownBy(() -> RpcSecurityConfig.fromMap(Map.of("security.ssl.enabled", "true")))
        .isInstanceOf(ConfigException.class)
        .hasMessage("security.ssl.cert: is required when security.ssl.enabled is true");
  }

  @Test
  void fromMap_sslWithoutKey_namesKeyKey() {
    assertThatThrownBy(() -> RpcSecurityConfig.fromMap(Map.of("security.ssl.enabled", "true",
        "security.ssl.cert", "te.pem")))
        .isInstanceOf(ConfigException.class)
        .hasMessage("security.ssl.key: is required when security.ssl.enabled is true");
  }

  @Test
  void fromMap_badBoolean_namesKey() {
    assertThatThrownBy(() -> RpcSecurityConfig.fromMap(Map.of("security.ssl.enabled", "yes")))
        .isInstanceOf(ConfigException.class)
        .hasMessage("security.ssl.enabled: 'yes' is not true or false");
  }

  @Test
  void fromMap_blankPath_namesKey() {
    assertThatThrownBy(() -> RpcSecurityConfig.fromMap(Map.of("security.auth.token-file", "  ")))
        .isInstanceOf(ConfigException.class)
        .extracting(e -> ((ConfigException) e).key()).isEqualTo("security.auth.token-file");
  }

  @Test
  void fromMap_messageSizes_parsed() {
    assertThat(RpcConfig.fromMap(Map.of("rpc.max-message-size", "8 mb")).maxInboundMessageBytes()).isEqualTo(8 << 20);
    assertThat(RpcConfig.fromMap(Map.of("rpc.max-message-size", "2048kb")).maxInboundMessageBytes()).isEqualTo(2 << 20);
    assertThat(RpcConfig.fromMap(Map.of("rpc.max-message-size", "1048576")).maxInboundMessageBytes()).isEqualTo(1 << 20);
  }

  @Test
  void fromMap_messageSizeOutOfRange_namesKey() {
    assertThatThrownBy(() -> RpcConfig.fromMap(Map.of("rpc.max-message-size", "512 kb")))
        .isInstanceOf(ConfigException.class)
        .hasMessage("rpc.max-message-size: must be between 1 mb and 64 mb, was 524288 bytes");
    assertThatThrownBy(() -> RpcConfig.fromMap(Map.of("rpc.max-message-size", "lots")))
        .isInstanceOf(ConfigException.class)
        .hasMessageStartingWith("rpc.max-message-size: 'lots' is not a size");
  }

  @Test
  void toString_namesFilesNotContents() {
    RpcSecurityConfig security = RpcSecurityConfig.tls(Path.of("te.pem"), Path.of("te-key.pem"), null)
        .withTokenFile(Path.of("token"));

    assertThat(security.toString()).isEqualTo("security.auth.token-file=token, security.ssl.enabled=true,"
        + " security.ssl.cert=te.pem, security.ssl.key=te-key.pem, security.ssl.trust-cert=none");
  }

  @Test
  void keepAlive_defaultClientPingsNoMoreOftenThanServerPermits() {
    KeepAlivePolicy policy = KeepAlivePolicy.DEFAULT;

    assertThat(policy.time()).isGreaterThanOrEqualTo(policy.serverPermitTime());
    assertThat(policy.time()).isGreaterThanOrEqualTo(KeepAlivePolicy.MIN_TIME);
    assertThat(policy.time().plus(policy.timeout()))
        .as("a silent peer is noticed before the default heartbeat timeout")
        .isLessThan(dev.pulse.heartbeat.HeartbeatConfig.DEFAULT_TIMEOUT);
  }

  @Test
  void keepAlive_serverStricterThanClient_refused() {
    assertThatThrownBy(() -> new KeepAlivePolicy(Duration.ofSeconds(20), Duration.ofSeconds(10), Duration.ofSeconds(30)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("too often");
    assertThatThrownBy(() -> new KeepAlivePolicy(Duration.ofSeconds(5), Duration.ofSeconds(10), Duration.ofSeconds(1)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(">= 10 s");
  }
}
