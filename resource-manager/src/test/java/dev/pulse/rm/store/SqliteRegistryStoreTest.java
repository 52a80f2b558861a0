package dev.pulse.rm.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The SQLite store on one JVM: what it keeps across a close and reopen, its futures, lock, backup, failures. */
class SqliteRegistryStoreTest {

  private static final long SEED = 11L;

  @TempDir
  Path dir;

  private final List<RegistryStore> opened = new ArrayList<>();

  @AfterEach
  void closeStores() {
    opened.forEach(RegistryStore::close);
  }

  @ParameterizedTest
  @EnumSource(StoreConfig.Sync.class)
  void reopen_returnsWhatEveryMutationKindWrote(StoreConfig.Sync sync) {
    StoredAllocation kept = allocation("a-1", "ALLOCATED", null);
    StoredAllocation replaced = allocation("a-2", "PENDING", null);
    StoredAllocation replacement = allocation("a-2", "ALLOCATED", "RESTARTED");
    StoredTaskExecutor te = new StoredTaskExecutor("te-1", "i-1", "host-1:6122", 4, 1234L);
    StoredEvent event = new StoredEvent(7, 99L, "ALLOCATION_LOST", "te-1", "a-2", "job", "RESTARTED", 1, "it's");
    RegistryStore store = open(sync);
    join(store.apply(new Mutation.PutAllocation(kept)));
    store.apply(new Mutation.PutAllocation(replaced));
    store.apply(new Mutation.PutAllocation(replacement));
    store.apply(new Mutation.PutAllocation(allocation("a-3", "PENDING", null)));
    store.apply(new Mutation.RemoveAllocation("a-3"));
    store.apply(new Mutation.PutTaskExecutor(te));
    store.apply(new Mutation.PutTaskExecutor(new StoredTaskExecutor("te-2", "i-2", "host-2:6122", 1, 5L)));
    store.apply(new Mutation.RemoveTaskExecutor("te-2"));
    join(store.apply(new Mutation.AppendEvent(event)));
    store.close();

    StoredState state = locked(sync).open("other-id");

    assertThat(state.resourceManagerId()).isEqualTo("rm-1");
    assertThat(state.allocations()).containsExactlyInAnyOrder(kept, replacement);
    assertThat(state.taskExecutors()).containsExactly(te);
    assertThat(state.events()).containsExactly(event);
    assertThat(state.lastEventSeq()).isEqualTo(7);
  }

  @Test
  void apply_twice_leavesWhatApplyingOnceLeaves() {
    RandomMutations random = new RandomMutations(SEED, 0);
    StoreContents model = StoreContents.empty();
    RegistryStore store = open(StoreConfig.Sync.NORMAL);
    CompletableFuture<Void> last = null;
    for (int i = 0; i < 300; i++) {
      Mutation mutation = random.next();
      model = model.apply(mutation, MemoryRegistryStore.EVENT_TAIL);
      store.apply(mutation);
      last = store.apply(mutation);
    }
    join(last);
    store.close();

    assertThat(StoreContents.of(locked(StoreConfig.Sync.NORMAL).open("rm-1"))).isEqualTo(model);
  }

  @Test
  void appendEvent_keepsTheNewestTail_andTheHighestSequenceNumber() {
    int appended = MemoryRegistryStore.EVENT_TAIL + 57;
    RegistryStore store = open(StoreConfig.Sync.NORMAL);
    CompletableFuture<Void> last = null;
    for (int seq = 1; seq <= appended; seq++) {
      last = store.apply(new Mutation.AppendEvent(event(seq)));
    }
    join(last);
    join(store.apply(new Mutation.AppendEvent(event(3)))); // a replay of an old one: ignored
    store.close();

    StoredState state = locked(StoreConfig.Sync.NORMAL).open("rm-1");

    assertThat(state.events()).hasSize(MemoryRegistryStore.EVENT_TAIL);
    assertThat(state.events().get(0).seq()).isEqualTo(58);
    assertThat(state.events().get(state.events().size() - 1).seq()).isEqualTo(appended);
    assertThat(state.lastEventSeq()).isEqualTo(appended);
  }

  @Test
  void open_takesAStrictlyGreaterEpochEachTime_andKeepsTheFirstId() {
    long previous = 0;
    for (int i = 0; i < 4; i++) {
      RegistryStore store = locked(StoreConfig.Sync.NORMAL);
      StoredState state = store.open("rm-" + i);
      assertThat(state.epoch()).isGreaterThan(previous);
      assertThat(state.resourceManagerId()).isEqualTo("rm-0");
      previous = state.epoch();
      store.close();
    }
  }

  @Test
  void apply_completesFuturesInTheOrderOfTheCalls() {
    RandomMutations random = new RandomMutations(SEED, 0);
    RegistryStore store = open(StoreConfig.Sync.NORMAL);
    List<Integer> completed = new ArrayList<>();
    List<CompletableFuture<Void>> futures = new ArrayList<>();
    for (int i = 0; i < 2_000; i++) {
      int call = i;
      futures.add(store.apply(random.next()).thenRun(() -> {
        synchronized (completed) {
          completed.add(call);
        }
      }));
    }
    CompletableFuture.allOf(futures.toArray(CompletableFuture[]::new)).join();

    synchronized (completed) {
      assertThat(completed).hasSize(2_000).isSorted();
    }
  }

  @Test
  void lock_byASecondOpener_isRefusedNamingTheDirectory_untilTheFirstCloses() {
    RegistryStore first = locked(StoreConfig.Sync.NORMAL);

    assertThatThrownBy(() -> SqliteRegistryStore.lock(dir, StoreConfig.Sync.NORMAL))
        .isInstanceOf(StoreException.class)
        .hasMessageContaining("store directory " + dir.toAbsolutePath())
        .hasMessageContaining("in use by another resource manager")
        .hasMessageContaining("pid " + ProcessHandle.current().pid());

    first.close();
    locked(StoreConfig.Sync.NORMAL).open("rm-1");
  }

  @Test
  void lock_whereNoDirectoryCanBeCreated_failsNamingIt() throws Exception {
    Path file = Files.writeString(dir.resolve("a-file"), "x");

    assertThatThrownBy(() -> SqliteRegistryStore.lock(file.resolve("store"), StoreConfig.Sync.NORMAL))
        .isInstanceOf(StoreException.class)
        .hasMessageContaining("cannot create the store directory " + file.resolve("store"));
  }

  @Test
  void backup_isTheCommittedState_andOpeningTheCopyRestoresIt() throws Exception {
    RandomMutations random = new RandomMutations(SEED, 0);
    StoreContents model = StoreContents.empty();
    RegistryStore store = locked(StoreConfig.Sync.NORMAL);
    long epoch = store.open("rm-1").epoch();
    for (int i = 0; i < 500; i++) {
      Mutation mutation = random.next();
      model = model.apply(mutation, MemoryRegistryStore.EVENT_TAIL);
      store.apply(mutation);
    }
    Path copy = dir.resolve("backup.db");
    CompletableFuture<Path> backup = store.backup(copy);
    CompletableFuture<Void> after = null;
    for (int i = 0; i < 100; i++) {
      after = store.apply(random.next()); // queued after the backup: not in it
    }
    assertThat(backup.get(30, TimeUnit.SECONDS)).isEqualTo(copy.toAbsolutePath());
    join(after);
    assertThatThrownBy(() -> join(store.backup(copy))).hasRootCauseInstanceOf(StoreException.class)
        .hasMessageContaining("exists already");
    store.close();

    Path restored = dir.resolve("restored");
    Files.createDirectories(restored);
    Files.copy(copy, restored.resolve(SqliteTables.DATABASE_FILE), StandardCopyOption.COPY_ATTRIBUTES);
    RegistryStore restoredStore = SqliteRegistryStore.lock(restored, StoreConfig.Sync.NORMAL);
    opened.add(restoredStore);
    StoredState state = restoredStore.open("other");

    assertThat(StoreContents.of(state)).isEqualTo(model);
    assertThat(state.resourceManagerId()).isEqualTo("rm-1");
    assertThat(state.epoch()).isEqualTo(epoch + 1);
  }

  @Test
  void aFailedCommit_failsItsBatchAndEveryLaterWrite_andKeepsWhatWasCommitted() {
    RegistryStore store = open(StoreConfig.Sync.NORMAL);
    StoredAllocation committed = allocation("a-1", "ALLOCATED", null);
    join(store.apply(new Mutation.PutAllocation(committed)));

    CompletableFuture<Void> bad = store.apply(new Mutation.PutAllocation(allocation("a-2", null, null)));
    assertThatThrownBy(() -> join(bad)).hasRootCauseInstanceOf(SQLException.class)
        .hasMessageContaining("accepts no more");
    CompletableFuture<Void> later = store.apply(new Mutation.PutAllocation(allocation("a-3", "PENDING", null)));
    assertThatThrownBy(() -> join(later)).hasMessageContaining("accepts no more");
    store.close();

    assertThat(locked(StoreConfig.Sync.NORMAL).open("rm-1").allocations()).containsExactly(committed);
  }

  @Test
  void aBatch_isStoredWhole_orNotAtAll() {
    RegistryStore store = open(StoreConfig.Sync.NORMAL);
    StoredAllocation kept = allocation("a-1", "ALLOCATED", null);
    StoredEvent lost = new StoredEvent(1, 99L, "ALLOCATION_LOST", "te-1", "a-1", "job", "UNREACHABLE", 0, "lost");
    join(store.apply(new Mutation.PutAllocation(kept)));
    join(store.apply(new Mutation.Batch(List.of(new Mutation.AppendEvent(lost), new Mutation.RemoveAllocation("a-1"),
        new Mutation.PutAllocation(allocation("a-2", "ALLOCATED", null))))));

    // Its last write fails (a null state): nothing of the batch may remain, not even its first write.
    CompletableFuture<Void> torn = store.apply(new Mutation.Batch(List.of(
        new Mutation.RemoveAllocation("a-2"), new Mutation.PutAllocation(allocation("a-3", null, null)))));
    assertThatThrownBy(() -> join(torn)).hasRootCauseInstanceOf(SQLException.class);
    store.close();

    StoredState state = locked(StoreConfig.Sync.NORMAL).open("rm-1");
    assertThat(state.allocations()).extracting(StoredAllocation::allocationId).containsExactly("a-2");
    assertThat(state.events()).containsExactly(lost);
  }

  @Test
  void aBatch_mayNotHoldABatch() {
    Mutation.Batch inner = new Mutation.Batch(List.of(new Mutation.RemoveAllocation("a-1")));

    assertThatThrownBy(() -> new Mutation.Batch(List.of(inner))).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void apply_beforeOpenOrAfterClose_fails() {
    SqliteRegistryStore store = SqliteRegistryStore.lock(dir, StoreConfig.Sync.NORMAL);
    opened.add(store);
    assertThatThrownBy(() -> join(store.apply(new Mutation.RemoveAllocation("a")))).hasMessageContaining("not open");
    store.open("rm-1");
    store.close();
    assertThatThrownBy(() -> join(store.apply(new Mutation.RemoveAllocation("a")))).hasMessageContaining("closed");
  }

  @Test
  void theDatabase_isInWalMode_withTheSchemaVersion() throws Exception {
    open(StoreConfig.Sync.NORMAL).close();

    try (Connection connection = DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("registry.db"));
        ResultSet journal = connection.createStatement().executeQuery("PRAGMA journal_mode")) {
      journal.next();
      assertThat(journal.getString(1)).isEqualToIgnoringCase("wal");
      ResultSet meta = connection.createStatement().executeQuery("SELECT schema_version, epoch FROM meta");
      meta.next();
      assertThat(meta.getInt(1)).isEqualTo(SqliteTables.SCHEMA_VERSION);
      assertThat(meta.getLong(2)).isEqualTo(1);
    }
  }

  @Test
  void storeConfig_sqlite_opensTheSqliteStore() {
    RegistryStore store = new StoreConfig(StoreConfig.Type.SQLITE, dir, StoreConfig.Sync.FULL).open();
    opened.add(store);

    assertThat(store).isInstanceOf(SqliteRegistryStore.class);
    assertThat(store.open("rm-1").epoch()).isEqualTo(1);
  }

  /** A store on {@link #dir}, locked, not open yet; closed after the test. */
  private RegistryStore locked(StoreConfig.Sync sync) {
    SqliteRegistryStore store = SqliteRegistryStore.lock(dir, sync);
    opened.add(store);
    return store;
  }

  private RegistryStore open(StoreConfig.Sync sync) {
    RegistryStore store = locked(sync);
    store.open("rm-1");
    return store;
  }

  private static <T> T join(CompletableFuture<T> future) {
    try {
      return future.get(30, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new CompletionException(e);
    }
  }

  private static StoredAllocation allocation(String id, String state, String lossReason) {
    return new StoredAllocation(id, "job-1", "te-1", 0, state, 1000L, 1, lossReason);
  }

  private static StoredEvent event(long seq) {
    return new StoredEvent(seq, seq * 10, "ALLOCATED", "te-1", "a-" + seq, "job-1", null, 0, null);
  }
}
