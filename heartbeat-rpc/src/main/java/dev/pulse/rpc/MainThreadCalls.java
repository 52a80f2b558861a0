package dev.pulse.rpc;

import dev.pulse.heartbeat.time.MainThreadExecutor;
import io.grpc.Status;
import io.grpc.StatusException;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the work of a unary call on its owner's main thread and answers the call with the outcome, so
 * that a transport thread never waits for, or touches, the owner's state. A call whose main thread
 * is stuck is simply not answered, and its caller's deadline expires.
 *
 * <p>Answers to calls that were cancelled in the meantime (the caller gave up) are dropped quietly.
 * Stateless.
 */
public final class MainThreadCalls {

  private static final Logger LOG = LoggerFactory.getLogger(MainThreadCalls.class);

  private MainThreadCalls() {}

  /**
   * Must be called from the service method itself (it configures the call before the method returns).
   *
   * @param work runs on {@code mainThread}; may throw a {@link StatusRuntimeException} to refuse the call
   */
  public static <T> void answer(MainThreadExecutor mainThread, StreamObserver<T> observer, String method,
      Supplier<? extends CompletionStage<T>> work) {
    if (observer instanceof ServerCallStreamObserver<T> call) {
      // Without a handler, answering a cancelled call throws on the main thread.
      call.setOnCancelHandler(() -> {});
    }
    try {
      mainThread.execute(() -> {
        CompletionStage<T> outcome;
        try {
          outcome = work.get();
        } catch (RuntimeException e) {
          fail(observer, method, e);
          return;
        }
        if (outcome == null) {
          fail(observer, method, new IllegalStateException(method + " returned no future"));
          return;
        }
        outcome.whenComplete((value, failure) -> {
          if (failure != null) {
            fail(observer, method, failure);
          } else if (value == null) {
            fail(observer, method, new IllegalStateException(method + " completed without a response"));
          } else {
            observer.onNext(value);
            observer.onCompleted();
          }
        });
      });
    } catch (RejectedExecutionException e) {
      observer.onError(Status.UNAVAILABLE.withDescription("this process is shutting down; its main thread"
          + " accepts no more work").asRuntimeException());
    }
  }

  /**
   * Ends a call with {@code failure}: a gRPC status as it is, anything else logged and answered
   * {@code INTERNAL}. Also for {@link MainThreadStream}'s streams.
   */
  static void fail(StreamObserver<?> observer, String method, Throwable failure) {
    Throwable cause = failure instanceof CompletionException && failure.getCause() != null
        ? failure.getCause() : failure;
    if (cause instanceof StatusRuntimeException || cause instanceof StatusException) {
      observer.onError(cause);
      return;
    }
    LOG.error("{} failed", method, cause);
    observer.onError(Status.INTERNAL.withDescription(method + " failed: " + cause).withCause(cause)
        .asRuntimeException());
  }
}
