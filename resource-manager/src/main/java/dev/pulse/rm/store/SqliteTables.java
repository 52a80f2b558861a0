package dev.pulse.rm.store;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Types;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The SQLite schema of a {@link SqliteRegistryStore} and the statements that read and write it: one
 * connection, WAL journal, {@code synchronous} as configured.
 *
 * <p>Schema version {@value #SCHEMA_VERSION}: {@code meta} (one row: schema version, resource manager id,
 * epoch counter, last event sequence number), {@code allocations}, {@code task_executors},
 * {@code events} (the newest {@link MemoryRegistryStore#EVENT_TAIL}, by sequence number) and
 * {@code quarantines} (loss histories, SPEC 11; new in version 2). Version 3 adds each allocation's restart
 * policy, when it began to move and why it failed (SPEC 10). An older store is migrated when opened, in the
 * transaction that takes the epoch: new tables are created empty, new columns added with their defaults (no
 * policy, not moving), and the version raised.
 *
 * <p>Not thread-safe: used by {@link SqliteRegistryStore#open} and then by the store thread only.
 */
final class SqliteTables implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(SqliteTables.class);

  static final int SCHEMA_VERSION = 3;
  static final String DATABASE_FILE = "registry.db";
  /** How often the {@link WalCheckpointer} is asked to copy the log back (a commit is a few pages). */
  static final int COMMITS_PER_CHECKPOINT = 100;

  /** The allocation columns added in version 3, in this order (after the older ones). */
  private static final String[] ALLOCATION_COLUMNS_3_DDL = {
      "max_attempts INTEGER NOT NULL DEFAULT 0", "backoff_ms INTEGER NOT NULL DEFAULT 0",
      "deadline_ms INTEGER NOT NULL DEFAULT 0", "moving_since INTEGER NOT NULL DEFAULT 0", "failure_reason TEXT"};
  private static final String ALLOCATION_COLUMNS_3 = ", " + String.join(", ", ALLOCATION_COLUMNS_3_DDL);

  private static final String[] SCHEMA = {
      "CREATE TABLE IF NOT EXISTS meta (id INTEGER PRIMARY KEY CHECK (id = 1), schema_version INTEGER NOT NULL,"
          + " resource_manager_id TEXT NOT NULL, epoch INTEGER NOT NULL, last_event_seq INTEGER NOT NULL)",
      "CREATE TABLE IF NOT EXISTS allocations (allocation_id TEXT PRIMARY KEY, job_id TEXT,"
          + " task_executor_id TEXT, slot_index INTEGER NOT NULL, state TEXT NOT NULL, created_at INTEGER NOT NULL,"
          + " attempts INTEGER NOT NULL, last_loss_reason TEXT" + ALLOCATION_COLUMNS_3 + ")",
      "CREATE TABLE IF NOT EXISTS task_executors (resource_id TEXT PRIMARY KEY, instance_id TEXT, address TEXT,"
          + " slots INTEGER NOT NULL, registered_at INTEGER NOT NULL)",
      "CREATE TABLE IF NOT EXISTS events (seq INTEGER PRIMARY KEY, time INTEGER NOT NULL, type TEXT,"
          + " task_executor_id TEXT, allocation_id TEXT, job_id TEXT, reason TEXT, slots_released INTEGER NOT NULL,"
          + " detail TEXT)",
      // Version 2. losses: epoch milliseconds, comma-separated, oldest first.
      "CREATE TABLE IF NOT EXISTS quarantines (resource_id TEXT PRIMARY KEY, losses TEXT NOT NULL,"
          + " quarantines INTEGER NOT NULL, quarantined_until INTEGER NOT NULL, released_at INTEGER NOT NULL)"};

  private final Path file;
  private final Connection connection;
  private final int eventTail;
  private WalCheckpointer checkpointer;
  private int commitsSinceCheckpoint;
  private PreparedStatement putAllocation;
  private PreparedStatement removeAllocation;
  private PreparedStatement putTaskExecutor;
  private PreparedStatement removeTaskExecutor;
  private PreparedStatement putQuarantine;
  private PreparedStatement removeQuarantine;
  private PreparedStatement appendEvent;
  private PreparedStatement trimEvents;
  private PreparedStatement saveLastEventSeq;
  private long lastEventSeq;
  private long storedEvents;
  private boolean eventsChanged;

  private SqliteTables(Path file, Connection connection, int eventTail) {
    this.file = file;
    this.connection = connection;
    this.eventTail = eventTail;
  }

  /** Opens (or creates) the database file and sets the journal and sync mode. */
  static SqliteTables open(Path file, StoreConfig.Sync sync, int eventTail) throws SQLException {
    Connection connection = DriverManager.getConnection("jdbc:sqlite:" + file);
    try (Statement statement = connection.createStatement()) {
      statement.execute("PRAGMA journal_mode=WAL");
      statement.execute("PRAGMA synchronous=" + sync.name());
      statement.execute("PRAGMA busy_timeout=5000");
      statement.execute("PRAGMA wal_autocheckpoint=" + WalCheckpointer.WRITER_CHECKPOINT_PAGES);
    } catch (SQLException e) {
      connection.close();
      throw e;
    }
    return new SqliteTables(file, connection, eventTail);
  }

  /**
   * Creates the schema if new, takes the next epoch (committed before returning) and reads everything.
   *
   * @throws StoreException if the file was written by a newer schema version
   */
  StoredState load(String proposedResourceManagerId) throws SQLException {
    connection.setAutoCommit(false);
    try (Statement statement = connection.createStatement()) {
      for (String ddl : SCHEMA) {
        statement.execute(ddl);
      }
      statement.executeUpdate("INSERT OR IGNORE INTO meta VALUES (1, " + SCHEMA_VERSION + ", "
          + quote(proposedResourceManagerId) + ", 0, 0)");
      String id;
      long epoch;
      int migrated = 0;
      try (ResultSet meta = statement.executeQuery(
          "SELECT schema_version, resource_manager_id, epoch, last_event_seq FROM meta")) {
        meta.next();
        int version = meta.getInt(1);
        if (version > SCHEMA_VERSION) {
          throw new StoreException("the store " + file + " has schema version " + version
              + ", written by a newer Pulse; this one reads up to " + SCHEMA_VERSION);
        }
        if (version < SCHEMA_VERSION) {
          // The tables new since that version were created above, empty; columns are added below.
          migrated = version;
        }
        id = meta.getString(2);
        epoch = meta.getLong(3) + 1;
        lastEventSeq = meta.getLong(4);
      }
      if (migrated != 0 && migrated < 3) {
        for (String column : ALLOCATION_COLUMNS_3_DDL) {
          statement.execute("ALTER TABLE allocations ADD COLUMN " + column);
        }
      }
      statement.executeUpdate("UPDATE meta SET epoch = " + epoch + ", schema_version = " + SCHEMA_VERSION);
      StoredState state = new StoredState(id, epoch, readAllocations(statement), readTaskExecutors(statement),
          lastEventSeq, readEvents(statement), readQuarantines(statement));
      connection.commit();
      if (migrated != 0) {
        LOG.info("Migrated the store {} from schema version {} to {}", file, migrated, SCHEMA_VERSION);
      }
      storedEvents = state.events().size();
      prepare();
      checkpointer = new WalCheckpointer(file);
      return state;
    } catch (SQLException | RuntimeException e) {
      connection.rollback();
      throw e;
    }
  }

  /** Applies one mutation inside the current transaction. */
  void apply(Mutation mutation) throws SQLException {
    if (mutation instanceof Mutation.Batch b) {
      for (Mutation m : b.mutations()) {
        apply(m); // same transaction: a batch never spans two commits
      }
    } else if (mutation instanceof Mutation.PutAllocation p) {
      StoredAllocation a = p.allocation();
      putAllocation.setString(1, a.allocationId());
      putAllocation.setString(2, a.jobId());
      putAllocation.setString(3, a.taskExecutorId());
      putAllocation.setInt(4, a.slotIndex());
      putAllocation.setString(5, a.state());
      putAllocation.setLong(6, a.createdAt());
      putAllocation.setInt(7, a.attempts());
      putAllocation.setString(8, a.lastLossReason());
      putAllocation.setInt(9, a.maxAttempts());
      putAllocation.setLong(10, a.backoffMillis());
      putAllocation.setLong(11, a.deadlineMillis());
      putAllocation.setLong(12, a.movingSince());
      putAllocation.setString(13, a.failureReason());
      putAllocation.executeUpdate();
    } else if (mutation instanceof Mutation.RemoveAllocation r) {
      removeAllocation.setString(1, r.allocationId());
      removeAllocation.executeUpdate();
    } else if (mutation instanceof Mutation.PutTaskExecutor p) {
      StoredTaskExecutor t = p.taskExecutor();
      putTaskExecutor.setString(1, t.resourceId());
      putTaskExecutor.setString(2, t.instanceId());
      putTaskExecutor.setString(3, t.address());
      putTaskExecutor.setInt(4, t.slots());
      putTaskExecutor.setLong(5, t.registeredAt());
      putTaskExecutor.executeUpdate();
    } else if (mutation instanceof Mutation.RemoveTaskExecutor r) {
      removeTaskExecutor.setString(1, r.resourceId());
      removeTaskExecutor.executeUpdate();
    } else if (mutation instanceof Mutation.PutQuarantine p) {
      StoredQuarantine q = p.quarantine();
      putQuarantine.setString(1, q.resourceId());
      putQuarantine.setString(2, q.losses().stream().map(String::valueOf).collect(Collectors.joining(",")));
      putQuarantine.setInt(3, q.quarantines());
      putQuarantine.setLong(4, q.quarantinedUntil());
      putQuarantine.setLong(5, q.releasedAt());
      putQuarantine.executeUpdate();
    } else if (mutation instanceof Mutation.RemoveQuarantine r) {
      removeQuarantine.setString(1, r.resourceId());
      removeQuarantine.executeUpdate();
    } else if (mutation instanceof Mutation.AppendEvent e) {
      append(e.event());
    }
  }

  /** Trims the event tail and saves the last sequence number, then commits the transaction. */
  void commit() throws SQLException {
    if (eventsChanged) {
      if (storedEvents > eventTail) {
        trimEvents.setLong(1, storedEvents - eventTail);
        trimEvents.executeUpdate();
        storedEvents = eventTail;
      }
      saveLastEventSeq.setLong(1, lastEventSeq);
      saveLastEventSeq.executeUpdate();
      eventsChanged = false;
    }
    connection.commit();
    if (++commitsSinceCheckpoint >= COMMITS_PER_CHECKPOINT) {
      commitsSinceCheckpoint = 0;
      checkpointer.request();
    }
  }

  /** Undoes the current transaction, as far as the connection still can. */
  void rollback() {
    try {
      connection.rollback();
    } catch (SQLException e) {
      // the connection is unusable; the store is broken either way
    }
  }

  /**
   * Writes a copy of the database as last committed to {@code target}. A connection of its own reads it
   * (WAL lets it read while this one writes), since SQLite refuses {@code VACUUM} on a connection with
   * prepared statements.
   */
  void backup(Path target) throws SQLException, IOException {
    try (Connection reader = DriverManager.getConnection("jdbc:sqlite:" + file);
        PreparedStatement vacuum = reader.prepareStatement("VACUUM INTO ?")) {
      vacuum.setString(1, target.toString());
      vacuum.execute();
    }
    try (FileChannel copy = FileChannel.open(target, StandardOpenOption.WRITE)) {
      copy.force(true); // a backup is for disasters: on the disk before it is reported done
    }
  }

  @Override
  public void close() throws SQLException {
    if (checkpointer != null) {
      checkpointer.close();
    }
    connection.close();
  }

  private void append(StoredEvent event) throws SQLException {
    if (event.seq() <= lastEventSeq) {
      return; // a replay: appended before
    }
    appendEvent.setLong(1, event.seq());
    appendEvent.setLong(2, event.time());
    appendEvent.setString(3, event.type());
    appendEvent.setString(4, event.taskExecutorId());
    appendEvent.setString(5, event.allocationId());
    appendEvent.setString(6, event.jobId());
    appendEvent.setString(7, event.reason());
    appendEvent.setInt(8, event.slotsReleased());
    appendEvent.setString(9, event.detail());
    appendEvent.executeUpdate();
    lastEventSeq = event.seq();
    storedEvents++;
    eventsChanged = true;
  }

  private void prepare() throws SQLException {
    putAllocation = connection.prepareStatement("INSERT OR REPLACE INTO allocations VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
    removeAllocation = connection.prepareStatement("DELETE FROM allocations WHERE allocation_id = ?");
    putTaskExecutor = connection.prepareStatement("INSERT OR REPLACE INTO task_executors VALUES (?, ?, ?, ?, ?)");
    removeTaskExecutor = connection.prepareStatement("DELETE FROM task_executors WHERE resource_id = ?");
    putQuarantine = connection.prepareStatement("INSERT OR REPLACE INTO quarantines VALUES (?, ?, ?, ?, ?)");
    removeQuarantine = connection.prepareStatement("DELETE FROM quarantines WHERE resource_id = ?");
    appendEvent = connection.prepareStatement("INSERT INTO events VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)");
    trimEvents = connection.prepareStatement(
        "DELETE FROM events WHERE seq IN (SELECT seq FROM events ORDER BY seq LIMIT ?)");
    saveLastEventSeq = connection.prepareStatement("UPDATE meta SET last_event_seq = ?");
  }

  private static List<StoredAllocation> readAllocations(Statement statement) throws SQLException {
    List<StoredAllocation> result = new ArrayList<>();
    try (ResultSet rows = statement.executeQuery("SELECT allocation_id, job_id, task_executor_id, slot_index,"
        + " state, created_at, attempts, last_loss_reason, max_attempts, backoff_ms, deadline_ms, moving_since,"
        + " failure_reason FROM allocations ORDER BY rowid")) {
      while (rows.next()) {
        result.add(new StoredAllocation(rows.getString(1), rows.getString(2), rows.getString(3), rows.getInt(4),
            rows.getString(5), rows.getLong(6), rows.getInt(7), rows.getString(8), rows.getInt(9), rows.getLong(10),
            rows.getLong(11), rows.getLong(12), rows.getString(13)));
      }
    }
    return result;
  }

  private static List<StoredTaskExecutor> readTaskExecutors(Statement statement) throws SQLException {
    List<StoredTaskExecutor> result = new ArrayList<>();
    try (ResultSet rows = statement.executeQuery("SELECT resource_id, instance_id, address, slots, registered_at"
        + " FROM task_executors ORDER BY rowid")) {
      while (rows.next()) {
        result.add(new StoredTaskExecutor(rows.getString(1), rows.getString(2), rows.getString(3), rows.getInt(4),
            rows.getLong(5)));
      }
    }
    return result;
  }

  private static List<StoredQuarantine> readQuarantines(Statement statement) throws SQLException {
    List<StoredQuarantine> result = new ArrayList<>();
    try (ResultSet rows = statement.executeQuery("SELECT resource_id, losses, quarantines, quarantined_until,"
        + " released_at FROM quarantines ORDER BY rowid")) {
      while (rows.next()) {
        String losses = rows.getString(2);
        List<Long> times = losses.isEmpty() ? List.of()
            : Arrays.stream(losses.split(",")).map(Long::valueOf).toList();
        result.add(new StoredQuarantine(rows.getString(1), times, rows.getInt(3), rows.getLong(4), rows.getLong(5)));
      }
    }
    return result;
  }

  private static List<StoredEvent> readEvents(Statement statement) throws SQLException {
    List<StoredEvent> result = new ArrayList<>();
    try (ResultSet rows = statement.executeQuery("SELECT seq, time, type, task_executor_id, allocation_id, job_id,"
        + " reason, slots_released, detail FROM events ORDER BY seq")) {
      while (rows.next()) {
        result.add(new StoredEvent(rows.getLong(1), rows.getLong(2), rows.getString(3), rows.getString(4),
            rows.getString(5), rows.getString(6), rows.getString(7), rows.getInt(8), rows.getString(9)));
      }
    }
    return result;
  }

  private static String quote(String text) {
    return "'" + text.replace("'", "''") + "'";
  }
}
