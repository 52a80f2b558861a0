package dev.pulse.rpc;

import dev.pulse.heartbeat.time.MainThreadExecutor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.util.Objects;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

/**
 * The server side of a bidirectional stream that answers every request with one response, each on
 * its owner's main thread and in the order the requests came: the streaming counterpart of
 * {@link MainThreadCalls}. A stream whose main thread is stuck simply stops answering.
 *
 * <p>The stream ends, with the status, when the work refuses a request (throws a
 * {@link StatusRuntimeException}); with {@code INTERNAL} when it fails otherwise; and with
 * {@code RESOURCE_EXHAUSTED} when more than {@code maxWaiting} requests wait for their answers at
 * once (a caller that does not wait for answers cannot queue unbounded work on the main thread). When
 * the caller half-closes, the stream is completed after the answers to its requests. Answers to a
 * stream the caller cancelled are dropped quietly.
 *
 * <p>Thread-safety: requests arrive on a transport thread, which only counts them and hands them to
 * the main thread; everything sent on the stream is sent from the main thread.
 *
 * @param <Q> request type
 * @param <R> response type
 */
public final class MainThreadStream<Q, R> implements StreamObserver<Q> {

  private final MainThreadExecutor mainThread;
  private final StreamObserver<R> responses;
  private final String method;
  private final Function<Q, R> work;
  private final int maxWaiting;
  private final AtomicInteger waiting = new AtomicInteger();
  private boolean ended; // main thread

  private MainThreadStream(MainThreadExecutor mainThread, StreamObserver<R> responses, String method,
      Function<Q, R> work, int maxWaiting) {
    this.mainThread = Objects.requireNonNull(mainThread, "mainThread");
    this.responses = Objects.requireNonNull(responses, "responses");
    this.method = Objects.requireNonNull(method, "method");
    this.work = Objects.requireNonNull(work, "work");
    this.maxWaiting = maxWaiting;
  }

  /**
   * The request observer to return from a bidirectional service method. Must be called from the
   * service method itself (it configures the call before the method returns).
   *
   * @param responses the service method's response observer
   * @param method the method's name, for logs and statuses
   * @param work answers one request on {@code mainThread}; may throw a {@link StatusRuntimeException}
   *     to refuse it, which ends the stream
   * @param maxWaiting most requests that may wait for their answers at once, at least 1
   */
  public static <Q, R> StreamObserver<Q> answerEach(MainThreadExecutor mainThread, StreamObserver<R> responses,
      String method, Function<Q, R> work, int maxWaiting) {
    if (maxWaiting < 1) {
      throw new IllegalArgumentException("maxWaiting must be >= 1, was " + maxWaiting);
    }
    if (responses instanceof ServerCallStreamObserver<R> call) {
      // Without a handler, answering a cancelled stream throws on the main thread.
      call.setOnCancelHandler(() -> {});
    }
    return new MainThreadStream<>(mainThread, responses, method, work, maxWaiting);
  }

  @Override
  public void onNext(Q request) {
    if (waiting.incrementAndGet() > maxWaiting) {
      onMain(() -> end(Status.RESOURCE_EXHAUSTED.withDescription("more than " + maxWaiting + " " + method
          + " requests waited for their answers on one stream").asRuntimeException()));
      return;
    }
    onMain(() -> {
      waiting.decrementAndGet();
      if (ended) {
        return;
      }
      R answer;
      try {
        answer = work.apply(request);
      } catch (RuntimeException e) {
        end(e);
        return;
      }
      if (!cancelled()) {
        responses.onNext(answer);
      }
    });
  }

  @Override
  public void onError(Throwable t) {
    // The caller cancelled the stream, or it broke: nothing to answer any more.
    onMain(() -> ended = true);
  }

  @Override
  public void onCompleted() {
    onMain(() -> {
      if (!ended) {
        ended = true;
        if (!cancelled()) {
          responses.onCompleted();
        }
      }
    });
  }

  private boolean cancelled() {
    return responses instanceof ServerCallStreamObserver<R> call && call.isCancelled();
  }

  /** On the main thread: ends the stream with the failure's status, once. */
  private void end(Throwable failure) {
    if (ended) {
      return;
    }
    ended = true;
    if (cancelled()) {
      return;
    }
    MainThreadCalls.fail(responses, method, failure);
  }

  private void onMain(Runnable step) {
    try {
      mainThread.execute(step);
    } catch (RejectedExecutionException e) {
      // The main thread has stopped, so nothing else sends on this stream any more.
      if (!ended) {
        ended = true;
        if (!cancelled()) {
          responses.onError(Status.UNAVAILABLE.withDescription("this process is shutting down; its main"
              + " thread accepts no more work").asRuntimeException());
        }
      }
    }
  }
}
