package dev.pulse.rm;

import dev.pulse.rm.store.Mutation;
import dev.pulse.rm.store.StoredQuarantine;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Flapping quarantine (SPEC 11; Flink's blocklist, Spark's exclusion): the loss history of each resource
 * id, and which ids are quarantined until when.
 *
 * <p>Rules: a loss that counts (every loss but a graceful leave, see {@link #counts}) is remembered for
 * {@code window}. The {@code max-losses}-th loss within the window quarantines the id for a backoff: the
 * initial one, or twice the previous one when the previous quarantine ended less than {@code window} ago,
 * at most {@code max-backoff}. Losses during a quarantine are counted afresh: when it ends, an id with
 * {@code max-losses} of them within the window is quarantined again (doubled), else it is released. An
 * administrator's {@link #lift} releases it at once and forgets its history. Being quarantined only means
 * "offer no slot of it": registration and heartbeats go on as for any task executor.
 *
 * <p>Pure bookkeeping on wall-clock epoch milliseconds (a quarantine must survive a restart, which the
 * monotonic clock does not): every change returns the {@link Mutation} that stores it, which the caller
 * writes. Not thread-safe: confined to the resource manager's main thread.
 */
final class Quarantines {

  /** What a change did to an id's quarantine. */
  enum Kind { NONE, QUARANTINED, RELEASED }

  /**
   * The outcome of one change.
   *
   * @param store what to write to the registry store
   * @param until the end of the quarantine begun, for {@link Kind#QUARANTINED}
   * @param backoff its length, for {@link Kind#QUARANTINED}
   */
  record Step(Kind kind, Mutation store, long until, Duration backoff) {}

  private static final class Entry {
    final String resourceId;
    final Deque<Long> losses = new ArrayDeque<>();
    int quarantines;
    long until;
    long releasedAt;

    Entry(String resourceId) {
      this.resourceId = resourceId;
    }

    boolean isEmpty() {
      return losses.isEmpty() && quarantines == 0 && until == 0;
    }
  }

  private final QuarantineConfig config;
  private final Map<String, Entry> entries = new HashMap<>();

  Quarantines(QuarantineConfig config) {
    this.config = config;
  }

  QuarantineConfig config() {
    return config;
  }

  /** Whether a loss for {@code reason} counts towards a quarantine: a graceful leave does not. */
  static boolean counts(LossReason reason) {
    return reason != LossReason.DISCONNECTED && reason.appliesToTaskExecutors();
  }

  /** Takes back what the store kept. */
  void restore(List<StoredQuarantine> stored) {
    for (StoredQuarantine q : stored) {
      Entry e = new Entry(q.resourceId());
      e.losses.addAll(q.losses());
      e.quarantines = q.quarantines();
      e.until = q.quarantinedUntil();
      e.releasedAt = q.releasedAt();
      entries.put(q.resourceId(), e);
    }
  }

  /** Ids quarantined now (by the record; expiry is the caller's timer), with the end of each. */
  Map<String, Long> quarantined() {
    Map<String, Long> result = new HashMap<>();
    for (Entry e : entries.values()) {
      if (e.until != 0) {
        result.put(e.resourceId, e.until);
      }
    }
    return result;
  }

  boolean isQuarantined(String resourceId) {
    Entry e = entries.get(resourceId);
    return e != null && e.until != 0;
  }

  /** Epoch milliseconds the id's quarantine ends; 0 if it is not quarantined. */
  long quarantinedUntil(String resourceId) {
    Entry e = entries.get(resourceId);
    return e == null ? 0 : e.until;
  }

  /** Losses of the id that count, within the window before {@code nowMillis}. */
  int recentLosses(String resourceId, long nowMillis) {
    Entry e = entries.get(resourceId);
    if (e == null) {
      return 0;
    }
    forgetOld(e, nowMillis);
    return e.losses.size();
  }

  /** The id was lost for {@code reason} at {@code nowMillis}. */
  Step lost(String resourceId, LossReason reason, long nowMillis) {
    if (!config.enabled() || !counts(reason)) {
      return none();
    }
    Entry e = entries.computeIfAbsent(resourceId, Entry::new);
    forgetOld(e, nowMillis);
    e.losses.addLast(nowMillis);
    while (e.losses.size() > QuarantineConfig.MAX_LOSSES_LIMIT) {
      e.losses.removeFirst();
    }
    if (e.until == 0 && e.losses.size() >= config.maxLosses()) {
      return quarantine(e, nowMillis);
    }
    return new Step(Kind.NONE, put(e), 0, null);
  }

  /**
   * The id's quarantine is due to end at {@code nowMillis}: it is quarantined again (doubled) if it was lost
   * {@code max-losses} times meanwhile, else released.
   */
  Step expire(String resourceId, long nowMillis) {
    Entry e = entries.get(resourceId);
    if (e == null || e.until == 0 || e.until > nowMillis) {
      return none();
    }
    forgetOld(e, nowMillis);
    if (config.enabled() && e.losses.size() >= config.maxLosses()) {
      return quarantine(e, nowMillis);
    }
    e.until = 0;
    e.releasedAt = nowMillis;
    return new Step(Kind.RELEASED, put(e), 0, null);
  }

  /**
   * An administrator lifts the id's quarantine: released at once, its history forgotten.
   *
   * @return a step of {@link Kind#NONE} (nothing stored) if it was not quarantined
   */
  Step lift(String resourceId) {
    Entry e = entries.get(resourceId);
    if (e == null || e.until == 0) {
      return none();
    }
    entries.remove(resourceId);
    return new Step(Kind.RELEASED, new Mutation.RemoveQuarantine(resourceId), 0, null);
  }

  private Step quarantine(Entry e, long nowMillis) {
    boolean again = e.quarantines > 0 && (e.until != 0 || nowMillis - e.releasedAt < config.window().toMillis());
    e.quarantines = again ? e.quarantines + 1 : 1;
    Duration backoff = backoff(e.quarantines);
    e.until = nowMillis + backoff.toMillis();
    e.losses.clear();
    return new Step(Kind.QUARANTINED, put(e), e.until, backoff);
  }

  /** The initial backoff doubled {@code n - 1} times, at most the maximum. */
  Duration backoff(int n) {
    Duration d = config.initialBackoff();
    for (int i = 1; i < n && d.compareTo(config.maxBackoff()) < 0; i++) {
      d = d.multipliedBy(2);
    }
    return d.compareTo(config.maxBackoff()) > 0 ? config.maxBackoff() : d;
  }

  private void forgetOld(Entry e, long nowMillis) {
    long horizon = nowMillis - config.window().toMillis();
    while (!e.losses.isEmpty() && e.losses.peekFirst() <= horizon) {
      e.losses.removeFirst();
    }
  }

  private Mutation put(Entry e) {
    if (e.isEmpty()) {
      entries.remove(e.resourceId);
      return new Mutation.RemoveQuarantine(e.resourceId);
    }
    return new Mutation.PutQuarantine(new StoredQuarantine(e.resourceId, new ArrayList<>(e.losses), e.quarantines,
        e.until, e.releasedAt));
  }

  private static Step none() {
    return new Step(Kind.NONE, null, 0, null);
  }
}
