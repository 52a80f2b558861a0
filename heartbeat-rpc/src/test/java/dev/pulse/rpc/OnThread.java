package dev.pulse.rpc;

import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;

/** Runs a task on a main-thread executor and waits for its result: how tests read confined state. */
final class OnThread {

  private OnThread() {}

  static <T> T call(Executor executor, Callable<T> task) {
    CompletableFuture<T> result = new CompletableFuture<>();
    executor.execute(() -> {
      try {
        result.complete(task.call());
      } catch (Throwable t) {
        result.completeExceptionally(t);
      }
    });
    try {
      return result.get(10, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new IllegalStateException("task on " + executor + " failed or did not run within 10 s", e);
    }
  }
}
