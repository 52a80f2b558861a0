package dev.pulse.rpc;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.Status;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

class UnaryCallsTest {

  @Test
  void answer_completesTheFuture_andALaterCompletionChangesNothing() {
    CompletableFuture<String> f = UnaryCalls.call(answer -> {
      answer.onNext("hello");
      answer.onCompleted();
      answer.onError(Status.INTERNAL.asRuntimeException());
    });
    assertThat(f).isCompletedWithValue("hello");
  }

  @Test
  void failure_failsTheFuture_translatedWhenAsked() {
    CompletableFuture<String> raw = UnaryCalls.call(answer -> answer.onError(Status.UNAVAILABLE.asRuntimeException()));
    CompletableFuture<String> translated = UnaryCalls.call(
        answer -> answer.onError(Status.UNAVAILABLE.asRuntimeException()), t -> new IllegalStateException("down", t));

    assertThat(raw.handle((v, t) -> Status.fromThrowable(t).getCode()).join()).isEqualTo(Status.Code.UNAVAILABLE);
    assertThat(translated.handle((v, t) -> t).join()).isInstanceOf(IllegalStateException.class).hasMessage("down");
  }

  @Test
  void stubThatThrows_failsTheFutureInsteadOfTheCaller() {
    CompletableFuture<String> f = UnaryCalls.call(answer -> {
      throw new IllegalStateException("channel shut down");
    }, t -> new IllegalArgumentException("translated", t));
    assertThat(f.handle((v, t) -> t).join()).isInstanceOf(IllegalArgumentException.class)
        .hasRootCauseMessage("channel shut down");
  }
}
