package dev.pulse.rm;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pulse.heartbeat.time.ManualMainThreadExecutor;
import dev.pulse.rm.store.Mutation;
import dev.pulse.rm.store.RegistryStore;
import dev.pulse.rm.store.StoredState;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/** Actions wait for the writes before them, in order; a store that throws counts as a failed write. */
class AfterPersistTest {

  private final ManualMainThreadExecutor main = new ManualMainThreadExecutor();
  private final List<String> log = new ArrayList<>();

  @Test
  void actionsWait_forEveryEarlierWrite_andRunInOrder() {
    ManualRegistryStore store = new ManualRegistryStore();
    AfterPersist persist = new AfterPersist(store, main);

    persist.then(List.of(new Mutation.RemoveAllocation("a1")), () -> log.add("first"));
    persist.then(List.of(), () -> log.add("second"));

    assertThat(persist.waiting()).isEqualTo(2);
    assertThat(log).isEmpty();
    store.completeAll();
    main.runPending();
    assertThat(log).containsExactly("first", "second");
    assertThat(persist.waiting()).isZero();
  }

  @Test
  void storeThatThrows_failsTheWrite_andTheActionIsNotRun() {
    RegistryStore throwing = new RegistryStore() {
      @Override
      public StoredState open(String proposedResourceManagerId) {
        throw new UnsupportedOperationException();
      }

      @Override
      public CompletableFuture<Void> apply(Mutation mutation) {
        throw new IllegalStateException("test: broken store");
      }

      @Override
      public CompletableFuture<Path> backup(Path file) {
        throw new UnsupportedOperationException();
      }

      @Override
      public void close() {}
    };
    AfterPersist persist = new AfterPersist(throwing, main);

    persist.then(List.of(new Mutation.RemoveAllocation("a1")), () -> log.add("acknowledged"),
        failure -> log.add("failed: " + failure.getMessage()));
    main.runPending();

    assertThat(log).containsExactly("failed: test: broken store");
  }
}
