package dev.pulse.te;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.ILoggingEvent;
import dev.pulse.heartbeat.HeartbeatConfig;
import dev.pulse.heartbeat.LogCapture;
import dev.pulse.heartbeat.ResourceId;
import dev.pulse.heartbeat.time.ManualMainThreadExecutor;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * What an operator reads while the task executor registers, on the fake clock: a new kind of failure is a
 * warning (an error when it names a configuration problem) with the time left before the task executor
 * stops, a repeat of the same failure only a debug line; a goodbye or confirmation that succeeds logs no
 * failure; a drop by the resource manager says how many slots it freed.
 */
class RegistrationLogTest {

  private static final Duration INTERVAL = Duration.ofSeconds(1);
  private static final Duration TIMEOUT = Duration.ofSeconds(5);

  private final ManualMainThreadExecutor main = new ManualMainThreadExecutor();
  private final ScriptedResourceManagerClient client = new ScriptedResourceManagerClient(main);
  private final LogCapture connectionLog = LogCapture.of(ResourceManagerConnection.class);
  private final LogCapture coreLog = LogCapture.of(TaskExecutorCore.class);
  private TaskExecutorCore core;

  @AfterEach
  void restoreLoggers() {
    connectionLog.close();
    coreLog.close();
  }

  @Test
  void failedAttempts_newFailuresAreWarnedOrAnError_repeatsAreDebug_withTheTimeLeft() {
    client.refuseAll("UNAVAILABLE", "connection refused");
    start(Duration.ofMinutes(5));                                 // attempt 1 at 0
    main.advance(Duration.ofMillis(100));                         // attempt 2 at 0.1 s, the same failure
    client.refuseAll("UNAVAILABLE", "connection reset");
    main.advance(Duration.ofMillis(200));                         // attempt 3 at 0.3 s, a new description
    client.refuseAll("INVALID_ARGUMENT", "rpc_address: cannot be called");
    main.advance(Duration.ofMillis(400));                         // attempt 4 at 0.7 s, a configuration problem
    main.advance(Duration.ofMillis(800));                         // attempt 5 at 1.5 s, the same again

    List<ILoggingEvent> attempts = connectionLog.events().stream()
        .filter(e -> e.getFormattedMessage().contains(" failed: ")
            || e.getFormattedMessage().contains("refused registration attempt"))
        .toList();
    assertThat(attempts).extracting(ILoggingEvent::getLevel)
        .containsExactly(Level.WARN, Level.DEBUG, Level.WARN, Level.ERROR, Level.DEBUG);
    // 5 min left at the first failure; 4 min 59.7 s at the third, shown in whole seconds from 10 s on.
    assertThat(attempts.get(0).getFormattedMessage()).contains("Retrying in 100 ms")
        .endsWith("this task executor stops if it has no registration within 5 min.");
    assertThat(attempts.get(2).getFormattedMessage()).contains("connection reset").contains("Retrying in 400 ms")
        .endsWith("within 299 s.");
    assertThat(attempts.get(3).getFormattedMessage()).contains("refused registration attempt 4")
        .contains("check taskexecutor.rpc.address").endsWith("within 299 s.");
  }

  @Test
  void failedAttempt_withLessThanTenSecondsLeft_showsTheTimeLeftInMilliseconds() {
    client.refuseAll("UNAVAILABLE", "connection refused");
    start(Duration.ofMillis(9_500));
    client.refuseAll("UNAVAILABLE", "connection reset");

    main.advance(Duration.ofMillis(100));

    assertThat(connectionLog.warnings()).last().asString().endsWith("within 9400 ms.");
  }

  @Test
  void successfulConfirmationAndGoodbye_logNoFailure() {
    client.acceptAll();
    start(Duration.ofMinutes(5));

    core.close();
    main.runPending();

    assertThat(connectionLog.messages()).noneMatch(m -> m.contains("The slot report confirming"))
        .noneMatch(m -> m.startsWith("Could not tell"));
    assertThat(connectionLog.warnings()).isEmpty();
  }

  @Test
  void failedConfirmation_isADebugLine_theNextHeartbeatConfirms() {
    client.acceptAll().failSlotReports();

    start(Duration.ofMinutes(5));

    assertThat(connectionLog.events()).filteredOn(e -> e.getLevel() == Level.DEBUG)
        .extracting(ILoggingEvent::getFormattedMessage)
        .anyMatch(m -> m.startsWith("The slot report confirming registration reg-1 failed")
            && m.contains("UNAVAILABLE: connection reset"));
    assertThat(core.registration()).isNotNull();
  }

  @Test
  void droppedByTheResourceManager_saysHowManySlotsItFreed() {
    client.acceptAll();
    start(Duration.ofMinutes(5));
    core.requestSlot(ScriptedResourceManagerClient.TOKEN, 0, "a-1", "job-1");
    core.requestSlot(ScriptedResourceManagerClient.TOKEN, 1, "a-2", "job-1");

    core.disconnectResourceManager(ScriptedResourceManagerClient.TOKEN, "HEARTBEAT_TIMEOUT", "");

    assertThat(coreLog.warnings()).singleElement().asString().endsWith("; freed 2 slot(s)");
  }

  private void start(Duration registrationTimeout) {
    TaskExecutorConfig config = new TaskExecutorConfig(ResourceId.of("te-1"), 2, "127.0.0.1", 0, registrationTimeout,
        "127.0.0.1", 6123, HeartbeatConfig.of(INTERVAL, TIMEOUT));
    core = new TaskExecutorCore(config, "instance-1", main, client, List.of(),
        RetryBackoff.forRegistration(() -> 1.0));
    core.start("127.0.0.1:5000");
    main.runPending();
  }
}
