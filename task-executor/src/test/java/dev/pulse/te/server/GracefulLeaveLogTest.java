package dev.pulse.te.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.pulse.config.Settings;
import dev.pulse.rm.server.ResourceManagerServer;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/** A task executor that says goodbye is logged by the resource manager at INFO as leaving, not at WARN as lost. */
class GracefulLeaveLogTest {

  private final Logger coreLog = (Logger) LoggerFactory.getLogger("dev.pulse.rm.ResourceManagerCore");
  private final ListAppender<ILoggingEvent> appender = new ListAppender<>();
  private Level levelBefore;

  @BeforeEach
  void capture() {
    levelBefore = coreLog.getLevel();
    coreLog.setLevel(Level.INFO);
    appender.start();
    coreLog.addAppender(appender);
  }

  @AfterEach
  void release() {
    coreLog.detachAppender(appender);
    coreLog.setLevel(levelBefore);
  }

  @Test
  void gracefulLeave_isInfoNotWarn() {
    try (ResourceManagerServer rm = ResourceManagerServer.builder().settings(Settings.of("resourcemanager.rpc.port",
        "0")).serveRest(false).build().start()) {
      TaskExecutorServer te = TaskExecutorServer.builder().settings(Settings.of("resourcemanager.rpc.port",
          Integer.toString(rm.rpcAddress().getPort()), "taskexecutor.resource-id", "leaving-te")).build().start();
      await().atMost(Duration.ofSeconds(20)).until(te::isRegistered);

      te.close(); // says goodbye: DISCONNECTED

      await().atMost(Duration.ofSeconds(20)).until(() -> appender.list.stream()
          .anyMatch(e -> e.getFormattedMessage().startsWith("Task executor leaving-te left (DISCONNECTED)")));
      assertThat(appender.list).filteredOn(e -> e.getFormattedMessage().contains("leaving-te"))
          .allMatch(e -> e.getLevel() == Level.INFO, "logged at INFO");
    }
  }
}
