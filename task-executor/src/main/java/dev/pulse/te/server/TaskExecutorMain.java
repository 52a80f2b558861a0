package dev.pulse.te.server;

import dev.pulse.config.HostPort;
import dev.pulse.config.Settings;
import dev.pulse.process.ProcessRunner;

/**
 * {@code bin/task-executor [-c FILE] [-Dkey=value ...]}: runs one {@link TaskExecutorServer} until SIGTERM or
 * SIGINT, printing one start-up line such as
 * {@code task-executor te-1 (instance 3f2a...) listening on 127.0.0.1:41234, 4 slot(s), resource manager 127.0.0.1:6123}.
 *
 * <p>Exit codes: 0 after SIGTERM/SIGINT (having said goodbye to the resource manager); 1 for a bad
 * setting or a port that cannot be bound (one line naming the key, before anything is bound);
 * 2 for bad arguments; {@value #EXIT_FAIL_STOP} when the task executor gave up on its resource manager
 * after {@code taskexecutor.registration.timeout} (fail-stop; the log's ERROR line says why).
 */
public final class TaskExecutorMain {

  /** Exit code of a task executor that had no resource manager for {@code taskexecutor.registration.timeout}. */
  public static final int EXIT_FAIL_STOP = 3;

  private TaskExecutorMain() {}

  public static void main(String[] args) {
    ProcessRunner.main("task-executor", "Runs a Pulse task executor: offers slots to the resource manager at"
        + " resourcemanager.rpc.address:resourcemanager.rpc.port.", args, TaskExecutorMain::start);
  }

  /** Builds and starts a task executor from {@code settings}; the configuration is validated before anything binds. */
  static ProcessRunner.Started start(Settings settings) {
    TaskExecutorServer te = TaskExecutorServer.builder().settings(settings).build();
    te.start();
    return new ProcessRunner.Started(te, startLine(te), te.failStop().thenApply(reason -> EXIT_FAIL_STOP));
  }

  /** The one line printed once the task executor listens. */
  static String startLine(TaskExecutorServer te) {
    String advertised = te.rpcAddress().equals(te.listenAddress()) ? "" : " (advertised as " + te.rpcAddress() + ")";
    return "task-executor " + te.resourceId() + " (instance " + te.instanceId() + ") listening on " + te.listenAddress()
        + advertised + ", " + te.numberOfSlots() + " slot(s), resource manager " + te.resourceManagerAddress()
        + te.httpAddress().map(a -> ", http http://" + HostPort.format(a)).orElse("");
  }
}
