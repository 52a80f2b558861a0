package dev.pulse.rm;

import dev.pulse.rm.store.MemoryRegistryStore;
import dev.pulse.rm.store.Mutation;
import dev.pulse.rm.store.RegistryStore;
import dev.pulse.rm.store.StoredState;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * A {@link RegistryStore} whose writes become durable only when the test says so ({@link #completeAll()}):
 * for checking that nothing is acknowledged before the store holds it. Writes go through to a
 * {@link MemoryRegistryStore} at once; only their futures wait. Not thread-safe: main-thread tests only.
 */
final class ManualRegistryStore implements RegistryStore {

  private final MemoryRegistryStore inner = new MemoryRegistryStore();
  private final List<Mutation> written = new ArrayList<>();
  private final List<CompletableFuture<Void>> waiting = new ArrayList<>();

  @Override
  public StoredState open(String proposedResourceManagerId) {
    return inner.open(proposedResourceManagerId);
  }

  @Override
  public CompletableFuture<Void> apply(Mutation mutation) {
    inner.apply(mutation);
    written.add(mutation);
    CompletableFuture<Void> durable = new CompletableFuture<>();
    waiting.add(durable);
    return durable;
  }

  /** Makes every write so far durable, oldest first. */
  void completeAll() {
    List<CompletableFuture<Void>> now = new ArrayList<>(waiting);
    waiting.clear();
    now.forEach(f -> f.complete(null));
  }

  /** Fails every pending write, as a broken disk would. */
  void failAll(RuntimeException cause) {
    List<CompletableFuture<Void>> now = new ArrayList<>(waiting);
    waiting.clear();
    now.forEach(f -> f.completeExceptionally(cause));
  }

  /** Writes not yet durable. */
  int pending() {
    return waiting.size();
  }

  /** Every mutation applied, oldest first. */
  List<Mutation> written() {
    return written;
  }

  @Override
  public CompletableFuture<Path> backup(Path file) {
    return inner.backup(file);
  }

  @Override
  public void close() {}
}
