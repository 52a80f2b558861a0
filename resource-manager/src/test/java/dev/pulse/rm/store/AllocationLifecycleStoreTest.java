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
 * Restart policies, moving and failed allocations in both stores (SPEC 10), and the migration of a SQLite store
 * written by schema version 2, whose allocations had no columns for them.
 */
class AllocationLifecycleStoreTest {

  private static final StoredAllocation MOVING = new StoredAllocation("a-1", "job", "te-1", -1, "MOVING", 100, 2,
      "UNREACHABLE", 3, 1_000, 30_000, 5_000, null);
  private static final StoredAllocation FAILED = new StoredAllocation("a-2", "job", "te-2", -1, "FAILED", 100, 3,
      "RESTARTED", 3, 1_000, 30_000, 7_000, "ATTEMPTS_EXHAUSTED");
  private static final StoredAllocation PLACED = new StoredAllocation("a-3", "job", "te-3", 1, "ALLOCATED", 100, 1,
      null, 2, 0, 10, 0, null);

  @TempDir
  Path dir;

  private final List<RegistryStore> opened = new ArrayList<>();

  @AfterEach
  void closeStores() {
    opened.forEach(RegistryStore::close);
  }

  @Test
  void sqlite_keepsPoliciesMovesAndFailuresAcrossAReopen() throws Exception {
    RegistryStore store = sqlite();
    store.open("rm-1");
    store.apply(new Mutation.PutAllocation(MOVING));
    store.apply(new Mutation.PutAllocation(FAILED));
    store.apply(new Mutation.PutAllocation(PLACED)).get(10, TimeUnit.SECONDS);
    store.close();

    assertThat(sqlite().open("rm-1").allocations()).containsExactly(MOVING, FAILED, PLACED);
  }

  @Test
  void memory_keepsPoliciesMovesAndFailuresForTheNextOpen() {
    MemoryRegistryStore store = new MemoryRegistryStore();
    store.open("rm-1");
    store.apply(new Mutation.PutAllocation(MOVING));
    store.apply(new Mutation.PutAllocation(FAILED));

    assertThat(store.open("rm-1").allocations()).containsExactly(MOVING, FAILED);
  }

  @Test
  void sqliteStoreOfSchemaVersion2_isMigrated_itsAllocationsWithoutAPolicy() throws Exception {
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + dir.resolve(SqliteTables.DATABASE_FILE));
        Statement s = c.createStatement()) {
      // The tables as version 2 wrote them (events left out: unchanged), with an allocation in them.
      s.execute("CREATE TABLE meta (id INTEGER PRIMARY KEY CHECK (id = 1), schema_version INTEGER NOT NULL,"
          + " resource_manager_id TEXT NOT NULL, epoch INTEGER NOT NULL, last_event_seq INTEGER NOT NULL)");
      s.execute("CREATE TABLE allocations (allocation_id TEXT PRIMARY KEY, job_id TEXT, task_executor_id TEXT,"
          + " slot_index INTEGER NOT NULL, state TEXT NOT NULL, created_at INTEGER NOT NULL, attempts INTEGER NOT NULL,"
          + " last_loss_reason TEXT)");
      s.execute("CREATE TABLE quarantines (resource_id TEXT PRIMARY KEY, losses TEXT NOT NULL,"
          + " quarantines INTEGER NOT NULL, quarantined_until INTEGER NOT NULL, released_at INTEGER NOT NULL)");
      s.execute("INSERT INTO meta VALUES (1, 2, 'rm-old', 4, 0)");
      s.execute("INSERT INTO allocations VALUES ('a-0', 'job', 'te-1', 0, 'ALLOCATED', 100, 1, NULL)");
    }

    RegistryStore store = sqlite();
    StoredState state = store.open("rm-new");
    store.apply(new Mutation.PutAllocation(MOVING)).get(10, TimeUnit.SECONDS);
    store.close();

    assertThat(state.epoch()).isEqualTo(5);
    assertThat(state.allocations()).containsExactly(new StoredAllocation("a-0", "job", "te-1", 0, "ALLOCATED", 100, 1,
        null, 0, 0, 0, 0, null));
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + dir.resolve(SqliteTables.DATABASE_FILE));
        ResultSet meta = c.createStatement().executeQuery("SELECT schema_version FROM meta")) {
      meta.next();
      assertThat(meta.getInt(1)).isEqualTo(3);
    }
    StoredState reopened = sqlite().open("rm-new");
    assertThat(reopened.allocations()).extracting(StoredAllocation::allocationId).containsExactly("a-0", "a-1");
    assertThat(reopened.allocations().get(1)).isEqualTo(MOVING);
    assertThat(reopened.epoch()).isEqualTo(6);
  }

  private RegistryStore sqlite() {
    SqliteRegistryStore store = SqliteRegistryStore.lock(dir, StoreConfig.Sync.NORMAL);
    opened.add(store);
    return store;
  }
}
