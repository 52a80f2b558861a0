package dev.pulse.rm;

import dev.pulse.heartbeat.time.MainThreadExecutor;
import dev.pulse.rm.store.RegistryStore;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Holds the resource manager's verdicts after a local pause until its store confirms that this process still
 * leads (SPEC 12): a verdict is an action that cannot be taken back, such as declaring a task executor lost
 * (its slots released, its allocations lost or moved), dropping an allocation its task executor no longer
 * reports, or failing an allocation that found no slot in time.
 *
 * <h2>Why</h2>
 * A process that did not run for a while (GC, SIGSTOP, a frozen VM) may have been deposed meanwhile: its
 * ZooKeeper session expired and another resource manager leads with a newer epoch. On waking up it does not
 * know that yet, and the silence it sees is its own. The stores fence every write, so a deposed leader cannot
 * change the state; this class makes sure it does not act on the silence either (tell task executors to free
 * their slots, tell jobs their allocations are lost) before {@link RegistryStore#confirmLeadership()} answers.
 *
 * <h2>States</h2>
 * <ul>
 *   <li>{@code LEADING}: verdicts run at once (always so for a store that only this process writes: its
 *       confirmation is complete at once, and nothing is held).
 *   <li>{@code CHECKING}: a pause was detected and the check is out; verdicts wait, in their order. A second
 *       pause during a check starts another check, and only the newest one's success releases them.
 *   <li>{@code DEPOSED}: a check failed; held verdicts are dropped, and so is every later one. Final: the
 *       composition root ends the term (the store is fenced, the election revokes it) and a new term builds a
 *       new core.
 * </ul>
 *
 * <p>A held verdict re-checks its own premise when it runs (e.g. that the task executor is still the
 * registration it judged): that is the caller's part. Thread-safety: confined to the main thread.
 */
final class LeadershipRecheck {

  private static final Logger LOG = LoggerFactory.getLogger(LeadershipRecheck.class);

  enum State { LEADING, CHECKING, DEPOSED }

  private final RegistryStore store;
  private final MainThreadExecutor main;
  private final List<Runnable> held = new ArrayList<>();
  private State state = State.LEADING;
  /** The number of the newest check; an older one's success releases nothing. */
  private long checks;

  LeadershipRecheck(RegistryStore store, MainThreadExecutor main) {
    this.store = store;
    this.main = main;
  }

  /** The main thread did not run for {@code pausedFor}: verdicts wait until leadership is confirmed again. */
  void localPause(Duration pausedFor) {
    if (state == State.DEPOSED) {
      return;
    }
    CompletableFuture<Void> confirmed = store.confirmLeadership();
    if (confirmed.isDone() && !confirmed.isCompletedExceptionally() && state == State.LEADING) {
      return; // a store only this process writes: nobody could have taken over
    }
    long check = ++checks;
    state = State.CHECKING;
    LOG.warn("The resource manager did not run for {} ms: it confirms that it still leads before it declares any"
        + " loss", pausedFor.toMillis());
    confirmed.whenComplete((ok, failure) -> {
      try {
        main.execute(() -> checked(check, failure));
      } catch (RuntimeException e) {
        LOG.debug("The leadership check ended after the main thread stopped", e); // the term is over anyway
      }
    });
  }

  /** Runs {@code verdict} now while leading; else holds it until confirmed, or drops it once deposed. */
  void run(Runnable verdict) {
    switch (state) {
      case LEADING -> verdict.run();
      case CHECKING -> held.add(verdict);
      case DEPOSED -> LOG.debug("Deposed: a verdict is dropped");
    }
  }

  /** Whether verdicts wait or are dropped now (then slot reports are not reconciled either). */
  boolean holds() {
    return state != State.LEADING;
  }

  private void checked(long check, Throwable failure) {
    if (state == State.DEPOSED) {
      return;
    }
    if (failure != null) {
      state = State.DEPOSED;
      LOG.error("After a local pause this resource manager found it no longer leads ({}); it drops {} held"
          + " verdict(s) and acts on nothing more", failure.getMessage(), held.size());
      held.clear();
      return;
    }
    if (check != checks) {
      return; // a later pause started a later check: that one decides
    }
    state = State.LEADING;
    LOG.info("The resource manager still leads after its local pause; {} held verdict(s) run now", held.size());
    List<Runnable> now = new ArrayList<>(held);
    held.clear();
    now.forEach(Runnable::run);
  }
}
