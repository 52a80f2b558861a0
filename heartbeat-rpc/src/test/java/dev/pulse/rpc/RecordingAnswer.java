package dev.pulse.rpc;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pulse.heartbeat.HeartbeatAnswer;
import dev.pulse.heartbeat.HeartbeatRpcException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/** A heartbeat target's answer line for one request: records what it is told, how often and on which thread. */
final class RecordingAnswer implements HeartbeatAnswer<Integer> {

  private static final long WAIT_SECONDS = 15;

  final CountDownLatch reported = new CountDownLatch(1);
  final AtomicInteger reports = new AtomicInteger();
  volatile Integer payload;
  volatile Throwable failure;
  volatile String thread;

  @Override
  public void heartbeat(Integer payload) {
    this.payload = payload;
    record();
  }

  @Override
  public void failed(Throwable failure) {
    this.failure = failure;
    record();
  }

  private void record() {
    reports.incrementAndGet();
    thread = Thread.currentThread().getName();
    reported.countDown();
  }

  /** The payload of the first report, which must be a heartbeat. */
  Integer awaitReport() throws InterruptedException {
    assertThat(reported.await(WAIT_SECONDS, TimeUnit.SECONDS)).as("reported in time").isTrue();
    assertThat(failure).isNull();
    return payload;
  }

  /** The failure of the first report, which must be a failure. */
  HeartbeatRpcException awaitFailure() throws InterruptedException {
    assertThat(reported.await(WAIT_SECONDS, TimeUnit.SECONDS)).as("reported in time").isTrue();
    assertThat(failure).isInstanceOf(HeartbeatRpcException.class);
    return (HeartbeatRpcException) failure;
  }
}
