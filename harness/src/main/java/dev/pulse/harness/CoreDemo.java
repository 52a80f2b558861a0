package dev.pulse.harness;

import dev.pulse.heartbeat.HeartbeatConfig;
import dev.pulse.heartbeat.HeartbeatListener;
import dev.pulse.heartbeat.HeartbeatManager;
import dev.pulse.heartbeat.HeartbeatRpcException;
import dev.pulse.heartbeat.HeartbeatServices;
import dev.pulse.heartbeat.HeartbeatTarget;
import dev.pulse.heartbeat.ResourceId;
import dev.pulse.heartbeat.RpcFailureKind;
import dev.pulse.heartbeat.time.ScheduledMainThreadExecutor;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * A one-minute tour of the heartbeat core with real threads and real time: a sender watches five
 * simulated task executors over an in-process "transport" that answers after a millisecond; then one
 * is killed (its RPCs are refused) and one hangs (its RPCs never complete), and the demo prints how
 * and when each loss is detected. Runs about five seconds.
 */
public final class CoreDemo {

  private static final HeartbeatConfig CONFIG =
      new HeartbeatConfig(Duration.ofMillis(200), Duration.ofSeconds(1), 2, true);

  private final long startNanos = System.nanoTime();
  private final ScheduledMainThreadExecutor main = new ScheduledMainThreadExecutor("pulse-demo-main");
  private final ScheduledExecutorService transport = Executors.newSingleThreadScheduledExecutor(r -> {
    Thread t = new Thread(r, "pulse-demo-transport");
    t.setDaemon(true);
    return t;
  });
  private final CountDownLatch lost = new CountDownLatch(2);
  private HeartbeatManager<String, Void> sender;

  public static void main(String[] args) {
    System.exit(new CommandLine(new Arguments()).execute(args));
  }

  /** {@code bin/demo [-h] [-V]}: the demo takes no arguments but these. */
  @Command(name = "demo", mixinStandardHelpOptions = true, versionProvider = ProgramVersion.class,
      description = "A tour of Pulse's heartbeat core in one process, about five seconds: a sender watches five"
          + " simulated task executors; one is killed (lost as UNREACHABLE) and one hangs (lost by TIMEOUT).")
  static final class Arguments implements Callable<Integer> {
    @Override
    public Integer call() throws InterruptedException {
      new CoreDemo().run();
      return 0;
    }
  }

  private void run() throws InterruptedException {
    say("Pulse heartbeat-core demo: 5 simulated task executors, %s", CONFIG);
    SimulatedTaskExecutor[] executors = new SimulatedTaskExecutor[5];
    main.execute(() -> {
      sender = HeartbeatServices.of(CONFIG).createHeartbeatManagerSender(ResourceId.of("demo-rm"), new Listener(), main);
      for (int i = 0; i < executors.length; i++) {
        executors[i] = new SimulatedTaskExecutor(ResourceId.of("te-" + (i + 1)));
        sender.monitorTarget(executors[i].id, executors[i]);
      }
      say("monitoring te-1 .. te-5; each answers every heartbeat request after 1 ms");
    });
    main.schedule(() -> {
      executors[1].mode = Mode.KILLED;
      say("te-2 killed: its heartbeat RPCs are refused from now on (expect UNREACHABLE after 2 failures)");
      executors[3].mode = Mode.HUNG;
      say("te-4 hung: its heartbeat RPCs never complete (expect a TIMEOUT %s after its last answer)",
          "1 s");
    }, Duration.ofSeconds(2).toNanos());

    boolean bothLost = lost.await(30, TimeUnit.SECONDS);
    CountDownLatch stopped = new CountDownLatch(1);
    main.execute(() -> {
      say("stats: %s", sender.stats());
      sender.stop();
      stopped.countDown();
    });
    stopped.await(10, TimeUnit.SECONDS);
    main.close();
    transport.shutdownNow();
    if (!bothLost) {
      say("expected two losses within 30 s; something is wrong");
      System.exit(1);
    }
    say("done: the three healthy task executors were never lost");
  }

  private void say(String format, Object... args) {
    double seconds = (System.nanoTime() - startNanos) / 1e9;
    System.out.printf(Locale.ROOT, "%6.3f s  %s%n", seconds, String.format(Locale.ROOT, format, args));
  }

  private enum Mode { HEALTHY, KILLED, HUNG }

  /** A task executor reached through a fake transport thread. */
  private final class SimulatedTaskExecutor implements HeartbeatTarget<Void> {
    final ResourceId id;
    volatile Mode mode = Mode.HEALTHY;

    SimulatedTaskExecutor(ResourceId id) {
      this.id = id;
    }

    @Override
    public CompletableFuture<Void> receiveHeartbeat(ResourceId origin, Void payload) {
      return CompletableFuture.completedFuture(null);
    }

    @Override
    public CompletableFuture<Void> requestHeartbeat(ResourceId origin, Void payload) {
      CompletableFuture<Void> answer = new CompletableFuture<>();
      Mode now = mode;
      if (now == Mode.KILLED) {
        answer.completeExceptionally(new HeartbeatRpcException(RpcFailureKind.UNREACHABLE, "connection refused"));
      } else if (now == Mode.HEALTHY) {
        transport.schedule(() -> {
          main.execute(() -> sender.receiveHeartbeat(id, "slots of " + id));
          answer.complete(null);
        }, 1, TimeUnit.MILLISECONDS);
      }
      return answer;
    }
  }

  private final class Listener implements HeartbeatListener<String, Void> {
    @Override
    public void notifyHeartbeatTimeout(ResourceId id) {
      report(id, "HEARTBEAT_TIMEOUT");
    }

    @Override
    public void notifyTargetUnreachable(ResourceId id) {
      report(id, "UNREACHABLE");
    }

    private void report(ResourceId id, String reason) {
      say("LOST %s: %s (last heartbeat %.3f s ago)", id, reason,
          (main.nanoTime() - sender.getLastHeartbeatFrom(id)) / 1e9);
      sender.unmonitorTarget(id);
      lost.countDown();
    }

    @Override
    public void reportPayload(ResourceId id, String payload) {}

    @Override
    public Void retrievePayload(ResourceId id) {
      return null;
    }
  }
}
