package dev.pulse.te;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.ILoggingEvent;
import dev.pulse.config.Settings;
import dev.pulse.heartbeat.LogCapture;
import dev.pulse.rm.ResourceManager;
import dev.pulse.rm.server.ResourceManagerServer;
import dev.pulse.te.server.TaskExecutorServer;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * On loopback, a real resource manager that sheds load and a real task executor: the registration is refused
 * with {@code RESOURCE_EXHAUSTED} and a retry hint in the trailers, the task executor waits at least the hint
 * (not its own 100 ms backoff) and then registers with its second attempt.
 */
class RegistrationBackPressureTest {

  private static final Duration PATIENCE = Duration.ofSeconds(30);
  private static final Duration HINT = Duration.ofSeconds(2);

  private final Deque<AutoCloseable> toClose = new ArrayDeque<>();

  @AfterEach
  void closeEverything() throws Exception {
    Exception failure = null;
    while (!toClose.isEmpty()) {
      try {
        toClose.pop().close();
      } catch (Exception e) {
        if (failure == null) {
          failure = e;
        } else {
          failure.addSuppressed(e);
        }
      }
    }
    if (failure != null) {
      throw failure;
    }
  }

  @Test
  void resourceExhaustedWithAHint_theTaskExecutorWaitsTheHint_thenRegisters() {
    LogCapture log = LogCapture.of(ResourceManagerConnection.class);
    toClose.push(log);
    // Limits far above what a loaded build machine shows, so that only the lag this test reports refuses.
    ResourceManagerServer server = ResourceManagerServer.builder()
        .resourceManagerId("rm-busy")
        .settings(Settings.of("heartbeat.interval", "200 ms", "heartbeat.timeout", "3 s",
            "resourcemanager.rpc.port", "0",
            "resourcemanager.registration.max-tick-lag", "30 s",
            "resourcemanager.registration.max-event-loop-lag", "30 s",
            "resourcemanager.registration.retry-after", HINT.toMillis() + " ms",
            "resourcemanager.registration.start-up-grace", "0 s"))
        .serveRest(false)
        .build();
    toClose.push(server);
    ResourceManager rm = server.start().resourceManager();
    rm.eventLoopLag(Duration.ofSeconds(31).toNanos()); // behind: no new task executor for the next 2 s

    TaskExecutorServer te = TaskExecutorServer.builder()
        .settings(Settings.of("heartbeat.interval", "200 ms", "heartbeat.timeout", "3 s",
            "taskexecutor.resource-id", "te-1",
            "resourcemanager.rpc.port", Integer.toString(server.rpcAddress().getPort())))
        .build();
    toClose.push(te);
    te.start();
    // Behind until the task executor has been refused once, however long it takes to start on a busy machine.
    await().atMost(PATIENCE).pollInterval(Duration.ofMillis(50)).until(() -> {
      if (!refusals(log).isEmpty()) {
        return true;
      }
      rm.eventLoopLag(Duration.ofSeconds(31).toNanos());
      return false;
    });

    await().atMost(PATIENCE).until(te::isRegistered);
    await().atMost(PATIENCE).until(() -> rm.overview().taskExecutors() == 1);
    List<ILoggingEvent> refusals = refusals(log);
    assertThat(refusals).as("one refusal: the task executor did not call again before the hint").hasSize(1);
    ILoggingEvent refused = refusals.get(0);
    ILoggingEvent registered = log.events().stream()
        .filter(e -> e.getFormattedMessage().startsWith("Registered with resource manager rm-busy")).findFirst()
        .orElseThrow();
    assertThat(refused.getFormattedMessage()).contains("asked this task executor to come back later")
        .contains("behind on its own work").containsPattern("Retrying in \\d+ ms;");
    assertThat(refused.getLevel()).as("load shed is back-pressure, not a fault").isEqualTo(Level.INFO);
    assertThat(registered.getFormattedMessage()).contains("after 2 attempt(s)");
    // Logged just before the retry was scheduled; the wall clock may step a little against the monotonic one.
    assertThat(registered.getTimeStamp() - refused.getTimeStamp()).isGreaterThanOrEqualTo(HINT.toMillis() - 20);
  }

  /** The task executor's log lines about a refused attempt, at any level (a repeat is a debug line). */
  private static List<ILoggingEvent> refusals(LogCapture log) {
    return log.events().stream().filter(e -> e.getFormattedMessage().contains("RESOURCE_EXHAUSTED")).toList();
  }
}
