package dev.pulse.te;

import dev.pulse.config.ConfigOption;
import dev.pulse.config.ConfigOptionSource;
import dev.pulse.config.ConfigOptions;
import dev.pulse.config.Limits;
import java.time.Duration;
import java.util.List;

/**
 * The {@code taskexecutor.*} keys, declared for the {@link dev.pulse.config.ConfigRegistry}: type, default,
 * description, and Flink's {@code taskmanager.*} names, accepted as well. {@link TaskExecutorConfig#from}
 * reads them and checks their ranges (the keys' javadoc is in {@link TaskExecutorOptions}). Also this
 * module's {@link ConfigOptionSource}. Stateless.
 */
public final class TaskExecutorConfigOptions implements ConfigOptionSource {

  public static final ConfigOption<String> RESOURCE_ID = ConfigOptions.key(TaskExecutorOptions.RESOURCE_ID)
      .stringType()
      .noDefaultValue()
      .withDefaultDescription("this host's name plus a random suffix")
      .withAlternativeKeys("taskmanager.resource-id")
      .withDescription("Identity across restarts: 1 to 128 characters of A-Z, a-z, 0-9, '.', '_' and '-'. By"
          + " default every start is a new task executor.");

  public static final ConfigOption<Integer> NUMBER_OF_TASK_SLOTS =
      ConfigOptions.key(TaskExecutorOptions.NUMBER_OF_TASK_SLOTS)
          .intType()
          .defaultValue(TaskExecutorOptions.DEFAULT_NUMBER_OF_TASK_SLOTS)
          .withAlternativeKeys("taskmanager.numberOfTaskSlots")
          .withDescription("Slots offered, 1.." + Limits.MAX_TASK_SLOTS + ".");

  public static final ConfigOption<String> RPC_ADDRESS = ConfigOptions.key(TaskExecutorOptions.RPC_ADDRESS)
      .hostType()
      .defaultValue(TaskExecutorOptions.DEFAULT_RPC_ADDRESS)
      .withAlternativeKeys("taskmanager.host")
      .withDescription("Host the resource manager calls this task executor at (advertised), and the one its gRPC"
          + " server listens on unless taskexecutor.bind-host is set. A wildcard address (0.0.0.0) advertises this"
          + " host's name.");

  public static final ConfigOption<String> BIND_HOST = ConfigOptions.key("taskexecutor.bind-host")
      .hostType()
      .noDefaultValue()
      .withDefaultDescription("taskexecutor.rpc.address")
      .withAlternativeKeys("taskmanager.bind-host")
      .withDescription("Host or IP address the gRPC server listens on, e.g. 0.0.0.0 in a container whose"
          + " advertised address (taskexecutor.rpc.address) belongs to the host or the pod.");

  public static final ConfigOption<Integer> RPC_PORT = ConfigOptions.key(TaskExecutorOptions.RPC_PORT)
      .portType()
      .defaultValue(TaskExecutorOptions.DEFAULT_RPC_PORT)
      .withAlternativeKeys("taskmanager.rpc.port")
      .withDescription("Port of the task executor's gRPC server; 0 picks any free port.");

  public static final ConfigOption<Integer> RPC_ADVERTISED_PORT =
      ConfigOptions.key(TaskExecutorOptions.RPC_ADVERTISED_PORT)
          .portType()
          .defaultValue(TaskExecutorOptions.DEFAULT_RPC_ADVERTISED_PORT)
          .withDescription("Port told to the resource manager when a proxy or port forward passes connections on"
              + " to the gRPC server (the harness's network faults use it); 0 advertises the port listened on.");

  public static final ConfigOption<Boolean> HTTP_ENABLED = ConfigOptions.key(TaskExecutorOptions.HTTP_ENABLED)
      .booleanType()
      .defaultValue(TaskExecutorOptions.DEFAULT_HTTP_ENABLED)
      .withDescription("true: the task executor serves HTTP GET /healthz (200 while registered, else 503) and"
          + " GET /metrics (Prometheus text).");

  public static final ConfigOption<String> HTTP_BIND_ADDRESS =
      ConfigOptions.key(TaskExecutorOptions.HTTP_BIND_ADDRESS)
          .hostType()
          .defaultValue(TaskExecutorOptions.DEFAULT_HTTP_BIND_ADDRESS)
          .withDescription("Where the task executor's HTTP endpoint listens, when taskexecutor.http.enabled.");

  public static final ConfigOption<Integer> HTTP_PORT = ConfigOptions.key(TaskExecutorOptions.HTTP_PORT)
      .portType()
      .defaultValue(TaskExecutorOptions.DEFAULT_HTTP_PORT)
      .withDescription("Port of the task executor's HTTP endpoint; 0 picks any free port.");

  public static final ConfigOption<Duration> REGISTRATION_TIMEOUT =
      ConfigOptions.key(TaskExecutorOptions.REGISTRATION_TIMEOUT)
          .durationType()
          .defaultValue(TaskExecutorOptions.DEFAULT_REGISTRATION_TIMEOUT)
          .withAlternativeKeys("taskmanager.registration.timeout")
          .withDescription("Give up (free all slots and exit with code 3) after this long without a resource"
              + " manager. Must be > 0.");

  @Override
  public List<ConfigOption<?>> options() {
    return ConfigOptions.declaredIn(TaskExecutorConfigOptions.class);
  }
}
