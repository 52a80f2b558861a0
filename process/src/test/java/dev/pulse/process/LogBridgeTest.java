package dev.pulse.process;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.util.logging.LogManager;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;
import org.slf4j.bridge.SLF4JBridgeHandler;

/** What grpc-java and SnakeYAML log through java.util.logging reaches SLF4J once the bridge is installed. */
class LogBridgeTest {

  private final Logger target = (Logger) LoggerFactory.getLogger("io.grpc.example");
  private final ListAppender<ILoggingEvent> appender = new ListAppender<>();

  @AfterEach
  void restoreJul() throws Exception {
    target.detachAppender(appender);
    SLF4JBridgeHandler.uninstall();
    LogManager.getLogManager().readConfiguration(); // the JDK's console handler again
  }

  @Test
  void install_routesJulRecordsToSlf4j_once() {
    appender.start();
    target.addAppender(appender);

    LogBridge.install();
    LogBridge.install(); // idempotent: one handler, one copy of each record
    java.util.logging.Logger.getLogger("io.grpc.example").warning("channel closed");

    assertThat(appender.list).singleElement().satisfies(e -> {
      assertThat(e.getLevel()).isEqualTo(Level.WARN);
      assertThat(e.getFormattedMessage()).isEqualTo("channel closed");
    });
    assertThat(java.util.logging.Logger.getLogger("").getHandlers()).singleElement()
        .isInstanceOf(SLF4JBridgeHandler.class);
  }
}
