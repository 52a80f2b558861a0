package dev.pulse.rpc;

import dev.pulse.config.HostPort;
import dev.pulse.heartbeat.AnsweringHeartbeatTarget;
import dev.pulse.heartbeat.HeartbeatAnswer;
import dev.pulse.heartbeat.HeartbeatConfig;
import dev.pulse.heartbeat.HeartbeatRpcException;
import dev.pulse.heartbeat.ResourceId;
import dev.pulse.heartbeat.RpcFailureKind;
import dev.pulse.heartbeat.time.MainThreadExecutor;
import dev.pulse.proto.v1.FencingToken;
import dev.pulse.proto.v1.HeartbeatRequest;
import dev.pulse.proto.v1.HeartbeatResponse;
import dev.pulse.proto.v1.OpenHeartbeatStreamResponse;
import dev.pulse.proto.v1.SlotReport;
import dev.pulse.proto.v1.TaskExecutorGatewayGrpc;
import dev.pulse.proto.v1.TaskExecutorIdentity;
import io.grpc.CallOptions;
import io.grpc.ClientCall;
import io.grpc.Context;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Function;

/**
 * The resource manager's view of one task executor process as a heartbeat target: each heartbeat
 * request is one {@code TaskExecutorGateway.RequestHeartbeat} call.
 *
 * <p>The sender asks through {@link #requestHeartbeat(ResourceId, Void, HeartbeatAnswer)}: an answer
 * from the expected task executor and instance is checked and converted to the owner's payload on the
 * transport thread that received it and reported to the target's {@link HeartbeatAnswer}, which hands
 * it to the main thread in batches; no future and no main-thread task per heartbeat. Other callers use
 * the future-returning {@link #requestHeartbeat(ResourceId, Void)}: its answer goes to the factory's
 * {@link Answers} on the main thread, and then its future completes, so the owner sees the heartbeat
 * before the RPC's success. Failures carry a {@link HeartbeatRpcException} whose kind
 * {@link RpcFailures} chose: unreachable, deadline exceeded, restarted (another instance answered), or
 * other.
 *
 * <p>Each call has a deadline of {@code heartbeat.interval} (at most one {@code CallDeadlines.REUSE}
 * less), so at most one call per target is ever outstanding when the sender asks once per interval.
 * Nothing per call is built that can be built once: the request message (the RM's fencing token and
 * the expected task executor do not change during a target's life), the method's call options (shared
 * by every target of the factory, renewed only for the deadline), and no stub.
 *
 * <p>With {@link HeartbeatTransport#STREAM} the sender's requests go instead as messages on one
 * long-lived {@code HeartbeatStream} per target, opened by the first request and again by the first
 * request after the stream ended. The task executor answers them in order, and the sender asks once per
 * interval, so at most one request is unanswered: the sender fails a request still unanswered when
 * the next one is due as {@link RpcFailureKind#DEADLINE_EXCEEDED} (the interval is its deadline,
 * {@link #senderEndsRequestsAtDeadline}), and the target then cancels its stream, so that the late
 * answer is not taken for the next request's. A stream that fails fails
 * its unanswered request as a unary call with that status would (unreachable when the connection is
 * refused or lost). Requests outside the sender stay unary calls, and so do all requests to a task
 * executor that answers the stream {@code UNIMPLEMENTED} (a version without it).
 *
 * <p>With {@link HeartbeatTransport#INBOUND_STREAM} the target holds no channel at all: the task executor
 * opens {@code ResourceManagerGateway.OpenHeartbeatStream} to the resource manager after it registered, and
 * {@link InboundHeartbeatStreams} hands that stream to the target, whose requests then go down it. The
 * resource manager keeps only the server side of the task executor's connection (about half the heap of a
 * client channel of its own). Each request carries a sequence number and its answer carries it back, so a
 * late answer to a request the sender has already ended is dropped without cancelling anything, and a
 * request that got no answer at all shifts nothing. Until the first stream arrives, requests wait for it
 * (a task executor that never opens one is silent, and the timeout decides). After a stream ended (the
 * task executor's process or connection is gone, or it is opening a new one), each request, and the one
 * waiting on the ended stream, goes as a unary {@code RequestHeartbeat} call to the task executor's
 * gateway until it opens a new stream (the channel for them is leased for that time only): a task executor
 * that is gone is unreachable exactly as when the resource manager dials it, and one that is only
 * reconnecting answers. A newer stream replaces an older one, and a request waiting on the older one is
 * sent again on the newer.
 *
 * <p>Lifecycle: a target holds a lease on the pooled channel to its address (with
 * {@link HeartbeatTransport#INBOUND_STREAM} only while it calls instead of a stream); {@link #close()} it
 * when the task executor is unmonitored. A closed target fails new requests and drops answers still in
 * flight, so a late answer never counts for a later registration of the same task executor.
 *
 * <p>Thread-safe. The core calls it on the RM's main thread; answers arrive on transport threads,
 * where they are checked and handed over without blocking.
 *
 * @param <P> the owner's payload type of a heartbeat, converted from the wire's slot report
 */
public final class GrpcHeartbeatTarget<P> implements AnsweringHeartbeatTarget<Void, P>, AutoCloseable {

  /** A stream's options: answered on the transport thread, like every heartbeat call; no deadline. */
  private static final CallOptions STREAM_OPTIONS = CallOptions.DEFAULT.withExecutor(Runnable::run);

  private final ResourceId taskExecutorId;
  private final String instanceId;
  /** {@code null} with {@link HeartbeatTransport#INBOUND_STREAM}. */
  private final ChannelLease lease;
  private final String address;
  private final HeartbeatRequest request;
  private final CallDeadlines deadlines;
  private final Function<SlotReport, P> payloads;
  private final Answers<P> heartbeats;
  private final MainThreadExecutor mainThread;
  private final String peer;
  private final HeartbeatStream stream;
  private final InboundStream inbound;
  private final InboundHeartbeatStreams inboundStreams;
  /** Where the inbound stream's fallback channel is leased from. */
  private final ChannelPool channels;
  private volatile boolean closed;

  private GrpcHeartbeatTarget(Factory<P> factory, ResourceId taskExecutorId, String instanceId, String address,
      ChannelLease lease) {
    this.taskExecutorId = taskExecutorId;
    this.instanceId = instanceId;
    this.lease = lease;
    this.address = address;
    this.request = HeartbeatRequest.newBuilder()
        .setFencingToken(factory.fencingToken)
        .setTaskExecutor(TaskExecutorIdentity.newBuilder()
            .setResourceId(taskExecutorId.value()).setInstanceId(instanceId))
        .build();
    this.deadlines = factory.deadlines;
    this.payloads = factory.payloads;
    this.heartbeats = factory.heartbeats;
    this.mainThread = factory.mainThread;
    this.peer = "task executor " + taskExecutorId + " at " + address;
    this.stream = factory.transport == HeartbeatTransport.STREAM ? new HeartbeatStream() : null;
    this.inbound = factory.transport == HeartbeatTransport.INBOUND_STREAM ? new InboundStream() : null;
    this.inboundStreams = factory.inboundStreams;
    this.channels = factory.channels;
  }

  /**
   * The sender's path: asks the task executor for a heartbeat and reports the checked, converted
   * answer (or the failure) to {@code answer}, from the transport thread.
   */
  @Override
  public void requestHeartbeat(ResourceId requestOrigin, Void heartbeatPayload, HeartbeatAnswer<P> answer) {
    if (closed) {
      answer.failed(closedFailure());
      return;
    }
    ToAnswer a = new ToAnswer(answer);
    if (inbound != null) {
      inbound.send(a);
    } else if (stream == null) {
      call(a);
    } else if (!stream.unsupported) {
      stream.send(a);
    } else {
      stream.latestUnary = a;
      call(a);
    }
  }

  /**
   * Asks the task executor for a heartbeat outside the sender; the answer goes to the factory's
   * {@link Answers} on the main thread before the future completes.
   */
  @Override
  public CompletableFuture<Void> requestHeartbeat(ResourceId requestOrigin, Void heartbeatPayload) {
    if (closed) {
      return CompletableFuture.failedFuture(closedFailure());
    }
    ToFuture answer = new ToFuture();
    if (inbound != null) {
      inbound.send(answer);
    } else {
      call(answer);
    }
    return answer.future;
  }

  /** With a stream there is no per-request deadline: the sender ends unanswered requests itself. */
  @Override
  public boolean senderEndsRequestsAtDeadline() {
    return stream != null || inbound != null;
  }

  /**
   * Sends the RM's heartbeat to the task executor. In pulse.v1 that is the same call as
   * {@link #requestHeartbeat}: the request is the RM's heartbeat, and its answer the task executor's.
   */
  @Override
  public CompletableFuture<Void> receiveHeartbeat(ResourceId heartbeatOrigin, Void heartbeatPayload) {
    return requestHeartbeat(heartbeatOrigin, heartbeatPayload);
  }

  public ResourceId taskExecutorId() {
    return taskExecutorId;
  }

  public String instanceId() {
    return instanceId;
  }

  public String address() {
    return address;
  }

  /**
   * Releases the channel lease (or ends the task executor's inbound stream); later requests fail and
   * answers in flight are dropped. Idempotent.
   */
  @Override
  public void close() {
    closed = true;
    if (stream != null) {
      stream.cancel("the heartbeat target was closed");
    }
    if (inbound != null) {
      inboundStreams.remove(this);
      inbound.close();
    }
    if (lease != null) {
      lease.close();
    }
  }

  /**
   * Transport thread: a heartbeat stream the task executor opened for this target's registration; its
   * requests go down {@code down} once the returned stream is {@linkplain InboundStream.Attached#start()
   * started}.
   */
  InboundStream.Attached inboundStream(ServerCallStreamObserver<OpenHeartbeatStreamResponse> down) {
    return inbound.stream(down);
  }

  @Override
  public String toString() {
    return "GrpcHeartbeatTarget{" + peer + ", instance " + instanceId + (closed ? ", closed}" : "}");
  }

  private HeartbeatRpcException closedFailure() {
    return new HeartbeatRpcException(RpcFailureKind.OTHER, "heartbeat target for " + peer + " is closed");
  }

  private void call(Answer answer) {
    call(lease, answer);
  }

  private void call(ChannelLease on, Answer answer) {
    try {
      ClientCalls.asyncUnaryCall(on.channel().newCall(TaskExecutorGatewayGrpc.getRequestHeartbeatMethod(),
          deadlines.current()), request, answer);
    } catch (RuntimeException e) {
      answer.onError(e);
    }
  }

  /**
   * What is wrong with an answer, or {@code null} if it is a heartbeat of the expected process. An
   * answer naming exactly the expected ids skips the check of their characters: those were checked
   * when the target was made.
   */
  private HeartbeatRpcException check(HeartbeatResponse response) {
    if (response == null) {
      return new HeartbeatRpcException(RpcFailureKind.OTHER, peer + " answered without a message");
    }
    try {
      TaskExecutorIdentity answered = response.getTaskExecutor();
      boolean expected = response.hasTaskExecutor() && taskExecutorId.value().equals(answered.getResourceId())
          && instanceId.equals(answered.getInstanceId());
      if (!expected) {
        WireValidation.checkIdentity("task_executor", response.hasTaskExecutor(), answered);
        HeartbeatRpcException mismatch = RpcFailures.checkIdentity(taskExecutorId, instanceId, answered, address);
        if (mismatch != null) {
          return mismatch;
        }
      }
      WireValidation.checkSlotReport("slot_report", response.hasSlotReport(), response.getSlotReport());
      return null;
    } catch (StatusRuntimeException e) {
      return new HeartbeatRpcException(RpcFailureKind.OTHER, peer + " sent a malformed heartbeat: "
          + e.getStatus().getDescription());
    }
  }

  /**
   * The target's heartbeat stream (with {@link HeartbeatTransport#STREAM}): the call, if one is open,
   * and the one request sent on it that is not answered yet. The sender sends on the main thread, gRPC
   * answers on a transport thread, and {@link #close()} may come from anywhere: the call and the
   * unanswered request are guarded by this object's lock, and every {@link ClientCall} method is called
   * under it. Answers and failures are passed on outside the lock.
   */
  private final class HeartbeatStream {
    private ClientCall<HeartbeatRequest, HeartbeatResponse> call; // guarded by this
    private Answer unanswered; // guarded by this
    /**
     * The task executor answered {@code UNIMPLEMENTED}: a version without {@code HeartbeatStream}.
     * From then on its heartbeats are unary calls; the sender still ends them at its turn.
     */
    volatile boolean unsupported;
    /**
     * The last unary call made instead of the stream: only its outcome counts, since the sender
     * may have ended an earlier one at its turn and asked again (its late outcome would count for the
     * new request).
     */
    volatile Answer latestUnary;

    /**
     * The sender's request; main thread. A request still unanswered now has been failed by the sender
     * (its deadline was the interval): it is dropped unreported and its stream cancelled, so that its
     * late answer cannot be taken for this request's.
     */
    void send(Answer answer) {
      RuntimeException sendFailure = null;
      ClientCall<HeartbeatRequest, HeartbeatResponse> c;
      synchronized (this) {
        if (unanswered != null) {
          unanswered = null;
          call.cancel("no answer to the previous heartbeat request within the interval", null);
          call = null;
        }
        unanswered = answer;
        if (call == null) {
          open(); // may end the stream at once, failing the answer
        }
        c = call;
        if (c != null) {
          try {
            c.sendMessage(request);
          } catch (RuntimeException e) {
            sendFailure = e;
          }
        }
      }
      if (sendFailure != null) {
        fail(c, sendFailure);
      }
    }

    /** Cancels the open stream, if any, failing its unanswered request. */
    void cancel(String why) {
      Answer a;
      synchronized (this) {
        if (call == null) {
          return;
        }
        call.cancel(why, null);
        call = null;
        a = unanswered;
        unanswered = null;
      }
      if (a != null) {
        a.failed(closedFailure());
      }
    }

    /**
     * Under the lock: opens the stream as {@link #call}. A stream gRPC ends at once (a channel shut
     * down) calls {@link #fail} on this thread before this returns, which clears {@code call} again.
     */
    private void open() {
      ClientCall<HeartbeatRequest, HeartbeatResponse> c = lease.channel().newCall(
          TaskExecutorGatewayGrpc.getHeartbeatStreamMethod(), STREAM_OPTIONS);
      call = c;
      c.start(new ClientCall.Listener<>() {
        @Override
        public void onMessage(HeartbeatResponse response) {
          answered(c, response);
        }

        @Override
        public void onClose(Status status, Metadata trailers) {
          if (status.getCode() == Status.Code.UNIMPLEMENTED) {
            unsupported = true;
          }
          fail(c, status.isOk()
              ? Status.UNKNOWN.withDescription("the task executor ended the heartbeat stream").asRuntimeException()
              : status.asRuntimeException(trailers));
        }
      }, new Metadata());
      // One answer per request and at most one request unanswered: answers nobody asked for are
      // dropped (see answered), so the window need not be metered message by message.
      c.request(Integer.MAX_VALUE);
    }

    /** Transport thread: an answer on stream {@code c}. */
    private void answered(ClientCall<HeartbeatRequest, HeartbeatResponse> c, HeartbeatResponse response) {
      Answer a;
      synchronized (this) {
        if (call != c || unanswered == null) {
          return; // a cancelled stream's, or one nobody asked for
        }
        a = unanswered;
        unanswered = null;
      }
      a.onNext(response);
      a.onCompleted();
    }

    /** Stream {@code c} ended or could not send: its unanswered request fails with {@code failure}. */
    private void fail(ClientCall<HeartbeatRequest, HeartbeatResponse> c, Throwable failure) {
      Answer a;
      synchronized (this) {
        if (call != c) {
          return;
        }
        call = null;
        a = unanswered;
        unanswered = null;
      }
      if (a != null) {
        a.onError(failure);
      }
    }
  }

  /**
   * The stream the task executor opened to the resource manager (with {@link HeartbeatTransport#INBOUND_STREAM}),
   * if one is open, and the one request not answered yet; while no stream is open after one ended, the
   * unary calls made instead. The sender sends on the main thread, the stream arrives and answers on
   * transport threads, and {@link #close()} may come from anywhere: all state is guarded by this object's
   * lock, and every call on a stream's observer is made under it. Answers, failures and calls are passed
   * on outside the lock.
   */
  final class InboundStream {
    /** The request, renumbered per send: one message allocated per heartbeat, nothing else. */
    private final OpenHeartbeatStreamResponse.Builder message = OpenHeartbeatStreamResponse.newBuilder()
        .setHeartbeat(request); // guarded by this
    /** The number of the last request sent down a stream: the unanswered one's, while it is on a stream. */
    private long sequence; // guarded by this
    private Attached current; // guarded by this
    /** Whether a stream ever arrived: before the first, requests wait for it. */
    private boolean everAttached; // guarded by this
    private Answer unanswered; // guarded by this
    /** The stream {@link #unanswered} went down, {@code null} while it waits for one. */
    private Attached unansweredOn; // guarded by this
    private boolean ended; // guarded by this: the target closed
    /**
     * The channel to the task executor's gateway for the unary calls made while no stream is open after
     * one ended; leased on the first such call, released when a stream arrives.
     */
    private ChannelLease fallback; // guarded by this
    /** The last unary call made instead of the stream: only its outcome counts (see {@link Answer#viaUnary}). */
    volatile Answer latestUnary;

    /** One stream the task executor opened. */
    final class Attached {
      private final ServerCallStreamObserver<OpenHeartbeatStreamResponse> down;

      private Attached(ServerCallStreamObserver<OpenHeartbeatStreamResponse> down) {
        this.down = down;
      }

      /**
       * Makes this the target's stream, ending an older one, and sends a request that waits (or that
       * went down the older one) down this one.
       *
       * @return false if the target is closed: the caller ends the stream
       */
      boolean start() {
        synchronized (InboundStream.this) {
          if (ended) {
            return false;
          }
          Attached old = current;
          current = this;
          everAttached = true;
          if (unanswered != null && !unanswered.viaUnary) {
            sendOn(this); // a request asked by a unary call is left to that call
          }
          if (old != null) {
            old.down.onError(Status.CANCELLED.withDescription("a newer heartbeat stream of this registration"
                + " replaced this one").asRuntimeException());
          }
          return true;
        }
      }

      /** Transport thread: an answer on this stream, to the request numbered {@code number}. */
      void answered(long number, HeartbeatResponse response) {
        Answer a;
        synchronized (InboundStream.this) {
          if (current != this) {
            return;
          }
          if (unanswered == null || unansweredOn != this || number != sequence) {
            return; // the late answer to a request the sender ended, or one nobody asked for
          }
          a = unanswered;
          unanswered = null;
          unansweredOn = null;
        }
        a.onNext(response);
        a.onCompleted();
      }

      /**
       * Transport thread: the stream ended (the task executor cancelled it, its connection broke, or it
       * half-closed, when {@code completeDown} completes our half too). A request waiting on it is asked
       * again by a unary call, as every request is until the task executor opens a new stream.
       */
      void ended(boolean completeDown) {
        Answer a = null;
        synchronized (InboundStream.this) {
          if (current != this) {
            return;
          }
          current = null;
          if (unansweredOn == this) {
            a = unanswered;
            unansweredOn = null;
          }
          if (completeDown && !down.isCancelled()) {
            down.onCompleted();
          }
        }
        if (a != null) {
          callInstead(a);
        }
      }
    }

    /**
     * Main thread: the sender's request (or another caller's). An unanswered one was ended by the sender.
     * Goes down the open stream; waits for the first one; and while none is open after one ended, goes as
     * a unary call to the task executor's gateway, so that a task executor that is gone is unreachable
     * exactly as when the resource manager dials it, and one that is opening its stream again is not.
     */
    void send(Answer answer) {
      boolean unary = false;
      boolean closedNow = false;
      ChannelLease release = null;
      synchronized (this) {
        unanswered = null;
        unansweredOn = null;
        if (ended) {
          closedNow = true;
        } else {
          unanswered = answer;
          if (current != null) {
            sendOn(current);
            // Back on a stream: a unary call made before (ended by the sender by now) no longer counts, and
            // the channel for them goes.
            latestUnary = null;
            release = fallback;
            fallback = null;
          } else {
            unary = everAttached;
          }
        }
      }
      if (release != null) {
        release.close();
      }
      if (closedNow) {
        answer.failed(closedFailure());
      } else if (unary) {
        callInstead(answer);
      }
    }

    /** Under the lock: sends the unanswered request down {@code a}, with the next sequence number. */
    private void sendOn(Attached a) {
      try {
        a.down.onNext(message.setSequence(++sequence).build());
        unansweredOn = a;
      } catch (RuntimeException e) {
        // The call closed in between (the task executor cancelled it): its end follows shortly and asks
        // again by a unary call; until then the request waits.
        unansweredOn = null;
      }
    }

    /** Asks by a unary call what would have gone down the stream. */
    private void callInstead(Answer answer) {
      ChannelLease lease;
      synchronized (this) {
        if (ended || unanswered != answer) {
          return; // closed, or the sender has asked again meanwhile
        }
        if (fallback == null) {
          fallback = channels.acquire(address);
        }
        lease = fallback;
        answer.viaUnary = true;
        latestUnary = answer;
      }
      // Not in the context of the task executor's stream, which may be the one just cancelled: a call made
      // in a cancelled context is cancelled at once.
      Context.ROOT.run(() -> call(lease, answer));
    }

    /** A stream the task executor opened for this target; {@link Attached#start()} makes it current. */
    Attached stream(ServerCallStreamObserver<OpenHeartbeatStreamResponse> down) {
      return new Attached(down);
    }

    /** Ends the open stream, if any, releases the fallback channel and fails a waiting request. */
    void close() {
      Answer a;
      ChannelLease release;
      synchronized (this) {
        ended = true;
        if (current != null) {
          if (!current.down.isCancelled()) {
            current.down.onError(Status.FAILED_PRECONDITION.withDescription("the resource manager no longer"
                + " monitors this registration").asRuntimeException());
          }
          current = null;
        }
        a = unanswered;
        unanswered = null;
        unansweredOn = null;
        release = fallback;
        fallback = null;
      }
      if (release != null) {
        release.close();
      }
      if (a != null) {
        a.failed(closedFailure());
      }
    }
  }

  /**
   * One call's observer: checks the answer and passes on the converted payload or the failure. gRPC
   * calls it on one transport thread at a time, so its fields need no synchronization.
   */
  private abstract class Answer implements StreamObserver<HeartbeatResponse> {
    private HeartbeatResponse response;
    /**
     * Made as a unary call instead of the task executor's own stream (set before the call starts): its
     * outcome counts only while it is the latest such call and no stream arrived since.
     */
    volatile boolean viaUnary;

    /** A checked heartbeat of the expected process; transport thread. */
    abstract void heartbeat(P payload);

    abstract void failed(HeartbeatRpcException failure);

    @Override
    public void onNext(HeartbeatResponse value) {
      response = value;
    }

    @Override
    public void onError(Throwable t) {
      failed(RpcFailures.classify(t, peer));
    }

    @Override
    public void onCompleted() {
      HeartbeatRpcException problem = check(response);
      if (problem != null) {
        failed(problem);
      } else if (closed) {
        failed(closedFailure());
      } else {
        P payload;
        try {
          payload = payloads.apply(response.getSlotReport());
        } catch (RuntimeException e) {
          failed(new HeartbeatRpcException(RpcFailureKind.OTHER, "the heartbeat of " + peer
              + " could not be converted: " + e, e));
          return;
        }
        heartbeat(payload);
      }
    }
  }

  /** The sender's path: straight to the target's answer line. */
  private final class ToAnswer extends Answer {
    private final HeartbeatAnswer<P> answer;

    ToAnswer(HeartbeatAnswer<P> answer) {
      this.answer = answer;
    }

    @Override
    void heartbeat(P payload) {
      if (current()) {
        answer.heartbeat(payload);
      }
    }

    @Override
    void failed(HeartbeatRpcException failure) {
      if (current()) {
        answer.failed(failure);
      }
    }

    /** False for a unary call made instead of the stream after a newer one was made. */
    private boolean current() {
      if (inbound != null) {
        return !viaUnary || inbound.latestUnary == this;
      }
      return stream == null || !stream.unsupported || stream.latestUnary == this || stream.latestUnary == null;
    }
  }

  /** Other callers' path: the heartbeat to {@link Answers} on the main thread, then the future. */
  private final class ToFuture extends Answer {
    final CompletableFuture<Void> future = new CompletableFuture<>();

    @Override
    void heartbeat(P payload) {
      try {
        mainThread.execute(() -> {
          try {
            if (!closed) {
              heartbeats.answered(taskExecutorId, payload);
            }
          } finally {
            future.complete(null);
          }
        });
      } catch (RejectedExecutionException e) {
        future.completeExceptionally(new HeartbeatRpcException(RpcFailureKind.OTHER,
            "heartbeat from " + peer + " dropped: the resource manager's main thread has stopped", e));
      }
    }

    @Override
    void failed(HeartbeatRpcException failure) {
      future.completeExceptionally(failure);
    }
  }

  /**
   * Where the answers to {@link #requestHeartbeat(ResourceId, Void)} go, on the main thread, before
   * the request's future completes: the heartbeat manager's {@code receiveHeartbeat}, for example.
   */
  @FunctionalInterface
  public interface Answers<P> {
    void answered(ResourceId taskExecutor, P payload);
  }

  /**
   * Makes the targets of one resource manager: its channel pool, its fencing token, where answered
   * heartbeats go and on which thread. Thread-safe and immutable.
   */
  public static final class Factory<P> {
    private final ChannelPool channels;
    private final FencingToken fencingToken;
    private final CallDeadlines deadlines;
    private final Function<SlotReport, P> payloads;
    private final Answers<P> heartbeats;
    private final MainThreadExecutor mainThread;
    private final HeartbeatTransport transport;
    private final InboundHeartbeatStreams inboundStreams;

    /** Targets that send each heartbeat as a unary call ({@link HeartbeatTransport#UNARY}). */
    public Factory(ChannelPool channels, FencingToken fencingToken, HeartbeatConfig heartbeatConfig,
        Function<SlotReport, P> payloads, Answers<P> heartbeats, MainThreadExecutor mainThread) {
      this(channels, fencingToken, heartbeatConfig, payloads, heartbeats, mainThread, HeartbeatTransport.UNARY);
    }

    /**
     * @param channels the pool the targets lease their channels from
     * @param fencingToken the RM's id and leader epoch, sent with every request
     * @param heartbeatConfig the RM's heartbeat settings; each call's deadline is the interval
     * @param payloads turns an answer's checked slot report into the owner's payload, on the transport
     *     thread (thread-safe, no blocking); a conversion that throws fails the request as other
     * @param heartbeats where the answers of requests outside the sender go (e.g. the RM's heartbeat
     *     manager's {@code receiveHeartbeat})
     * @param mainThread the executor {@code heartbeats} is confined to
     * @param transport how the sender's requests travel; not {@link HeartbeatTransport#INBOUND_STREAM},
     *     which needs the streams' registry (the other constructor)
     * @throws IllegalArgumentException if the fencing token is malformed
     */
    public Factory(ChannelPool channels, FencingToken fencingToken, HeartbeatConfig heartbeatConfig,
        Function<SlotReport, P> payloads, Answers<P> heartbeats, MainThreadExecutor mainThread,
        HeartbeatTransport transport) {
      this(channels, fencingToken, heartbeatConfig, payloads, heartbeats, mainThread, transport, null);
    }

    /**
     * As the constructor above; with {@link HeartbeatTransport#INBOUND_STREAM}, {@code inboundStreams} is
     * where the task executors' streams arrive (the one the resource manager's {@code OpenHeartbeatStream}
     * service hands them to), and the targets lease no channel.
     *
     * @throws IllegalArgumentException if the fencing token is malformed, or if {@code transport} is
     *     {@link HeartbeatTransport#INBOUND_STREAM} and {@code inboundStreams} is {@code null}
     */
    public Factory(ChannelPool channels, FencingToken fencingToken, HeartbeatConfig heartbeatConfig,
        Function<SlotReport, P> payloads, Answers<P> heartbeats, MainThreadExecutor mainThread,
        HeartbeatTransport transport, InboundHeartbeatStreams inboundStreams) {
      this.transport = Objects.requireNonNull(transport, "transport");
      if (transport == HeartbeatTransport.INBOUND_STREAM && inboundStreams == null) {
        throw new IllegalArgumentException("the inbound-stream transport needs the registry its streams arrive at");
      }
      this.inboundStreams = inboundStreams;
      this.channels = Objects.requireNonNull(channels, "channels");
      this.fencingToken = Objects.requireNonNull(fencingToken, "fencingToken");
      this.deadlines = new CallDeadlines(heartbeatConfig.interval());
      this.payloads = Objects.requireNonNull(payloads, "payloads");
      this.heartbeats = Objects.requireNonNull(heartbeats, "heartbeats");
      this.mainThread = Objects.requireNonNull(mainThread, "mainThread");
      try {
        WireValidation.checkFencingToken("fencingToken", true, fencingToken);
      } catch (StatusRuntimeException e) {
        throw new IllegalArgumentException(e.getStatus().getDescription(), e);
      }
    }

    /**
     * A target for one task executor process, holding a lease on the channel to {@code address}
     * until it is closed (with {@link HeartbeatTransport#INBOUND_STREAM}: registered for its task
     * executor's stream instead, replacing an earlier target of the same resource id).
     *
     * @param taskExecutorId the task executor's resource id
     * @param instanceId the instance id it registered with; an answer from another instance fails as
     *     {@link RpcFailureKind#RESTARTED}
     * @param address {@code host:port} of its {@code TaskExecutorGateway}
     * @throws IllegalArgumentException if {@code instanceId} or {@code address} is malformed
     */
    public GrpcHeartbeatTarget<P> create(ResourceId taskExecutorId, String instanceId, String address) {
      Objects.requireNonNull(taskExecutorId, "taskExecutorId");
      String problem = ResourceId.validate(instanceId);
      if (problem != null) {
        throw new IllegalArgumentException("invalid instance id: " + problem);
      }
      if (transport == HeartbeatTransport.INBOUND_STREAM) {
        String addressProblem = HostPort.problem(address);
        if (addressProblem != null) {
          throw new IllegalArgumentException("address " + addressProblem);
        }
        GrpcHeartbeatTarget<P> target = new GrpcHeartbeatTarget<>(this, taskExecutorId, instanceId, address, null);
        inboundStreams.add(target);
        return target;
      }
      ChannelLease lease = channels.acquire(address);
      return new GrpcHeartbeatTarget<>(this, taskExecutorId, instanceId, address, lease);
    }
  }
}
