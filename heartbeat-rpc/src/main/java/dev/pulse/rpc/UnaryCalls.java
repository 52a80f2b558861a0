package dev.pulse.rpc;

import io.grpc.stub.StreamObserver;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * The one adapter from a unary call on an asynchronous stub to a {@link CompletableFuture}, for the
 * calls whose answer is not a heartbeat (registration, slot requests, goodbyes):
 *
 * <pre>{@code
 * CompletableFuture<FreeSlotResponse> freed = UnaryCalls.call(answer -> stub.freeSlot(request, answer));
 * }</pre>
 *
 * A stub that throws instead of calling back fails the future the same way. The future completes on
 * the transport thread that delivered the answer: hand the work to your own executor.
 */
public final class UnaryCalls {

  private UnaryCalls() {}

  /** Starts {@code rpc} with an observer that completes the returned future; failures as gRPC reports them. */
  public static <T> CompletableFuture<T> call(Consumer<StreamObserver<T>> rpc) {
    return call(rpc, Function.identity());
  }

  /** As {@link #call(Consumer)}, with each failure translated by {@code failure} (e.g. into domain terms). */
  public static <T> CompletableFuture<T> call(Consumer<StreamObserver<T>> rpc,
      Function<Throwable, ? extends Throwable> failure) {
    CompletableFuture<T> answer = new CompletableFuture<>();
    StreamObserver<T> observer = new StreamObserver<>() {
      @Override
      public void onNext(T value) {
        answer.complete(value);
      }

      @Override
      public void onError(Throwable t) {
        answer.completeExceptionally(failure.apply(t));
      }

      @Override
      public void onCompleted() {
        // a unary call's value came with onNext; completing twice is a no-op
      }
    };
    try {
      rpc.accept(observer);
    } catch (RuntimeException e) {
      observer.onError(e);
    }
    return answer;
  }
}
