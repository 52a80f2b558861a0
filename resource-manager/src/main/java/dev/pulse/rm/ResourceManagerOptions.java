package dev.pulse.rm;

/** Configuration keys of the resource manager (SPEC 5), besides the {@code heartbeat.*} ones. */
public final class ResourceManagerOptions {

  public static final String RPC_ADDRESS = "resourcemanager.rpc.address";
  public static final String RPC_PORT = "resourcemanager.rpc.port";
  public static final String REST_BIND_ADDRESS = "rest.bind-address";
  public static final String REST_PORT = "rest.port";
  /**
   * How long a task executor known from the registry store has, after a restart, to register again
   * before it is lost with reason {@code RECOVERY_TIMEOUT}; defaults to {@code heartbeat.timeout}.
   */
  public static final String RECOVERY_TIMEOUT = "resourcemanager.recovery.timeout";

  public static final String DEFAULT_RPC_ADDRESS = "127.0.0.1";
  public static final int DEFAULT_RPC_PORT = 6123;
  public static final String DEFAULT_REST_BIND_ADDRESS = "127.0.0.1";
  public static final int DEFAULT_REST_PORT = 8081;

  private ResourceManagerOptions() {}
}
