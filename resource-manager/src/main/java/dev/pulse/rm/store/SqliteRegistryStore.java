package dev.pulse.rm.store;

import com.google.common.util.concurrent.Uninterruptibles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link RegistryStore} in one SQLite file ({@value SqliteTables#DATABASE_FILE}) inside a store directory
 * that it locks for as long as it is open (SPEC 9).
 *
 * <h2>Group commit</h2>
 * {@link #apply} only queues. The store's own thread takes everything queued, applies it in one
 * transaction, commits, and then completes the futures in the order of the calls. A backup runs on the
 * same thread between two batches, so it sees a committed state. With {@link StoreConfig.Sync#NORMAL} a
 * commit survives a crash of the process (WAL, no fsync per commit); with {@link StoreConfig.Sync#FULL}
 * also a power loss.
 *
 * <p>A commit that fails breaks the store: that batch and every later write fail with a
 * {@link StoreException} (logged once, as an ERROR); the process should stop rather than acknowledge what
 * it cannot keep.
 *
 * <p>Futures complete on the store thread: a dependent that does more than hand the result to its own
 * executor delays every later commit.
 *
 * <pre>{@code
 * try (RegistryStore store = SqliteRegistryStore.lock(dir, StoreConfig.Sync.NORMAL)) {
 *   StoredState state = store.open(proposedId);       // blocks; takes the next epoch
 *   store.apply(new Mutation.RemoveAllocation(id))     // never blocks
 *       .thenRunAsync(this::acknowledge, mainThread);
 * }
 * }</pre>
 *
 * <p>Thread-safe.
 */
public final class SqliteRegistryStore implements RegistryStore {

  private static final Logger LOG = LoggerFactory.getLogger(SqliteRegistryStore.class);

  private final StoreDirectory directory;
  private final StoreConfig.Sync sync;
  private final BlockingQueue<Request> queue = new LinkedBlockingQueue<>();
  private final Object lifecycle = new Object();
  private SqliteTables tables; // opened by open(), then confined to the store thread
  private Thread thread; // guarded by lifecycle
  private boolean closed; // guarded by lifecycle
  private volatile StoreException broken;

  private SqliteRegistryStore(StoreDirectory directory, StoreConfig.Sync sync) {
    this.directory = directory;
    this.sync = sync;
  }

  /**
   * Creates {@code dir} if missing and locks it; {@link #open} then reads the store. {@link #close} releases
   * the lock, also when {@link #open} failed.
   *
   * @throws StoreException if the directory cannot be created or another resource manager uses it
   */
  public static SqliteRegistryStore lock(Path dir, StoreConfig.Sync sync) {
    return new SqliteRegistryStore(StoreDirectory.lock(Objects.requireNonNull(dir, "dir")),
        Objects.requireNonNull(sync, "sync"));
  }

  /** The store directory (absolute). */
  public Path directory() {
    return directory.path();
  }

  @Override
  public StoredState open(String proposedResourceManagerId) {
    synchronized (lifecycle) {
      if (closed || thread != null) {
        throw new IllegalStateException("the store " + directory.path() + " is " + (closed ? "closed" : "open"));
      }
      Path file = directory.resolve(SqliteTables.DATABASE_FILE);
      StoredState state;
      try {
        tables = SqliteTables.open(file, sync, MemoryRegistryStore.EVENT_TAIL);
        state = tables.load(proposedResourceManagerId);
      } catch (SQLException e) {
        closeTables();
        throw new StoreException("cannot open the store " + file + ": " + e.getMessage(), e);
      } catch (RuntimeException e) {
        closeTables();
        throw e;
      }
      thread = new Thread(this::run, "pulse-store");
      thread.setDaemon(true);
      thread.start();
      LOG.info("Opened the store {} (epoch {}, {} allocations, {} task executors, last event {}, sync {})", file,
          state.epoch(), state.allocations().size(), state.taskExecutors().size(), state.lastEventSeq(), sync);
      return state;
    }
  }

  @Override
  public CompletableFuture<Void> apply(Mutation mutation) {
    Objects.requireNonNull(mutation, "mutation");
    CompletableFuture<Void> done = new CompletableFuture<>();
    enqueue(new Request(mutation, null, done));
    return done;
  }

  @Override
  public CompletableFuture<Path> backup(Path file) {
    CompletableFuture<Path> done = new CompletableFuture<>();
    Path target = file.toAbsolutePath().normalize();
    if (Files.exists(target)) {
      done.completeExceptionally(new StoreException("the backup file " + target + " exists already"));
      return done;
    }
    enqueue(new Request(null, target, done));
    return done;
  }

  @Override
  public void close() {
    Thread storeThread;
    synchronized (lifecycle) {
      if (closed) {
        return;
      }
      closed = true;
      storeThread = thread;
      queue.add(Request.STOP);
    }
    if (storeThread != null) {
      Uninterruptibles.joinUninterruptibly(storeThread); // commits what is queued; keeps an interrupt
    }
    closeTables();
    directory.close();
  }

  private void enqueue(Request request) {
    synchronized (lifecycle) {
      if (thread == null || closed) {
        request.fail(new StoreException("the store " + directory.path() + " is " + (closed ? "closed" : "not open")));
        return;
      }
      if (broken != null) {
        request.fail(broken);
        return;
      }
      queue.add(request);
    }
  }

  /** The store thread: one batch per turn, until STOP. */
  private void run() {
    List<Request> batch = new ArrayList<>();
    boolean stopping = false;
    while (!stopping) {
      try {
        batch.add(queue.take());
      } catch (InterruptedException e) {
        continue; // only close() ends this thread, after committing what is queued
      }
      queue.drainTo(batch);
      int start = 0;
      for (int i = 0; i < batch.size(); i++) {
        Request request = batch.get(i);
        if (request.mutation() == null) {
          commit(batch.subList(start, i));
          start = i + 1;
          if (request == Request.STOP) {
            stopping = true;
          } else {
            backup(request);
          }
        }
      }
      commit(batch.subList(start, batch.size()));
      batch.clear();
    }
  }

  private void commit(List<Request> writes) {
    if (writes.isEmpty()) {
      return;
    }
    if (broken == null) {
      try {
        for (Request write : writes) {
          tables.apply(write.mutation());
        }
        tables.commit();
      } catch (SQLException | RuntimeException e) {
        tables.rollback();
        broken = new StoreException("the store " + directory.path() + " failed to commit a batch of "
            + writes.size() + " writes and accepts no more: " + e.getMessage(), e);
        LOG.error("The store {} is broken: a commit failed; this and every later write fail", directory.path(), e);
      }
    }
    for (Request write : writes) {
      if (broken == null) {
        write.done().complete(null);
      } else {
        write.fail(broken);
      }
    }
  }

  @SuppressWarnings("unchecked")
  private void backup(Request request) {
    CompletableFuture<Path> done = (CompletableFuture<Path>) request.done();
    try {
      tables.backup(request.backupFile());
      LOG.info("Backed up the store {} to {}", directory.path(), request.backupFile());
      done.complete(request.backupFile());
    } catch (SQLException | IOException | RuntimeException e) {
      done.completeExceptionally(new StoreException("the backup of the store " + directory.path() + " to "
          + request.backupFile() + " failed: " + e.getMessage(), e));
    }
  }

  private void closeTables() {
    if (tables != null) {
      try {
        tables.close();
      } catch (SQLException e) {
        LOG.warn("Closing the store {} failed", directory.path(), e);
      }
      tables = null;
    }
  }

  /** A write ({@code mutation}), a backup ({@code backupFile}) or {@link #STOP}. */
  private record Request(Mutation mutation, Path backupFile, CompletableFuture<?> done) {
    static final Request STOP = new Request(null, null, new CompletableFuture<Void>());

    void fail(StoreException e) {
      done.completeExceptionally(e);
    }
  }
}
