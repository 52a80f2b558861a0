package dev.pulse.te;

import static dev.pulse.te.TaskExecutorOptions.NUMBER_OF_TASK_SLOTS;
import static dev.pulse.te.TaskExecutorOptions.REGISTRATION_TIMEOUT;
import static dev.pulse.te.TaskExecutorOptions.RESOURCE_ID;
import static dev.pulse.te.TaskExecutorOptions.RESOURCE_MANAGER_RPC_ADDRESS;
import static dev.pulse.te.TaskExecutorOptions.RESOURCE_MANAGER_RPC_PORT;
import static dev.pulse.te.TaskExecutorOptions.RPC_ADDRESS;
import static dev.pulse.te.TaskExecutorOptions.RPC_PORT;

import dev.pulse.config.ConfigException;
import dev.pulse.config.Durations;
import dev.pulse.config.HostPort;
import dev.pulse.config.Limits;
import dev.pulse.config.Settings;
import dev.pulse.heartbeat.HeartbeatConfig;
import dev.pulse.heartbeat.ResourceId;
import dev.pulse.rpc.ResourceManagerAddresses;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Objects;
import java.util.concurrent.ThreadLocalRandom;
import java.util.random.RandomGenerator;
import java.util.regex.Pattern;

/**
 * Validated, immutable settings of one task executor; see {@link TaskExecutorOptions} for the keys.
 *
 * @param resourceId the task executor's id across restarts ({@code taskexecutor.resource-id})
 * @param numberOfSlots slots offered, 1 to 1024 ({@code taskexecutor.numberOfTaskSlots})
 * @param rpcAddress host or IP address the gRPC server binds to ({@code taskexecutor.rpc.address})
 * @param rpcPort port of the gRPC server, 0 for any free port ({@code taskexecutor.rpc.port})
 * @param registrationTimeout how long the task executor may go without a resource manager before it
 *     fail-stops ({@code taskexecutor.registration.timeout}), more than zero, at most {@link Durations#MAX}
 * @param resourceManagerHost host of the resource manager's gRPC server ({@code resourcemanager.rpc.address})
 * @param resourceManagerPort its port, 1 to 65535 ({@code resourcemanager.rpc.port})
 * @param heartbeat the {@code heartbeat.*} settings; the task executor times out its resource manager
 *     after {@code heartbeat.timeout} without a heartbeat request
 */
public record TaskExecutorConfig(ResourceId resourceId, int numberOfSlots, String rpcAddress, int rpcPort,
    Duration registrationTimeout, String resourceManagerHost, int resourceManagerPort, HeartbeatConfig heartbeat) {

  private static final Pattern NOT_ID_CHARACTERS = Pattern.compile("[^A-Za-z0-9._-]+");
  private static final int SUFFIX_LENGTH = 9; // '-' and eight hex digits

  /**
   * @throws ConfigException naming the key of the first value that is out of range
   */
  public TaskExecutorConfig {
    Objects.requireNonNull(resourceId, RESOURCE_ID);
    Objects.requireNonNull(heartbeat, "heartbeat");
    if (numberOfSlots < 1 || numberOfSlots > Limits.MAX_TASK_SLOTS) {
      throw new ConfigException(NUMBER_OF_TASK_SLOTS, "must be between 1 and " + Limits.MAX_TASK_SLOTS
          + ", was " + numberOfSlots);
    }
    rpcAddress = host(RPC_ADDRESS, RPC_PORT, rpcAddress);
    if (rpcPort < 0 || rpcPort > 65_535) {
      throw new ConfigException(RPC_PORT, "must be between 0 (any free port) and 65535, was " + rpcPort);
    }
    if (registrationTimeout == null || registrationTimeout.isNegative() || registrationTimeout.isZero()) {
      throw new ConfigException(REGISTRATION_TIMEOUT, "must be > 0, was "
          + (registrationTimeout == null ? "missing" : Durations.format(registrationTimeout)));
    }
    Durations.requireAtMost(REGISTRATION_TIMEOUT, registrationTimeout);
    resourceManagerHost = host(RESOURCE_MANAGER_RPC_ADDRESS, RESOURCE_MANAGER_RPC_PORT, resourceManagerHost);
    if (resourceManagerPort < 1 || resourceManagerPort > 65_535) {
      throw new ConfigException(RESOURCE_MANAGER_RPC_PORT, "must be between 1 and 65535, was " + resourceManagerPort);
    }
  }

  /**
   * Reads and validates every key the task executor uses (under Flink's {@code taskmanager.*} names too, see
   * {@link TaskExecutorConfigOptions}); absent keys take their defaults. Resolves
   * {@code taskexecutor.rpc.address}, so an unknown host is reported here, before anything binds.
   *
   * @throws ConfigException naming the first key whose value is malformed or out of range
   */
  public static TaskExecutorConfig from(Settings given) {
    // Flink's taskmanager.* names count for embedders too, not only where a process checked its sources.
    Settings settings = Objects.requireNonNull(given, "settings")
        .withFallbackKeysResolved(new TaskExecutorConfigOptions().options());
    HeartbeatConfig heartbeat = HeartbeatConfig.from(settings);
    ResourceId resourceId = settings.contains(RESOURCE_ID)
        ? resourceId(settings.requiredString(RESOURCE_ID))
        : defaultResourceId(localHostName(), ThreadLocalRandom.current());
    int slots = settings.intValue(NUMBER_OF_TASK_SLOTS, TaskExecutorOptions.DEFAULT_NUMBER_OF_TASK_SLOTS, 1,
        Limits.MAX_TASK_SLOTS);
    String rpcAddress = settings.string(RPC_ADDRESS, TaskExecutorOptions.DEFAULT_RPC_ADDRESS);
    int rpcPort = settings.port(RPC_PORT, TaskExecutorOptions.DEFAULT_RPC_PORT);
    Duration registrationTimeout =
        settings.duration(REGISTRATION_TIMEOUT, TaskExecutorOptions.DEFAULT_REGISTRATION_TIMEOUT);
    String rmHost = settings.string(RESOURCE_MANAGER_RPC_ADDRESS, TaskExecutorOptions.DEFAULT_RESOURCE_MANAGER_RPC_ADDRESS);
    int rmPort = settings.intValue(RESOURCE_MANAGER_RPC_PORT, TaskExecutorOptions.DEFAULT_RESOURCE_MANAGER_RPC_PORT,
        1, 65_535);
    if (ResourceManagerAddresses.isList(rmHost)) {
      // Several resource managers (the task executor server tries them all): the first one stands for them here.
      String first = ResourceManagerAddresses.parse(RESOURCE_MANAGER_RPC_ADDRESS, rmHost).get(0);
      int colon = first.lastIndexOf(':');
      rmHost = first.substring(0, colon);
      rmPort = Integer.parseInt(first.substring(colon + 1));
    }
    TaskExecutorConfig config = new TaskExecutorConfig(resourceId, slots, rpcAddress, rpcPort, registrationTimeout,
        rmHost, rmPort, heartbeat);
    config.resolveRpcAddress();
    return config;
  }

  /** {@code host:port} of the resource manager, an IPv6 host in brackets. */
  public String resourceManagerAddress() {
    return HostPort.format(resourceManagerHost, resourceManagerPort);
  }

  /**
   * The address the gRPC server binds to.
   *
   * @throws ConfigException naming {@code taskexecutor.rpc.address} if the host cannot be resolved
   */
  public InetAddress resolveRpcAddress() {
    try {
      return InetAddress.getByName(rpcAddress);
    } catch (UnknownHostException e) {
      throw new ConfigException(RPC_ADDRESS, "cannot resolve host '" + rpcAddress + "'");
    }
  }

  /**
   * The default resource id: {@code hostName} with every run of characters an id may not hold
   * replaced by {@code -}, shortened so that the whole id fits in 128 characters, plus {@code -} and
   * eight random hex digits. A host name with nothing usable becomes {@code task-executor}.
   */
  static ResourceId defaultResourceId(String hostName, RandomGenerator random) {
    String base = hostName == null ? "" : NOT_ID_CHARACTERS.matcher(hostName).replaceAll("-");
    base = trimDashes(base);
    if (base.isEmpty()) {
      base = "task-executor";
    }
    if (base.length() > ResourceId.MAX_LENGTH - SUFFIX_LENGTH) {
      base = base.substring(0, ResourceId.MAX_LENGTH - SUFFIX_LENGTH);
    }
    return ResourceId.of(base + "-" + HexFormat.of().toHexDigits(random.nextInt()));
  }

  private static String trimDashes(String s) {
    int from = 0;
    int to = s.length();
    while (from < to && s.charAt(from) == '-') {
      from++;
    }
    while (to > from && s.charAt(to - 1) == '-') {
      to--;
    }
    return s.substring(from, to);
  }

  private static String localHostName() {
    try {
      return InetAddress.getLocalHost().getHostName();
    } catch (UnknownHostException e) {
      return "";
    }
  }

  private static ResourceId resourceId(String value) {
    String problem = ResourceId.validate(value);
    if (problem != null) {
      throw new ConfigException(RESOURCE_ID, problem);
    }
    return ResourceId.of(value);
  }

  /**
   * A host name, IPv4 address or IPv6 address (brackets optional, dropped); {@code null} is refused.
   * A single colon means someone wrote {@code host:port}: the port has a key of its own.
   */
  private static String host(String key, String portKey, String value) {
    if (value == null || value.isBlank()) {
      throw new ConfigException(key, "is required: a host name or IP address");
    }
    String host = value.trim();
    if (host.startsWith("[") && host.endsWith("]")) {
      host = host.substring(1, host.length() - 1);
    }
    long colons = host.chars().filter(c -> c == ':').count();
    if (colons == 1) {
      throw new ConfigException(key, "'" + value + "' must be a host name or IP address without a port;"
          + " give the port as " + portKey);
    }
    if (!HostPort.isHost(host)) {
      throw new ConfigException(key, "'" + value + "' is not a host name or IP address");
    }
    return host;
  }
}
