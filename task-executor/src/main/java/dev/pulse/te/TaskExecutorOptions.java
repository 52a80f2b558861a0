package dev.pulse.te;

import dev.pulse.config.Limits;
import java.time.Duration;

/**
 * Configuration keys of the task executor (SPEC 5) and their defaults. The {@code heartbeat.*} keys
 * are {@link dev.pulse.heartbeat.HeartbeatConfig}'s, the {@code security.*} and {@code rpc.*} keys
 * {@link dev.pulse.rpc.RpcConfig}'s; the task executor reads them too.
 *
 * <p>{@link TaskExecutorConfig#from} reads and validates all of them; a bad value fails with a
 * {@link dev.pulse.config.ConfigException} naming the key.
 */
public final class TaskExecutorOptions {

  /**
   * The task executor's resource id, stable across restarts: 1 to 128 characters of
   * {@code [A-Za-z0-9._-]}. Default: this host's name (other characters replaced by {@code -}) plus
   * {@code -} and eight random hex digits, so by default every start is a new task executor.
   */
  public static final String RESOURCE_ID = "taskexecutor.resource-id";

  /** How many slots the task executor offers, 1 to {@value Limits#MAX_TASK_SLOTS}. */
  public static final String NUMBER_OF_TASK_SLOTS = "taskexecutor.numberOfTaskSlots";

  /**
   * The host or IP address the task executor's gRPC server binds to. It is also the host advertised
   * to the resource manager, unless it is a wildcard address ({@code 0.0.0.0}, {@code ::}): then this
   * host's name is advertised.
   */
  public static final String RPC_ADDRESS = "taskexecutor.rpc.address";

  /** The port of the task executor's gRPC server; 0 picks any free port. */
  public static final String RPC_PORT = "taskexecutor.rpc.port";

  /**
   * The port advertised to the resource manager, when something in between (a proxy, a port forward)
   * passes another port's connections on to {@link #RPC_PORT}; 0 (the default) advertises the port the
   * server listens on. The advertised host stays the one {@link #RPC_ADDRESS} gives.
   */
  public static final String RPC_ADVERTISED_PORT = "taskexecutor.rpc.advertised-port";

  /**
   * How long the task executor may be without a registration at a resource manager, continuously,
   * before it frees all its slots and stops with a non-zero exit code (fail-stop). Must be > 0.
   */
  public static final String REGISTRATION_TIMEOUT = "taskexecutor.registration.timeout";

  /** Host of the resource manager's gRPC server, which the task executor registers with. */
  public static final String RESOURCE_MANAGER_RPC_ADDRESS = "resourcemanager.rpc.address";

  /** Port of the resource manager's gRPC server, 1 to 65535. */
  public static final String RESOURCE_MANAGER_RPC_PORT = "resourcemanager.rpc.port";

  /**
   * Whether the task executor serves HTTP {@code GET /healthz} (200 while registered with a resource manager,
   * else 503) and {@code GET /metrics} (Prometheus text), for probes and scrapers; {@code false} by default.
   */
  public static final String HTTP_ENABLED = "taskexecutor.http.enabled";

  /** The host or IP address the task executor's HTTP endpoint binds to, when enabled. */
  public static final String HTTP_BIND_ADDRESS = "taskexecutor.http.bind-address";

  /** The port of the task executor's HTTP endpoint, when enabled; 0 picks any free port. */
  public static final String HTTP_PORT = "taskexecutor.http.port";

  public static final int DEFAULT_NUMBER_OF_TASK_SLOTS = 1;
  public static final String DEFAULT_RPC_ADDRESS = "127.0.0.1";
  public static final int DEFAULT_RPC_PORT = 0;
  public static final int DEFAULT_RPC_ADVERTISED_PORT = 0;
  public static final Duration DEFAULT_REGISTRATION_TIMEOUT = Duration.ofMinutes(5);
  public static final String DEFAULT_RESOURCE_MANAGER_RPC_ADDRESS = "127.0.0.1";
  public static final int DEFAULT_RESOURCE_MANAGER_RPC_PORT = 6123;
  public static final boolean DEFAULT_HTTP_ENABLED = false;
  public static final String DEFAULT_HTTP_BIND_ADDRESS = "127.0.0.1";
  public static final int DEFAULT_HTTP_PORT = 0;

  private TaskExecutorOptions() {}
}
