package dev.pulse.te.grpc;

import dev.pulse.heartbeat.time.Cancellable;
import dev.pulse.heartbeat.time.MainThreadExecutor;
import dev.pulse.proto.v1.HeartbeatRequest;
import dev.pulse.proto.v1.HeartbeatResponse;
import dev.pulse.proto.v1.OpenHeartbeatStreamRequest;
import dev.pulse.proto.v1.OpenHeartbeatStreamResponse;
import dev.pulse.proto.v1.ResourceManagerGatewayGrpc;
import dev.pulse.proto.v1.TaskExecutorIdentity;
import dev.pulse.te.RetryBackoff;
import dev.pulse.rpc.ChannelLease;
import io.grpc.Status;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import io.grpc.stub.StreamObserver;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Objects;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The heartbeat stream a task executor opens to its resource manager when the registration answer asks
 * for it ({@code open_heartbeat_stream}, a resource manager with {@code resourcemanager.heartbeat.transport:
 * inbound_stream}): {@code ResourceManagerGateway.OpenHeartbeatStream}, whose first message names the
 * registration, and on which the resource manager's heartbeat requests come down and are answered by the
 * task executor's own heartbeat handler (the one that answers {@code TaskExecutorGateway.HeartbeatStream}:
 * checked, and answered on the main thread, in order).
 *
 * <p>The stream is opened again, after a backoff of 100 ms doubling to {@link #MAX_BACKOFF} with full
 * jitter (reset once a request came down), whenever it ends, each time with gRPC's own reconnect backoff
 * reset (as before a registration attempt), so that the connection is tried at once, until the resource manager refuses it
 * with {@code FAILED_PRECONDITION} (the registration is no longer current: the task executor's loss of its
 * resource manager, or the next registration, takes over), {@code UNIMPLEMENTED} or {@code INVALID_ARGUMENT},
 * or until {@link #close()}.
 *
 * <p>Thread-safety: everything sent up the stream is sent under this object's lock (the opening from the
 * main thread, the answers from the main thread, cancellation from anywhere).
 */
public final class HeartbeatStreamToResourceManager implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(HeartbeatStreamToResourceManager.class);

  /** Longest wait before the stream is opened again. */
  static final Duration MAX_BACKOFF = RetryBackoff.HEARTBEAT_STREAM_MAX;

  private final ChannelLease channel;
  private final ResourceManagerGatewayGrpc.ResourceManagerGatewayStub stub;
  private final OpenHeartbeatStreamRequest opening;
  private final MainThreadExecutor mainThread;
  private final Function<StreamObserver<HeartbeatResponse>, StreamObserver<HeartbeatRequest>> answering;
  private final String resourceManager;
  private final RetryBackoff backoff = RetryBackoff.forHeartbeatStream(); // guarded by this
  private Session current; // guarded by this
  private Cancellable reopen; // guarded by this
  private boolean closed; // guarded by this
  private boolean everServed; // guarded by this

  /**
   * Opens the stream (on the main thread) and keeps it open.
   *
   * @param channel the lease on the channel to the resource manager
   * @param registrationId the registration the stream serves
   * @param identity this task executor
   * @param answering how the task executor answers a stream of heartbeat requests (its gateway's
   *     {@code heartbeatStream}); called on the main thread once per stream
   * @param resourceManager who is called, for logs
   */
  public static HeartbeatStreamToResourceManager open(ChannelLease channel, String registrationId,
      TaskExecutorIdentity identity, MainThreadExecutor mainThread,
      Function<StreamObserver<HeartbeatResponse>, StreamObserver<HeartbeatRequest>> answering, String resourceManager) {
    HeartbeatStreamToResourceManager stream = new HeartbeatStreamToResourceManager(channel, registrationId, identity,
        mainThread, answering, resourceManager);
    stream.onMain(stream::openNow);
    return stream;
  }

  private HeartbeatStreamToResourceManager(ChannelLease channel, String registrationId, TaskExecutorIdentity identity,
      MainThreadExecutor mainThread, Function<StreamObserver<HeartbeatResponse>, StreamObserver<HeartbeatRequest>> answering,
      String resourceManager) {
    this.channel = channel;
    this.stub = ResourceManagerGatewayGrpc.newStub(channel.channel());
    this.opening = OpenHeartbeatStreamRequest.newBuilder().setRegistrationId(registrationId)
        .setTaskExecutor(identity).build();
    this.mainThread = Objects.requireNonNull(mainThread, "mainThread");
    this.answering = Objects.requireNonNull(answering, "answering");
    this.resourceManager = resourceManager;
  }

  /** Ends the stream and opens no other. Idempotent. */
  @Override
  public void close() {
    synchronized (this) {
      closed = true;
      if (reopen != null) {
        reopen.cancel();
        reopen = null;
      }
      if (current != null) {
        current.cancel("the task executor closed its heartbeat stream");
        current = null;
      }
    }
  }

  /** Whether no stream will be opened any more: closed, or refused for good by the resource manager. */
  synchronized boolean closedForGood() {
    return closed;
  }

  /** Main thread: opens a stream, unless closed or one is open. */
  private void openNow() {
    synchronized (this) {
      reopen = null;
      if (closed || current != null) {
        return;
      }
      Session session = new Session();
      current = session;
      try {
        session.requests = answering.apply(session.answers);
        channel.reconnectNow();
        stub.openHeartbeatStream(session);
        session.up.onNext(opening);
      } catch (RuntimeException e) {
        LOG.warn("Could not open the heartbeat stream to {}: {}", resourceManager, e.toString());
        session.cancel("the heartbeat stream could not be opened");
        current = null;
        scheduleReopen();
      }
    }
  }

  /** Under the lock: opens the stream again after the backoff. */
  private void scheduleReopen() {
    if (closed || reopen != null) {
      return;
    }
    long delay = backoff.nextDelay().toNanos();
    try {
      reopen = mainThread.schedule(this::openNow, delay);
    } catch (RejectedExecutionException e) {
      closed = true; // the task executor is stopping
    }
  }

  private void onMain(Runnable task) {
    try {
      mainThread.execute(task);
    } catch (RejectedExecutionException e) {
      close();
    }
  }

  /** One stream: the call, and the task executor's handler of its requests. */
  private final class Session implements ClientResponseObserver<OpenHeartbeatStreamRequest, OpenHeartbeatStreamResponse> {
    private ClientCallStreamObserver<OpenHeartbeatStreamRequest> up; // guarded by the outer lock
    /**
     * The sequence numbers of the requests handed to the handler and not answered yet, oldest first: the
     * handler answers each request once, in order, so each answer carries the oldest.
     */
    private final ArrayDeque<Long> unanswered = new ArrayDeque<>(); // guarded by the outer lock
    private StreamObserver<HeartbeatRequest> requests; // transport thread after the start
    private boolean done; // guarded by the outer lock
    private boolean served; // transport thread

    /** Where the handler's answers go: up the stream, while it is this one. */
    final StreamObserver<HeartbeatResponse> answers = new StreamObserver<>() {
      @Override
      public void onNext(HeartbeatResponse answer) {
        synchronized (HeartbeatStreamToResourceManager.this) {
          Long number = unanswered.poll();
          if (!done && up != null && number != null) {
            up.onNext(OpenHeartbeatStreamRequest.newBuilder().setHeartbeat(answer).setSequence(number).build());
          }
        }
      }

      @Override
      public void onError(Throwable t) {
        // The handler refused a request (a fencing token this task executor does not follow, say).
        synchronized (HeartbeatStreamToResourceManager.this) {
          if (!done && up != null) {
            up.onError(t);
          }
        }
      }

      @Override
      public void onCompleted() {
        synchronized (HeartbeatStreamToResourceManager.this) {
          if (!done && up != null) {
            up.onCompleted();
          }
        }
      }
    };

    @Override
    public void beforeStart(ClientCallStreamObserver<OpenHeartbeatStreamRequest> requestStream) {
      up = requestStream;
    }

    @Override
    public void onNext(OpenHeartbeatStreamResponse message) {
      if (!served) {
        served = true;
        synchronized (HeartbeatStreamToResourceManager.this) {
          backoff.reset();
          if (!everServed) {
            everServed = true;
            LOG.info("The resource manager at {} asks for heartbeats on the stream this task executor opened",
                resourceManager);
          }
        }
      }
      synchronized (HeartbeatStreamToResourceManager.this) {
        unanswered.add(message.getSequence());
      }
      requests.onNext(message.getHeartbeat());
    }

    @Override
    public void onError(Throwable t) {
      ended(Status.fromThrowable(t));
      if (requests != null) {
        requests.onError(t);
      }
    }

    @Override
    public void onCompleted() {
      ended(Status.UNAVAILABLE.withDescription("the resource manager ended the heartbeat stream"));
      if (requests != null) {
        requests.onCompleted();
      }
    }

    /** Under the outer lock: ends this stream from this side. */
    void cancel(String why) {
      if (!done) {
        done = true;
        if (up != null) {
          up.cancel(why, null);
        }
      }
    }

    private void ended(Status status) {
      synchronized (HeartbeatStreamToResourceManager.this) {
        done = true;
        if (current != this) {
          return;
        }
        current = null;
        switch (status.getCode()) {
          case FAILED_PRECONDITION, UNIMPLEMENTED, INVALID_ARGUMENT -> {
            LOG.info("The resource manager at {} ended the heartbeat stream for good: {} {}", resourceManager,
                status.getCode(), status.getDescription() == null ? "" : status.getDescription());
            closed = true;
          }
          default -> {
            LOG.debug("The heartbeat stream to {} ended ({}); opening it again", resourceManager, status);
            scheduleReopen();
          }
        }
      }
    }
  }
}
