package dev.pulse.rm.store;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Random;
import java.util.concurrent.CompletableFuture;

/**
 * The child JVM of {@link SqliteRegistryStoreCrashTest}: opens the store in {@code args[0]}, prints
 * {@code EPOCH <epoch> <lastEventSeq>}, then applies the {@link RandomMutations} of seed {@code args[1]} in
 * groups of 1 to 8 (up to 32 outstanding, so commits hold several) and prints {@code ACK <n>} once the
 * future of the n-th mutation completed, in order. After {@value #MUTATIONS} it prints {@code DONE} and
 * waits to be killed.
 */
public final class StoreCrashChild {

  static final int MUTATIONS = 3_000;
  private static final int OUTSTANDING = 32;

  private StoreCrashChild() {}

  public static void main(String[] args) throws IOException {
    PrintStream out = System.out;
    long seed = Long.parseLong(args[1]);
    RegistryStore store = SqliteRegistryStore.lock(Path.of(args[0]), StoreConfig.Sync.NORMAL);
    StoredState state = store.open("rm-crash");
    out.println("EPOCH " + state.epoch() + " " + state.lastEventSeq());
    out.flush();
    RandomMutations mutations = new RandomMutations(seed, state.lastEventSeq());
    Random groups = new Random(~seed);
    Deque<CompletableFuture<Void>> pending = new ArrayDeque<>();
    int issued = 0;
    int acked = 0;
    while (acked < MUTATIONS) {
      int group = Math.min(1 + groups.nextInt(8), MUTATIONS - issued);
      for (int i = 0; i < group; i++) {
        pending.addLast(store.apply(mutations.next()));
        issued++;
      }
      while (!pending.isEmpty() && (pending.size() > OUTSTANDING || issued == MUTATIONS)) {
        pending.removeFirst().join();
        out.println("ACK " + ++acked);
      }
      out.flush();
    }
    out.println("DONE");
    out.flush();
    System.in.read(); // killed here at the latest
  }
}
