package dev.pulse.rm.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The in-memory store: what open hands back after the mutations, the event tail's bound, no backup. */
class MemoryRegistryStoreTest {

  private static StoredEvent event(long seq) {
    return new StoredEvent(seq, 1, "TASK_EXECUTOR_REGISTERED", "te-" + seq, null, null, null, 0, null);
  }

  @Test
  void open_keepsTheFirstId_andTakesANewEpochEachTime() {
    MemoryRegistryStore store = new MemoryRegistryStore();

    assertThat(store.open("rm-a").epoch()).isEqualTo(1);
    StoredState second = store.open("rm-b");

    assertThat(second.resourceManagerId()).isEqualTo("rm-a");
    assertThat(second.epoch()).isEqualTo(2);
  }

  @Test
  void mutations_putAndRemove() {
    MemoryRegistryStore store = new MemoryRegistryStore();
    StoredAllocation a = new StoredAllocation("a1", "job-1", "te-1", 0, "ALLOCATED", 5, 1, null);
    StoredTaskExecutor te = new StoredTaskExecutor("te-1", "i-1", "h:1", 2, 5);
    store.apply(new Mutation.PutAllocation(a));
    store.apply(new Mutation.PutAllocation(new StoredAllocation("a2", "job-1", "te-1", 1, "PENDING", 5, 1, null)));
    store.apply(new Mutation.PutTaskExecutor(te));
    store.apply(new Mutation.PutTaskExecutor(new StoredTaskExecutor("te-2", "i-1", "h:2", 1, 5)));
    store.apply(new Mutation.RemoveAllocation("a2"));
    store.apply(new Mutation.RemoveTaskExecutor("te-2"));

    StoredState state = store.open("rm");

    assertThat(state.allocations()).containsExactly(a);
    assertThat(state.taskExecutors()).containsExactly(te);
  }

  @Test
  void batch_mayNotHoldABatch() {
    Mutation inner = new Mutation.Batch(List.of(new Mutation.RemoveAllocation("a1")));

    assertThatThrownBy(() -> new Mutation.Batch(List.of(new Mutation.RemoveAllocation("a2"), inner)))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("a batch may not contain a batch");
  }

  @Test
  void events_onlyNewerSequenceNumbers_andOnlyTheNewestTail() {
    MemoryRegistryStore store = new MemoryRegistryStore();
    int total = MemoryRegistryStore.EVENT_TAIL + 2;
    for (long seq = 1; seq <= total; seq++) {
      store.apply(new Mutation.AppendEvent(event(seq)));
    }
    store.apply(new Mutation.AppendEvent(event(total))); // a repeat is ignored
    store.apply(new Mutation.AppendEvent(event(5))); // so is an older one

    StoredState state = store.open("rm");

    assertThat(state.lastEventSeq()).isEqualTo(total);
    assertThat(state.events()).hasSize(MemoryRegistryStore.EVENT_TAIL);
    assertThat(state.events().get(0).seq()).isEqualTo(3);
    assertThat(state.events().get(state.events().size() - 1).seq()).isEqualTo(total);
  }

  @Test
  void backup_isRefused() {
    assertThat(new MemoryRegistryStore().backup(Path.of("copy.db"))).isCompletedExceptionally();
  }
}
