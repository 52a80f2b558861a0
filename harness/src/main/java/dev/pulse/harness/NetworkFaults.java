package dev.pulse.harness;

import dev.pulse.proto.v1.TaskExecutorGatewayGrpc;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.ForwardingServerCall;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import java.time.Duration;
import java.util.Random;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The network faults of one in-process task executor, applied by two gRPC interceptors: one on the
 * task executor's server (the resource manager's calls to it), one on its channel to the resource
 * manager (its own calls).
 *
 * <ul>
 *   <li><b>partition</b>: calls in both directions fail at once with {@code UNAVAILABLE}, as when the
 *       peer cannot be reached; the resource manager classifies that as unreachable.
 *   <li><b>delay</b>: the task executor's answers (headers, message and status) leave that much later.
 *   <li><b>drop heartbeats</b>: each {@code RequestHeartbeat} is swallowed with the given probability,
 *       drawn from a seeded {@link Random}: it is never answered, so the caller's deadline ends it.
 *       With a fixed seed, the n-th heartbeat request's fate is the same in every run.
 * </ul>
 *
 * <p>Thread-safe: the interceptors run on transport threads; faults may be changed from any thread
 * and apply to calls that start afterwards. Delayed answers are sent from one timer thread, started
 * on first use and stopped by {@link #close()}.
 */
final class NetworkFaults implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(NetworkFaults.class);
  private static final String HEARTBEAT = TaskExecutorGatewayGrpc.getRequestHeartbeatMethod().getFullMethodName();

  private final String name;
  private final Random random;
  private volatile boolean partitioned;
  private volatile long delayNanos;
  private volatile double dropProbability;
  private ScheduledThreadPoolExecutor timer; // guarded by this

  NetworkFaults(String name, long seed) {
    this.name = name;
    this.random = new Random(seed);
  }

  void partition(boolean on) {
    partitioned = on;
  }

  boolean isPartitioned() {
    return partitioned;
  }

  void delay(Duration delay) {
    if (delay.isNegative()) {
      throw new IllegalArgumentException("delay must be >= 0, was " + delay);
    }
    delayNanos = delay.toNanos();
  }

  void dropHeartbeats(double probability) {
    if (!(probability >= 0 && probability <= 1)) {
      throw new IllegalArgumentException("probability must be between 0 and 1, was " + probability);
    }
    dropProbability = probability;
  }

  /** No fault: the network is healed, no delay, nothing dropped. */
  void clear() {
    partitioned = false;
    delayNanos = 0;
    dropProbability = 0;
  }

  ServerInterceptor serverInterceptor() {
    return new ServerInterceptor() {
      @Override
      public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
          ServerCallHandler<Q, R> next) {
        if (partitioned) {
          call.close(Status.UNAVAILABLE.withDescription(name + " is cut off by the test harness"), new Metadata());
          return new ServerCall.Listener<>() {};
        }
        if (HEARTBEAT.equals(call.getMethodDescriptor().getFullMethodName()) && drop()) {
          return new ServerCall.Listener<>() {}; // never answered: the caller's deadline ends the call
        }
        long delay = delayNanos;
        return next.startCall(delay == 0 ? call : new DelayedCall<>(call, delay), headers);
      }
    };
  }

  ClientInterceptor clientInterceptor() {
    return new ClientInterceptor() {
      @Override
      public <Q, R> ClientCall<Q, R> interceptCall(MethodDescriptor<Q, R> method, CallOptions options, Channel next) {
        return partitioned ? new RefusedCall<>() : next.newCall(method, options);
      }
    };
  }

  private boolean drop() {
    double p = dropProbability;
    if (p == 0) {
      return false;
    }
    synchronized (random) {
      return random.nextDouble() < p;
    }
  }

  private synchronized ScheduledThreadPoolExecutor timer() {
    if (timer == null) {
      timer = new ScheduledThreadPoolExecutor(1, r -> {
        Thread t = new Thread(r, "pulse-harness-faults-" + name);
        t.setDaemon(true);
        return t;
      });
      timer.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
    }
    return timer;
  }

  /** Stops the timer thread, dropping answers still being delayed. Idempotent. */
  @Override
  public void close() {
    ScheduledThreadPoolExecutor t;
    synchronized (this) {
      t = timer;
      timer = null;
    }
    if (t != null) {
      t.shutdownNow();
      try {
        t.awaitTermination(5, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  /**
   * A server call whose outbound side (headers, messages, status) is sent {@code delayNanos} late, in
   * order: every step of one call has the same delay, and the timer runs ties first come first served.
   */
  private final class DelayedCall<Q, R> extends ForwardingServerCall.SimpleForwardingServerCall<Q, R> {
    private final long delayNanos;

    DelayedCall(ServerCall<Q, R> call, long delayNanos) {
      super(call);
      this.delayNanos = delayNanos;
    }

    @Override
    public void sendHeaders(Metadata headers) {
      later(() -> super.sendHeaders(headers));
    }

    @Override
    public void sendMessage(R message) {
      later(() -> super.sendMessage(message));
    }

    @Override
    public void close(Status status, Metadata trailers) {
      later(() -> super.close(status, trailers));
    }

    private void later(Runnable step) {
      timer().schedule(() -> {
        try {
          step.run();
        } catch (RuntimeException e) {
          LOG.debug("delayed answer of {} could not be sent (the call ended meanwhile?)", name, e);
        }
      }, delayNanos, TimeUnit.NANOSECONDS);
    }
  }

  /** A client call that fails with {@code UNAVAILABLE} as soon as it starts, like a refused connection. */
  private final class RefusedCall<Q, R> extends ClientCall<Q, R> {
    @Override
    public void start(Listener<R> listener, Metadata headers) {
      // Answered from another thread, as a real failure would be: callers may not expect it inline.
      timer().execute(() -> listener.onClose(
          Status.UNAVAILABLE.withDescription(name + " is cut off by the test harness"), new Metadata()));
    }

    @Override
    public void request(int numMessages) {}

    @Override
    public void cancel(String message, Throwable cause) {}

    @Override
    public void halfClose() {}

    @Override
    public void sendMessage(Q message) {}
  }
}
