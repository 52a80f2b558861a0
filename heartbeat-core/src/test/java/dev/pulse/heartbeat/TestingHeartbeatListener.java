package dev.pulse.heartbeat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * A recording {@link HeartbeatListener} for tests: every callback is appended, with the time it came,
 * to {@link #events()}. Payloads to send come from a function set with {@link Builder#payloads}.
 * Reactions (for example unmonitoring a lost target) can be hooked in with {@link Builder#onLoss}, and
 * callbacks can be made to throw, after recording, with {@link Builder#failIn}.
 */
public final class TestingHeartbeatListener<I, O> implements HeartbeatListener<I, O> {

  /** One callback. {@code payload} is set for reports; {@code paused} for local pauses. */
  public record Event(Kind kind, ResourceId resourceId, Object payload, Duration paused, long atNanos) {}

  /** Which callback. */
  public enum Kind { TIMEOUT, UNREACHABLE, RESTARTED, PAYLOAD, LOCAL_PAUSE }

  private final List<Event> events = new ArrayList<>();
  private final List<ResourceId> retrieved = new ArrayList<>();
  private final Function<ResourceId, O> payloads;
  private final Consumer<ResourceId> onLoss;
  private final dev.pulse.heartbeat.time.MonotonicClock clock;
  private final Set<Kind> failing;

  private TestingHeartbeatListener(Builder<I, O> b) {
    this.payloads = b.payloads;
    this.onLoss = b.onLoss;
    this.clock = b.clock;
    this.failing = b.failing;
  }

  public static <I, O> Builder<I, O> builder() {
    return new Builder<>();
  }

  /** A listener that records everything and sends {@code null} payloads. */
  public static <I, O> TestingHeartbeatListener<I, O> recording() {
    return new Builder<I, O>().build();
  }

  public List<Event> events() {
    return List.copyOf(events);
  }

  public List<Event> events(Kind kind) {
    return events.stream().filter(e -> e.kind() == kind).toList();
  }

  /** The targets {@link #retrievePayload} was asked for, in order. */
  public List<ResourceId> retrievedFor() {
    return List.copyOf(retrieved);
  }

  @Override
  public void notifyHeartbeatTimeout(ResourceId resourceId) {
    record(Kind.TIMEOUT, resourceId, null, null);
    onLoss.accept(resourceId);
  }

  @Override
  public void notifyTargetUnreachable(ResourceId resourceId) {
    record(Kind.UNREACHABLE, resourceId, null, null);
    onLoss.accept(resourceId);
  }

  @Override
  public void notifyTargetRestarted(ResourceId resourceId) {
    record(Kind.RESTARTED, resourceId, null, null);
    onLoss.accept(resourceId);
  }

  @Override
  public void reportPayload(ResourceId resourceId, I payload) {
    record(Kind.PAYLOAD, resourceId, payload, null);
  }

  @Override
  public O retrievePayload(ResourceId resourceId) {
    retrieved.add(resourceId);
    return payloads.apply(resourceId);
  }

  @Override
  public void notifyLocalPause(Duration pausedFor) {
    record(Kind.LOCAL_PAUSE, null, null, pausedFor);
  }

  private void record(Kind kind, ResourceId id, Object payload, Duration paused) {
    events.add(new Event(kind, id, payload, paused, clock == null ? 0 : clock.nanoTime()));
    if (failing.contains(kind)) {
      throw new IllegalStateException("test: the " + kind + " callback fails");
    }
  }

  /** Builder; every setting is optional. */
  public static final class Builder<I, O> {
    private Function<ResourceId, O> payloads = id -> null;
    private Consumer<ResourceId> onLoss = id -> {};
    private dev.pulse.heartbeat.time.MonotonicClock clock;
    private final Set<Kind> failing = EnumSet.noneOf(Kind.class);

    /** What {@link #retrievePayload} returns for each target. */
    public Builder<I, O> payloads(Function<ResourceId, O> payloads) {
      this.payloads = payloads;
      return this;
    }

    /** Called after a timeout, unreachable or restarted event has been recorded. */
    public Builder<I, O> onLoss(Consumer<ResourceId> onLoss) {
      this.onLoss = onLoss;
      return this;
    }

    /** Clock whose reading is stamped on each event. */
    public Builder<I, O> clock(dev.pulse.heartbeat.time.MonotonicClock clock) {
      this.clock = clock;
      return this;
    }

    /** The callbacks of these kinds throw an {@link IllegalStateException}, after recording the event. */
    public Builder<I, O> failIn(Kind... kinds) {
      failing.addAll(List.of(kinds));
      return this;
    }

    public TestingHeartbeatListener<I, O> build() {
      return new TestingHeartbeatListener<>(this);
    }
  }
}
