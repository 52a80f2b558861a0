package dev.pulse.heartbeat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

/**
 * A scriptable {@link HeartbeatTarget} for tests. Records every call with its payload. By default each
 * call returns an already-completed future; {@link #answerWith} changes what the next calls return,
 * for example futures the test completes later, or failures of a given {@link RpcFailureKind}.
 * Subclasses may override the two calls to react (answer, record times) and then call {@code super}.
 */
public class TestingHeartbeatTarget<O> implements HeartbeatTarget<O> {

  /** One recorded call. */
  public record Call(boolean request, ResourceId origin, Object payload) {}

  private final List<Call> calls = new ArrayList<>();
  private final List<CompletableFuture<Void>> pending = new ArrayList<>();
  private Supplier<CompletableFuture<Void>> answers = () -> CompletableFuture.completedFuture(null);

  /** Every later call returns a fresh future from {@code answers}. */
  public TestingHeartbeatTarget<O> answerWith(Supplier<CompletableFuture<Void>> answers) {
    this.answers = answers;
    return this;
  }

  /** Every later call succeeds at once. */
  public TestingHeartbeatTarget<O> succeed() {
    return answerWith(() -> CompletableFuture.completedFuture(null));
  }

  /** Every later call fails at once with {@code kind}. */
  public TestingHeartbeatTarget<O> fail(RpcFailureKind kind) {
    return answerWith(() -> CompletableFuture.failedFuture(new HeartbeatRpcException(kind, "test: " + kind)));
  }

  /** Every later call returns a future that stays pending until the test completes it. */
  public TestingHeartbeatTarget<O> hang() {
    return answerWith(() -> {
      CompletableFuture<Void> f = new CompletableFuture<>();
      pending.add(f);
      return f;
    });
  }

  /** Futures handed out by {@link #hang()} and not completed yet. */
  public List<CompletableFuture<Void>> pending() {
    pending.removeIf(CompletableFuture::isDone);
    return List.copyOf(pending);
  }

  public List<Call> calls() {
    return List.copyOf(calls);
  }

  /** Number of heartbeat requests received. */
  public long requests() {
    return calls.stream().filter(Call::request).count();
  }

  @Override
  public CompletableFuture<Void> receiveHeartbeat(ResourceId heartbeatOrigin, O heartbeatPayload) {
    calls.add(new Call(false, heartbeatOrigin, heartbeatPayload));
    return answers.get();
  }

  @Override
  public CompletableFuture<Void> requestHeartbeat(ResourceId requestOrigin, O heartbeatPayload) {
    calls.add(new Call(true, requestOrigin, heartbeatPayload));
    return answers.get();
  }
}
