package dev.pulse.rm;

import dev.pulse.heartbeat.time.MainThreadExecutor;
import dev.pulse.rm.store.Mutation;
import dev.pulse.rm.store.RegistryStore;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Acknowledge after persist (SPEC 9): hands mutations to the {@link RegistryStore} and runs what must wait
 * for them (completing a caller's future, publishing an event, telling a listener) on the main thread once
 * they are durable, in the order the actions were queued. The main thread never waits for the disk.
 *
 * <p>An action queued with no mutation still waits for every action queued before it, so "tell the
 * listener" placed after "persist the loss" never overtakes it. When the store's future is already
 * complete (the in-memory store) and nothing is waiting ahead, the action runs at once, inside
 * {@link #then}: the order callers see is then exactly the order of the calls.
 *
 * <p>A failed write means the store is broken: the actions waiting on it are not run (nothing is
 * acknowledged that could be lost); their failure hooks are called instead.
 *
 * <p>{@link #atomically} groups the writes of several calls into one {@link Mutation.Batch}: a crash keeps
 * all of them or none.
 *
 * <p>The store completes a whole commit's futures at once; they hand the main thread one drain task
 * between them, not one each (each task queued ahead of the heartbeat sender's wake-up delays it).
 *
 * <p>Thread-safety: confined to the main-thread executor; the store's completions hop onto it.
 */
final class AfterPersist {

  private static final Logger LOG = LoggerFactory.getLogger(AfterPersist.class);

  private record Waiting(CompletableFuture<Void> durable, Runnable action, Consumer<Throwable> onFailure) {}

  private final RegistryStore store;
  private final MainThreadExecutor main;
  private final Deque<Waiting> queue = new ArrayDeque<>();
  private final AtomicBoolean drainScheduled = new AtomicBoolean();
  private CompletableFuture<Void> lastWrite = CompletableFuture.completedFuture(null);
  private boolean draining;
  /** The writes of the running {@link #atomically} section, or null outside one. */
  private List<Mutation> batch;

  AfterPersist(RegistryStore store, MainThreadExecutor main) {
    this.store = store;
    this.main = main;
  }

  /** Persists {@code mutations} (in order) and runs {@code action} once they and all earlier writes are durable. */
  void then(List<? extends Mutation> mutations, Runnable action) {
    then(mutations, action, failure -> LOG.error("The registry store failed; a change was not acknowledged", failure));
  }

  /** As {@link #then(List, Runnable)}, with {@code onFailure} called (on the main thread) if a write fails. */
  void then(List<? extends Mutation> mutations, Runnable action, Consumer<Throwable> onFailure) {
    for (Mutation m : mutations) {
      write(m);
    }
    CompletableFuture<Void> durable = lastWrite;
    queue.addLast(new Waiting(durable, action, onFailure));
    if (!durable.isDone()) {
      durable.whenComplete((ignored, failure) -> scheduleDrain());
    }
    drain();
  }

  /** Persists {@code mutation}; nothing waits for it but later actions. */
  void write(Mutation mutation) {
    if (batch != null) {
      batch.add(mutation);
    } else {
      lastWrite = applyQuietly(mutation);
    }
  }

  /**
   * Runs {@code section}, whose writes ({@link #then}, {@link #write}) go to the store as one atomic batch
   * when it returns; the actions it queued run once that batch is durable. A section run inside another
   * joins the outer one's batch.
   */
  void atomically(Runnable section) {
    if (batch != null) {
      section.run();
      return;
    }
    CompletableFuture<Void> before = lastWrite;
    CompletableFuture<Void> durable = new CompletableFuture<>();
    List<Mutation> writes = new ArrayList<>();
    batch = writes;
    lastWrite = durable;
    try {
      section.run();
    } finally {
      batch = null;
      CompletableFuture<Void> written = writes.isEmpty() ? before
          : before.thenCombine(applyQuietly(writes.size() == 1 ? writes.get(0) : new Mutation.Batch(writes)),
              (a, b) -> null);
      written.whenComplete((v, failure) -> {
        if (failure == null) {
          durable.complete(null);
        } else {
          durable.completeExceptionally(failure instanceof CompletionException
              && failure.getCause() != null ? failure.getCause() : failure);
        }
      });
      drain();
    }
  }

  /** Actions still waiting for the store. */
  int waiting() {
    return queue.size();
  }

  private CompletableFuture<Void> applyQuietly(Mutation m) {
    try {
      return store.apply(m);
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  /** From any thread: one drain task on the main thread, unless one is queued and has not started yet. */
  private void scheduleDrain() {
    if (drainScheduled.compareAndSet(false, true)) {
      main.execute(() -> {
        drainScheduled.set(false); // completions from here on queue another drain
        drain();
      });
    }
  }

  private void drain() {
    if (draining) {
      return; // the outer loop picks up what a running action queued
    }
    draining = true;
    try {
      while (!queue.isEmpty() && queue.peekFirst().durable().isDone()) {
        Waiting w = queue.pollFirst();
        Throwable failure = w.durable().handle((v, t) -> t).join();
        try {
          if (failure == null) {
            w.action().run();
          } else {
            w.onFailure().accept(failure);
          }
        } catch (RuntimeException e) {
          LOG.warn("An action after a registry store write failed", e);
        }
      }
    } finally {
      draining = false;
    }
  }
}
