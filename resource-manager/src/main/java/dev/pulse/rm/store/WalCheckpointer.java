package dev.pulse.rm.store;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Copies the write-ahead log back into the database on a thread and connection of its own, so that the
 * store thread never waits for it. SQLite would otherwise checkpoint inside a commit once the log passes
 * its threshold, and that checkpoint syncs the database file: a stall of milliseconds for every write
 * queued behind it.
 *
 * <p>A passive checkpoint runs alongside the writer and never blocks it. The writer keeps SQLite's own
 * checkpoint at a high threshold as a bound on the log if this thread falls behind.
 *
 * <p>Thread-safe: {@link #request} from the store thread, {@link #close} from whoever closes the store.
 */
final class WalCheckpointer implements AutoCloseable {

  /** Pages of log after which the writer checkpoints by itself (about 40 MB): only if this thread lags. */
  static final int WRITER_CHECKPOINT_PAGES = 10_000;

  private static final Logger LOG = LoggerFactory.getLogger(WalCheckpointer.class);

  private final Path file;
  private final Thread thread;
  private boolean requested; // guarded by this
  private boolean closed; // guarded by this

  WalCheckpointer(Path file) {
    this.file = file;
    this.thread = new Thread(this::run, "pulse-store-checkpoint");
    thread.setDaemon(true);
    thread.start();
  }

  /** Asks for a checkpoint soon; never blocks. */
  synchronized void request() {
    requested = true;
    notifyAll();
  }

  /** Stops the thread (after a checkpoint in progress). Idempotent. */
  @Override
  public void close() {
    synchronized (this) {
      closed = true;
      notifyAll();
    }
    boolean interrupted = false;
    while (thread.isAlive()) {
      try {
        thread.join();
      } catch (InterruptedException e) {
        interrupted = true;
      }
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
  }

  private void run() {
    try (Connection connection = DriverManager.getConnection("jdbc:sqlite:" + file);
        Statement statement = connection.createStatement()) {
      statement.execute("PRAGMA busy_timeout=5000");
      while (awaitRequest()) {
        try {
          statement.execute("PRAGMA wal_checkpoint(PASSIVE)");
        } catch (SQLException e) {
          LOG.warn("A checkpoint of the store {} failed; the writer checkpoints by itself", file, e);
        }
      }
    } catch (SQLException e) {
      LOG.warn("The checkpoint thread of the store {} could not connect; the writer checkpoints by itself", file, e);
    }
  }

  private synchronized boolean awaitRequest() {
    while (!requested && !closed) {
      try {
        wait();
      } catch (InterruptedException e) {
        return false;
      }
    }
    requested = false;
    return !closed;
  }
}
