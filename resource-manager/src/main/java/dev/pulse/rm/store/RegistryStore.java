package dev.pulse.rm.store;

import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;

/**
 * What the resource manager alone knows, kept where a crash of its process cannot lose it (SPEC 9): the
 * epoch counter, its own id, allocations, task executor records and the event sequence with a bounded
 * tail. What the task executors know (liveness, free slots, channels) is rebuilt from them.
 *
 * <h2>Contract</h2>
 * <ul>
 *   <li>{@link #open(String)} reads everything and increments the epoch durably; it blocks and is called once,
 *       before the resource manager serves anything.
 *   <li>{@link #apply(Mutation)} never blocks the caller (the resource manager's main thread): writes are
 *       queued and committed in batches (group commit) on the store's own thread. The returned future
 *       completes once the write, and every write applied before it, is durable; futures complete in the
 *       order of the calls. A caller acknowledges a change to anybody only after its future completed.
 *   <li>A failed write fails its future and every later one (the store is then broken; the process
 *       should stop rather than acknowledge what it cannot keep).
 *   <li>{@link #backup(Path)} writes a consistent copy while the store is in use.
 * </ul>
 *
 * <p>Thread-safe. Implementations: {@link MemoryRegistryStore} (nothing survives the process; the default
 * when embedded) and {@code SqliteRegistryStore} (a directory on disk; the standalone process's default).
 */
public interface RegistryStore extends AutoCloseable {

  /**
   * Loads the stored state and increments the epoch counter durably; returns the state with the new
   * epoch. Called once.
   *
   * @param proposedResourceManagerId the id to keep if the store has none yet (a new store)
   * @throws StoreException if the store cannot be read or written
   */
  StoredState open(String proposedResourceManagerId);

  /** Queues {@code mutation}; completes when it is durable. Never blocks. */
  CompletableFuture<Void> apply(Mutation mutation);

  /**
   * Writes a consistent copy of the store to {@code file} (which must not exist) while it keeps serving;
   * completes when the copy is complete. Starting a resource manager on a directory holding that copy as
   * its store restores it.
   */
  CompletableFuture<Path> backup(Path file);

  /**
   * Confirms that this store still takes the writes of the term it was opened for: asked after a local pause
   * (GC, SIGSTOP, a frozen VM) long enough that the resource manager may have been deposed meanwhile without
   * knowing it (SPEC 12). Completes normally once confirmed, after every write queued before it; exceptionally
   * (a {@link StoreException}) when another term began or this process's claim to leadership is gone, after
   * which every write fails too. Never blocks.
   *
   * <p>The default, for a store only this process writes (memory, SQLite), is confirmed at once.
   */
  default CompletableFuture<Void> confirmLeadership() {
    return CompletableFuture.completedFuture(null);
  }

  /** Commits what is queued, then releases the store (and its directory lock). Idempotent. */
  @Override
  void close();
}
