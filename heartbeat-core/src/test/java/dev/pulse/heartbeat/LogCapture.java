package dev.pulse.heartbeat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.util.List;
import org.slf4j.LoggerFactory;

/**
 * Captures what one logger (and its children) logs while open, at every level, for tests that assert
 * on log lines. What it captures is not passed on to the console (DEBUG lines with stack traces would
 * drown the build's output). {@link #close()} restores the logger.
 */
public final class LogCapture implements AutoCloseable {

  private final Logger logger;
  private final Level previousLevel;
  private final boolean previousAdditive;
  private final ListAppender<ILoggingEvent> appender = new ListAppender<>();

  private LogCapture(Logger logger) {
    this.logger = logger;
    this.previousLevel = logger.getLevel();
    this.previousAdditive = logger.isAdditive();
    appender.start();
    logger.addAppender(appender);
    logger.setLevel(Level.DEBUG);
    logger.setAdditive(false);
  }

  /** Captures the logger named after {@code type}. */
  public static LogCapture of(Class<?> type) {
    return new LogCapture((Logger) LoggerFactory.getLogger(type));
  }

  /** Captures the logger {@code name}, e.g. a package, which takes in every class's logger below it. */
  public static LogCapture of(String name) {
    return new LogCapture((Logger) LoggerFactory.getLogger(name));
  }

  public List<ILoggingEvent> events() {
    // The appender adds under its own lock (AppenderBase.doAppend); copying under it lets another thread read
    // while the code under test logs.
    synchronized (appender) {
      return List.copyOf(appender.list);
    }
  }

  /** Formatted messages of the WARN (and ERROR) events. */
  /** Formatted messages of every captured event, oldest first. */
  public List<String> messages() {
    return events().stream().map(ILoggingEvent::getFormattedMessage).toList();
  }

  public List<String> warnings() {
    return atLeast(Level.WARN).stream().map(ILoggingEvent::getFormattedMessage).toList();
  }

  public List<ILoggingEvent> atLeast(Level level) {
    return events().stream().filter(e -> e.getLevel().isGreaterOrEqual(level)).toList();
  }

  public List<ILoggingEvent> at(Level level) {
    return events().stream().filter(e -> e.getLevel() == level).toList();
  }

  @Override
  public void close() {
    logger.detachAppender(appender);
    logger.setLevel(previousLevel);
    logger.setAdditive(previousAdditive);
    appender.stop();
  }
}
