package dev.pulse.harness;

import dev.pulse.proto.v1.ResourceManagerGatewayGrpc;
import dev.pulse.proto.v1.TaskExecutorGatewayGrpc;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.ForwardingClientCall;
import io.grpc.ForwardingClientCallListener;
import io.grpc.ForwardingServerCall;
import io.grpc.ForwardingServerCallListener;
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
 * A {@code HeartbeatStream} meets the faults of the moment at each request: partitioned, the stream is
 * closed {@code UNAVAILABLE}; dropped, the request is swallowed (and the next one asked for in its place,
 * since a stub asks for a stream's next message only once it got this one: a dropped message must not stall
 * the stream); delayed, its answer leaves late. So does
 * the heartbeat stream the task executor opens itself ({@code OpenHeartbeatStream}, to a resource manager
 * with {@code resourcemanager.heartbeat.transport: inbound_stream}), on its client side: partitioned, it is
 * cancelled; dropped, the request never reaches the task executor; delayed, its answers leave late.
 *
 * <p>Thread-safe: the interceptors run on transport threads; faults may be changed from any thread
 * and apply to calls that start afterwards (to the next step of a call already under way, for a
 * delay, and to the next request of a stream). Delayed answers are sent from one timer thread, started
 * on first use and stopped by {@link #close()}.
 */
final class NetworkFaults implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(NetworkFaults.class);
  private static final String HEARTBEAT = TaskExecutorGatewayGrpc.getRequestHeartbeatMethod().getFullMethodName();
  private static final String HEARTBEAT_STREAM =
      TaskExecutorGatewayGrpc.getHeartbeatStreamMethod().getFullMethodName();
  private static final String INBOUND_HEARTBEAT_STREAM =
      ResourceManagerGatewayGrpc.getOpenHeartbeatStreamMethod().getFullMethodName();

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
          call.close(cutOff(), new Metadata());
          return new ServerCall.Listener<>() {};
        }
        String method = call.getMethodDescriptor().getFullMethodName();
        if (HEARTBEAT.equals(method) && drop()) {
          return new ServerCall.Listener<>() {}; // never answered: the caller's deadline ends the call
        }
        FaultyCall<Q, R> faulty = new FaultyCall<>(call);
        ServerCall.Listener<Q> listener = next.startCall(faulty, headers);
        if (!HEARTBEAT_STREAM.equals(method)) {
          return listener;
        }
        // A stream outlives the faults set when it opened: each request meets the faults of its time.
        return new ForwardingServerCallListener.SimpleForwardingServerCallListener<>(listener) {
          @Override
          public void onMessage(Q request) {
            if (partitioned) {
              faulty.cut();
            } else if (!drop()) {
              super.onMessage(request);
            } else {
              call.request(1); // swallowed: see the class documentation
            }
          }
        };
      }
    };
  }

  ClientInterceptor clientInterceptor() {
    return new ClientInterceptor() {
      @Override
      public <Q, R> ClientCall<Q, R> interceptCall(MethodDescriptor<Q, R> method, CallOptions options, Channel next) {
        if (partitioned) {
          return new RefusedCall<>();
        }
        ClientCall<Q, R> call = next.newCall(method, options);
        return INBOUND_HEARTBEAT_STREAM.equals(method.getFullMethodName()) ? new FaultyStream<>(call) : call;
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

  private Status cutOff() {
    return Status.UNAVAILABLE.withDescription(name + " is cut off by the test harness");
  }

  /**
   * A server call whose outbound side (headers, messages, status) leaves after the delay of its time,
   * in order, and which the partition can cut: closed {@code UNAVAILABLE} at once, everything the service
   * sends afterwards dropped ({@link DelayedSteps}).
   */
  private final class FaultyCall<Q, R> extends ForwardingServerCall.SimpleForwardingServerCall<Q, R> {
    private final DelayedSteps steps = new DelayedSteps("call");

    FaultyCall(ServerCall<Q, R> call) {
      super(call);
    }

    /** Closes the call as a partition would; later steps are dropped. Idempotent. */
    void cut() {
      steps.cut(() -> super.close(cutOff(), new Metadata()));
    }

    @Override
    public void sendHeaders(Metadata headers) {
      steps.step(() -> super.sendHeaders(headers));
    }

    @Override
    public void sendMessage(R message) {
      steps.step(() -> super.sendMessage(message));
    }

    @Override
    public void close(Status status, Metadata trailers) {
      steps.step(() -> super.close(status, trailers));
    }
  }

  /**
   * The task executor's own heartbeat stream: each request that comes down meets the faults of its time
   * (partitioned: the stream is cancelled, and everything after is dropped; dropped: swallowed), and each
   * message it sends up leaves after the delay of its time, in order ({@link DelayedSteps}).
   */
  private final class FaultyStream<Q, R> extends ForwardingClientCall.SimpleForwardingClientCall<Q, R> {
    private final DelayedSteps steps = new DelayedSteps("stream");

    FaultyStream(ClientCall<Q, R> call) {
      super(call);
    }

    @Override
    public void start(Listener<R> listener, Metadata headers) {
      super.start(new ForwardingClientCallListener.SimpleForwardingClientCallListener<>(listener) {
        @Override
        public void onMessage(R request) {
          if (partitioned) {
            steps.cut(() -> FaultyStream.super.cancel(name + " is cut off by the test harness", null));
          } else if (!drop()) {
            super.onMessage(request);
          } else {
            FaultyStream.this.request(1); // swallowed: see the class documentation
          }
        }
      }, headers);
    }

    @Override
    public void sendMessage(Q message) {
      steps.step(() -> super.sendMessage(message));
    }
  }

  /**
   * The outbound steps of one call (headers, messages, status): each leaves after the delay set at the time
   * it is taken, in order (a step never overtakes the one before), and none after the partition cut the call.
   * Serialized by its lock: the call's owner sends from its own thread, the delay from the timer thread and
   * the cut from a transport thread.
   */
  private final class DelayedSteps {
    private final String what;
    private long notBefore; // guarded by this: System.nanoTime() before which no step may leave
    private boolean cut; // guarded by this

    DelayedSteps(String what) {
      this.what = what;
    }

    /** Runs {@code cutting} (closing the call as a partition would) once; later steps are dropped. */
    synchronized void cut(Runnable cutting) {
      if (!cut) {
        cut = true;
        try {
          cutting.run();
        } catch (RuntimeException e) {
          LOG.debug("could not cut a {} of {} (it ended meanwhile?)", what, name, e);
        }
      }
    }

    void step(Runnable step) {
      long delay = delayNanos;
      synchronized (this) {
        if (cut) {
          return;
        }
        long now = System.nanoTime();
        if (delay == 0 && notBefore - now <= 0) {
          step.run();
          return;
        }
        long at = Math.max(now + delay, notBefore);
        notBefore = at;
        timer().schedule(() -> later(step), at - now, TimeUnit.NANOSECONDS);
      }
    }

    private synchronized void later(Runnable step) {
      if (cut) {
        return;
      }
      try {
        step.run();
      } catch (RuntimeException e) {
        LOG.debug("delayed answer of {} could not be sent (the {} ended meanwhile?)", name, what, e);
      }
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
