package dev.pulse.rm;

import java.util.Optional;

/**
 * Whether the resource manager may take a task executor it does not know yet. A known one may always
 * register again: it needs nothing new (no connection, no descriptor).
 *
 * <p>The resource manager asks on its main thread, for each registration of an unknown resource id:
 * first {@link #refusal()}, and if that is empty, {@link #admitted()}. Implementations must be
 * thread-safe and must not block. {@link #ALWAYS} admits every one; the server admits by the process's
 * open files.
 */
public interface TaskExecutorAdmission {

  /** Admits every task executor. */
  TaskExecutorAdmission ALWAYS = new TaskExecutorAdmission() {
    @Override
    public Optional<String> refusal() {
      return Optional.empty();
    }

    @Override
    public void admitted() {}
  };

  /**
   * Empty to admit a new task executor; otherwise why not, in a sentence the caller can act on (the
   * registration fails with an {@link OverloadedException} carrying it).
   */
  Optional<String> refusal();

  /** A new task executor was admitted and is about to be connected to. */
  void admitted();
}
