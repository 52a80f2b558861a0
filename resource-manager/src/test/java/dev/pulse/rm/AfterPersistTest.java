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

class AfterPersistTest {

  private final ManualMainThreadExecutor main = new ManualMainThreadExecutor();
  private final ManualRegistryStore store = new ManualRegistryStore();
  private final AfterPersist persist = new AfterPersist(store, main);
  private final List<String> ran = new ArrayList<>();

  @Test
  void actionsWaitForTheirWritesAndRunInCallOrder() {
    persist.then(List.of(remove("a1")), () -> ran.add("a1"));
    persist.then(List.of(), () -> ran.add("after a1, no write of its own"));
    persist.then(List.of(remove("a2"), remove("a3")), () -> ran.add("a2+a3"));
    main.runPending();
    assertThat(ran).isEmpty();
    assertThat(persist.waiting()).isEqualTo(3);

    store.completeAll();
    main.runPending();

    assertThat(ran).containsExactly("a1", "after a1, no write of its own", "a2+a3");
    assertThat(persist.waiting()).isZero();
  }

  @Test
  void anActionWithNothingAheadRunsInsideTheCall() {
    persist.then(List.of(), () -> ran.add("now"));

    assertThat(ran).containsExactly("now");
  }

  @Test
  void oneCommitOfManyWritesHandsTheMainThreadOneTask() {
    for (int i = 0; i < 100; i++) {
      String id = "a" + i;
      persist.then(List.of(remove(id)), () -> ran.add(id));
    }
    long before = main.tasksRun();

    store.completeAll(); // one group commit completes all 100 futures
    main.runPending();

    assertThat(ran).hasSize(100);
    assertThat(main.tasksRun() - before).isEqualTo(1);
  }

  @Test
  void aCompletionAfterTheDrainStartedQueuesAnotherDrain() {
    persist.then(List.of(remove("a1")), () -> {
      ran.add("a1");
      persist.then(List.of(remove("a2")), () -> ran.add("a2"));
    });
    store.completeAll();
    main.runPending();
    assertThat(ran).containsExactly("a1");

    store.completeAll(); // completes a2's write after the first drain task ran
    main.runPending();

    assertThat(ran).containsExactly("a1", "a2");
  }

  @Test
  void aFailedWriteRunsTheFailureHooksAndNoAction() {
    List<Throwable> failures = new ArrayList<>();
    persist.then(List.of(remove("a1")), () -> ran.add("a1"), failures::add);
    persist.then(List.of(), () -> ran.add("after"), failures::add);

    store.failAll(new IllegalStateException("disk gone"));
    main.runPending();

    assertThat(ran).isEmpty();
    assertThat(failures).hasSize(2).allSatisfy(f -> assertThat(f).hasMessage("disk gone"));
  }

  @Test
  void aFailedAtomicBatch_givesTheFailureHooksTheStoresOwnException() {
    List<Throwable> failures = new ArrayList<>();
    persist.atomically(() -> {
      persist.write(remove("a1"));
      persist.atomically(() -> persist.then(List.of(remove("a2")), () -> ran.add("a1+a2"), failures::add));
    });
    IllegalStateException diskGone = new IllegalStateException("disk gone");

    store.failAll(diskGone);
    main.runPending();

    assertThat(store.written()).singleElement().isInstanceOf(Mutation.Batch.class); // the inner section joined
    assertThat(ran).isEmpty();
    assertThat(failures).containsExactly(diskGone); // not wrapped in a CompletionException
  }

  private static Mutation remove(String allocationId) {
    return new Mutation.RemoveAllocation(allocationId);
  }

  @Test
  void aStoreThatThrows_failsTheWrite_andTheActionIsNotRun() {
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
    AfterPersist broken = new AfterPersist(throwing, main);

    broken.then(List.of(new Mutation.RemoveAllocation("a1")), () -> ran.add("acknowledged"),
        failure -> ran.add("failed: " + failure.getMessage()));
    main.runPending();

    assertThat(ran).containsExactly("failed: test: broken store");
  }
}
