package dev.pulse.rpc;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/** At most one line per period, counting what it did not log ({@link LogThrottle}); time from a fake clock. */
class RefusalLogTest {

  private static final Duration PERIOD = Duration.ofMinutes(1);
  private static final String METHOD = "pulse.v1.ResourceManagerGateway/RegisterTaskExecutor";

  private final AtomicLong now = new AtomicLong(1_000);
  private final RefusalLog log = new RefusalLog(PERIOD, now::get);
  private final Logger logger = (Logger) LoggerFactory.getLogger(RefusalLog.class);
  private final ListAppender<ILoggingEvent> lines = new ListAppender<>();
  private Level levelBefore;

  @BeforeEach
  void capture() {
    levelBefore = logger.getLevel();
    logger.setLevel(Level.WARN);
    lines.start();
    logger.addAppender(lines);
  }

  @AfterEach
  void release() {
    logger.detachAppender(lines);
    logger.setLevel(levelBefore);
  }

  @Test
  void firstRefusal_loggedAtOnce() {
    log.refused(METHOD, "/127.0.0.1:5000", "rpc_address: is required");

    assertThat(lines.list).singleElement().satisfies(e -> {
      assertThat(e.getLevel()).isEqualTo(Level.WARN);
      assertThat(e.getFormattedMessage()).contains(METHOD, "/127.0.0.1:5000", "rpc_address: is required");
    });
  }

  @Test
  void refusalsWithinThePeriod_notLogged_butCounted() {
    log.refused(METHOD, null, "first");
    for (int i = 0; i < 1000; i++) {
      now.addAndGet(PERIOD.toNanos() / 2000);
      log.refused(METHOD, null, "more");
    }

    assertThat(lines.list).hasSize(1);
    assertThat(log.total()).isEqualTo(1001);
  }

  @Test
  void firstRefusalAfterThePeriod_logsTheCountSinceTheLastLine() {
    log.refused(METHOD, null, "first");
    for (int i = 0; i < 9; i++) {
      log.refused(METHOD, null, "within");
    }
    now.addAndGet(PERIOD.toNanos() - 1);
    log.refused(METHOD, null, "still within");
    now.addAndGet(1);

    log.refused(METHOD, null, "latest");

    assertThat(lines.list).hasSize(2);
    assertThat(lines.list.get(0).getFormattedMessage()).startsWith("Refused 1 malformed call(s) with INVALID_ARGUMENT"
        + " since the last such line; latest: " + METHOD + " from null: first (logged at most once per 60 s)");
    assertThat(lines.list.get(1).getFormattedMessage()).startsWith("Refused 11 malformed call(s) with INVALID_ARGUMENT"
        + " since the last such line; latest: " + METHOD + " from null: latest");
  }
}
