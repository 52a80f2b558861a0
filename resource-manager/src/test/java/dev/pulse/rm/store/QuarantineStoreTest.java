package dev.pulse.rm.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Loss histories and quarantines in both stores (SPEC 11), and the migration of a SQLite store written by
 * schema version 1, which had no table for them.
 */
class QuarantineStoreTest {

  @TempDir
  Path dir;

  private final List<RegistryStore> opened = new ArrayList<>();

  @AfterEach
  void closeStores() {
    opened.forEach(RegistryStore::close);
  }

  @Test
  void sqlite_keepsQuarantinesAcrossAReopen_andForgetsRemovedOnes() throws Exception {
    RegistryStore store = sqlite();
    store.open("rm-1");
    StoredQuarantine first = new StoredQuarantine("te-1", List.of(10L, 20L, 30L), 2, 90_000L, 5L);
    StoredQuarantine replaced = new StoredQuarantine("te-1", List.of(), 2, 150_000L, 5L);
    StoredQuarantine history = new StoredQuarantine("te-2", List.of(40L), 0, 0, 0);
    store.apply(new Mutation.PutQuarantine(first));
    store.apply(new Mutation.PutQuarantine(replaced));
    store.apply(new Mutation.PutQuarantine(history));
    store.apply(new Mutation.PutQuarantine(new StoredQuarantine("te-3", List.of(1L), 0, 0, 0)));
    store.apply(new Mutation.RemoveQuarantine("te-3")).get(10, TimeUnit.SECONDS);
    store.close();

    assertThat(sqlite().open("rm-1").quarantines()).containsExactlyInAnyOrder(replaced, history);
  }

  @Test
  void memory_keepsQuarantinesForTheNextOpen() {
    MemoryRegistryStore store = new MemoryRegistryStore();
    store.open("rm-1");
    StoredQuarantine q = new StoredQuarantine("te-1", List.of(10L), 1, 70_000L, 0);
    store.apply(new Mutation.PutQuarantine(q));
    store.apply(new Mutation.PutQuarantine(new StoredQuarantine("te-2", List.of(1L), 0, 0, 0)));
    store.apply(new Mutation.RemoveQuarantine("te-2"));

    assertThat(store.open("rm-1").quarantines()).containsExactly(q);
  }

  @Test
  void sqliteStoreOfSchemaVersion1_isMigrated_keepingEverythingItHeld() throws Exception {
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + dir.resolve(SqliteTables.DATABASE_FILE));
        Statement s = c.createStatement()) {
      // The schema as version 1 wrote it, with one of everything in it.
      s.execute("CREATE TABLE meta (id INTEGER PRIMARY KEY CHECK (id = 1), schema_version INTEGER NOT NULL,"
          + " resource_manager_id TEXT NOT NULL, epoch INTEGER NOT NULL, last_event_seq INTEGER NOT NULL)");
      s.execute("CREATE TABLE allocations (allocation_id TEXT PRIMARY KEY, job_id TEXT, task_executor_id TEXT,"
          + " slot_index INTEGER NOT NULL, state TEXT NOT NULL, created_at INTEGER NOT NULL, attempts INTEGER NOT NULL,"
          + " last_loss_reason TEXT)");
      s.execute("CREATE TABLE task_executors (resource_id TEXT PRIMARY KEY, instance_id TEXT, address TEXT,"
          + " slots INTEGER NOT NULL, registered_at INTEGER NOT NULL)");
      s.execute("CREATE TABLE events (seq INTEGER PRIMARY KEY, time INTEGER NOT NULL, type TEXT, task_executor_id TEXT,"
          + " allocation_id TEXT, job_id TEXT, reason TEXT, slots_released INTEGER NOT NULL, detail TEXT)");
      s.execute("INSERT INTO meta VALUES (1, 1, 'rm-old', 4, 9)");
      s.execute("INSERT INTO allocations VALUES ('a-1', 'job', 'te-1', 0, 'ALLOCATED', 100, 1, NULL)");
      s.execute("INSERT INTO task_executors VALUES ('te-1', 'i-1', 'host:1', 2, 50)");
      s.execute("INSERT INTO events VALUES (9, 77, 'TASK_EXECUTOR_REGISTERED', 'te-1', NULL, NULL, NULL, 0, 'x')");
    }

    RegistryStore store = sqlite();
    StoredState state = store.open("rm-new");
    StoredQuarantine q = new StoredQuarantine("te-1", List.of(10L, 20L), 0, 0, 0);
    store.apply(new Mutation.PutQuarantine(q)).get(10, TimeUnit.SECONDS);
    store.close();

    assertThat(state.resourceManagerId()).isEqualTo("rm-old");
    assertThat(state.epoch()).isEqualTo(5);
    assertThat(state.lastEventSeq()).isEqualTo(9);
    assertThat(state.allocations()).containsExactly(new StoredAllocation("a-1", "job", "te-1", 0, "ALLOCATED", 100, 1,
        null));
    assertThat(state.taskExecutors()).containsExactly(new StoredTaskExecutor("te-1", "i-1", "host:1", 2, 50));
    assertThat(state.events()).extracting(StoredEvent::seq).containsExactly(9L);
    assertThat(state.quarantines()).isEmpty();
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + dir.resolve(SqliteTables.DATABASE_FILE));
        ResultSet meta = c.createStatement().executeQuery("SELECT schema_version FROM meta")) {
      meta.next();
      assertThat(meta.getInt(1)).isEqualTo(SqliteTables.SCHEMA_VERSION);
    }
    StoredState reopened = sqlite().open("rm-new");
    assertThat(reopened.quarantines()).containsExactly(q);
    assertThat(reopened.epoch()).isEqualTo(6);
  }

  private RegistryStore sqlite() {
    SqliteRegistryStore store = SqliteRegistryStore.lock(dir, StoreConfig.Sync.NORMAL);
    opened.add(store);
    return store;
  }
}
