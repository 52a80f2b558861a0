package dev.pulse.rpc;

import dev.pulse.config.ConfigOption;
import dev.pulse.config.ConfigOptionSource;
import dev.pulse.config.ConfigOptions;
import dev.pulse.config.OptionType;
import java.nio.file.Path;
import java.util.List;

/**
 * The keys both ends of Pulse's RPCs read, declared for the {@link dev.pulse.config.ConfigRegistry}: the
 * resource manager's endpoint (where it listens, and where task executors find it), the message size
 * limit and the {@code security.*} keys. {@link RpcConfig#fromMap} and {@link RpcSecurityConfig#fromMap}
 * read them. Also this module's {@link ConfigOptionSource}. Stateless.
 */
public final class RpcConfigOptions implements ConfigOptionSource {

  /** A size in bytes, optionally in {@code kb} or {@code mb} (binary units). */
  public static final OptionType<Integer> SIZE = OptionType.of("size", RpcConfig::parseBytes,
      bytes -> bytes % (1024 * 1024) == 0 ? bytes / (1024 * 1024) + " mb"
          : bytes % 1024 == 0 ? bytes / 1024 + " kb" : bytes + " b");

  /** A host name or IP address; or, for a task executor, a list {@code host:port[,host:port...]}. */
  public static final OptionType<String> HOST_OR_ADDRESSES = OptionType.of("host, or host:port list",
      ResourceManagerAddresses::check, s -> s);

  public static final ConfigOption<String> RESOURCE_MANAGER_RPC_ADDRESS = ConfigOptions.key("resourcemanager.rpc.address")
      .type(HOST_OR_ADDRESSES)
      .defaultValue("127.0.0.1")
      .withDescription("Host of the resource manager's gRPC endpoint: the address task executors (and job clients)"
          + " connect to, and the one the resource manager listens on unless resourcemanager.bind-host is set."
          + " A task executor may be given several resource managers that stand by for one another instead, as"
          + " host:port[,host:port...]: it tries them in turn, and a standby's answer names the leader (used"
          + " without high-availability.type; with it, ZooKeeper says where the leader is).");

  public static final ConfigOption<Integer> RESOURCE_MANAGER_RPC_PORT = ConfigOptions.key("resourcemanager.rpc.port")
      .portType()
      .defaultValue(6123)
      .withDescription("Port of the resource manager's gRPC endpoint; 0 (resource manager only) picks any free port.");

  public static final ConfigOption<HeartbeatTransport> HEARTBEAT_TRANSPORT =
      ConfigOptions.key("resourcemanager.heartbeat.transport")
          .enumType(HeartbeatTransport.class)
          .defaultValue(HeartbeatTransport.INBOUND_STREAM)
          .withDescription("How heartbeat requests reach task executors. inbound_stream: each task executor opens one"
              + " long-lived OpenHeartbeatStream to the resource manager right after it registers (and again if it"
              + " ends), and the requests go down it: the resource manager holds no connection of its own per task"
              + " executor for heartbeats (about a third less heap per task executor), and needs no route to the task"
              + " executors but for slot and disconnect calls; stream: the resource manager opens one long-lived"
              + " HeartbeatStream to each task executor's gateway; unary: one RequestHeartbeat call per heartbeat, with"
              + " a deadline of heartbeat.interval (30-50 % more resource manager CPU per heartbeat than a stream). One"
              + " message each way per heartbeat on a stream, and the sender fails a request unanswered after an"
              + " interval. Same detection either way. With stream, a task executor that does not serve"
              + " HeartbeatStream (UNIMPLEMENTED, an older version) is asked by unary calls instead.");

  public static final ConfigOption<Integer> MAX_MESSAGE_SIZE = ConfigOptions.key(RpcConfig.MAX_MESSAGE_SIZE)
      .type(SIZE)
      .defaultValue(RpcConfig.DEFAULT_MAX_INBOUND_MESSAGE_BYTES)
      .withDescription("Largest inbound gRPC message, 1 mb to 64 mb; larger ones are refused with"
          + " RESOURCE_EXHAUSTED.");

  public static final ConfigOption<Path> TOKEN_FILE = ConfigOptions.key(RpcSecurityConfig.TOKEN_FILE)
      .pathType()
      .noDefaultValue()
      .withDescription("File holding a shared secret; when set, every RPC must carry it, and so must REST calls that"
          + " change something (see rest.auth.read). Without it the resource manager logs a warning at start.");

  public static final ConfigOption<Boolean> SSL_ENABLED = ConfigOptions.key(RpcSecurityConfig.SSL_ENABLED)
      .booleanType()
      .defaultValue(false)
      .withDescription("TLS from PEM files for every RPC (and the REST API, see security.ssl.rest.enabled); mutual"
          + " TLS when security.ssl.trust-cert is given.");

  public static final ConfigOption<Path> SSL_CERT = ConfigOptions.key(RpcSecurityConfig.SSL_CERT)
      .pathType()
      .noDefaultValue()
      .withDescription("This process's certificate chain, PEM; required when security.ssl.enabled is true.");

  public static final ConfigOption<Path> SSL_KEY = ConfigOptions.key(RpcSecurityConfig.SSL_KEY)
      .pathType()
      .noDefaultValue()
      .withDescription("The private key of security.ssl.cert, unencrypted PKCS#8 PEM; required when"
          + " security.ssl.enabled is true.");

  public static final ConfigOption<Path> SSL_TRUST_CERT = ConfigOptions.key(RpcSecurityConfig.SSL_TRUST_CERT)
      .pathType()
      .noDefaultValue()
      .withDescription("Certificates (PEM) peers must chain to. When set, TLS is mutual, and a task executor may"
          + " register only under the resource id its certificate names. Without it, clients check servers"
          + " against the JDK's trust store.");

  @Override
  public List<ConfigOption<?>> options() {
    return ConfigOptions.declaredIn(RpcConfigOptions.class);
  }
}
