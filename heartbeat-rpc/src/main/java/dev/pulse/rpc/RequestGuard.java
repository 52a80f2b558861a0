package dev.pulse.rpc;

import dev.pulse.config.Echo;
import io.grpc.Attributes;
import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor.Marshaller;
import io.grpc.MethodDescriptor;
import io.grpc.SecurityLevel;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerMethodDefinition;
import io.grpc.ServerServiceDefinition;
import io.grpc.ServiceDescriptor;
import io.grpc.Status;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Puts every method of a service behind a request marshaller that cannot throw, so that a malformed
 * request is answered {@code INVALID_ARGUMENT} with a one-line description and costs one counter
 * increment in the {@link RefusalLog}.
 *
 * <p>Why: grpc-java parses a request on the call's executor; when the marshaller throws (bytes that are
 * not the request message), it closes the call with {@code UNKNOWN} "Application error processing RPC"
 * whatever the exception, and then logs the exception with its stack trace for every such message.
 * Here the parse failure becomes a value that the guard answers itself; the service never sees it.
 * The guard also refuses, with {@code INVALID_ARGUMENT}, a call that carries no request message or
 * more than one for a method that takes exactly one (gRPC would answer those {@code INTERNAL}).
 *
 * <p>Every call of a guarded service closes through the guard, which counts each
 * {@code INVALID_ARGUMENT} (the service's own validation refusals too) in the {@link RefusalLog} and
 * {@linkplain Echo#cut cuts} any description longer than {@value #MAX_DESCRIPTION} characters, so that
 * trailers always fit.
 *
 * <p>Stateless; each call's state is confined to that call, whose listener gRPC calls serially.
 */
final class RequestGuard {

  /** Longest status description a guarded call sends. */
  static final int MAX_DESCRIPTION = 1024;

  private RequestGuard() {}

  /**
   * {@code service} with the same methods, names and schema, each behind the guard.
   *
   * @param refusals where refused calls are counted and, rate-limited, logged
   */
  static ServerServiceDefinition guard(ServerServiceDefinition service, RefusalLog refusals) {
    ServiceDescriptor original = service.getServiceDescriptor();
    List<ServerMethodDefinition<?, ?>> guarded = new ArrayList<>();
    ServiceDescriptor.Builder descriptor = ServiceDescriptor.newBuilder(original.getName())
        .setSchemaDescriptor(original.getSchemaDescriptor());
    for (ServerMethodDefinition<?, ?> method : service.getMethods()) {
      ServerMethodDefinition<?, ?> g = guard(method, refusals);
      guarded.add(g);
      descriptor.addMethod(g.getMethodDescriptor());
    }
    ServerServiceDefinition.Builder builder = ServerServiceDefinition.builder(descriptor.build());
    guarded.forEach(builder::addMethod);
    return builder.build();
  }

  private static <Q, R> ServerMethodDefinition<Parsed<Q>, R> guard(ServerMethodDefinition<Q, R> definition,
      RefusalLog refusals) {
    MethodDescriptor<Q, R> method = definition.getMethodDescriptor();
    MethodDescriptor<Parsed<Q>, R> lenient = method.toBuilder(
        new LenientMarshaller<>(method.getRequestMarshaller()), method.getResponseMarshaller()).build();
    ServerCallHandler<Q, R> handler = definition.getServerCallHandler();
    return ServerMethodDefinition.create(lenient, (call, headers) -> {
      GuardedCall<Q, R> guardedCall = new GuardedCall<>(call, method, refusals);
      return new GuardedListener<>(guardedCall, handler.startCall(guardedCall, headers));
    });
  }

  /** A request as parsed: the message, or why the bytes are not one. */
  static final class Parsed<T> {
    final T message;
    final String problem;

    private Parsed(T message, String problem) {
      this.message = message;
      this.problem = problem;
    }
  }

  /** Never throws on parse: a failure becomes a {@link Parsed} with a problem. Used on servers only. */
  private static final class LenientMarshaller<T> implements Marshaller<Parsed<T>> {
    private final Marshaller<T> delegate;

    LenientMarshaller(Marshaller<T> delegate) {
      this.delegate = delegate;
    }

    @Override
    public InputStream stream(Parsed<T> value) {
      return delegate.stream(value.message);
    }

    @Override
    public Parsed<T> parse(InputStream stream) {
      try {
        return new Parsed<>(delegate.parse(stream), null);
      } catch (RuntimeException e) {
        return new Parsed<>(null, rootMessage(e));
      }
    }

    /** Protobuf's own words (e.g. "Protocol message had invalid UTF-8."), not gRPC's wrapper's. */
    private static String rootMessage(Throwable t) {
      Throwable root = t;
      while (root.getCause() != null && root.getCause() != root) {
        root = root.getCause();
      }
      return root.getMessage() == null ? root.getClass().getSimpleName() : root.getMessage();
    }
  }

  /**
   * The call as the service sees it: its original method descriptor, and a {@code close} that counts
   * refusals, cuts long descriptions and happens once.
   */
  private static final class GuardedCall<Q, R> extends ServerCall<Q, R> {
    private final ServerCall<Parsed<Q>, R> delegate;
    private final MethodDescriptor<Q, R> method;
    private final RefusalLog refusals;
    private final AtomicBoolean closed = new AtomicBoolean();

    GuardedCall(ServerCall<Parsed<Q>, R> delegate, MethodDescriptor<Q, R> method, RefusalLog refusals) {
      this.delegate = delegate;
      this.method = method;
      this.refusals = refusals;
    }

    /** Refuses the call with {@code INVALID_ARGUMENT}, unless it is closed already. */
    void refuse(String description) {
      close(Status.INVALID_ARGUMENT.withDescription(description), new Metadata());
    }

    boolean isClosed() {
      return closed.get();
    }

    @Override
    public void close(Status status, Metadata trailers) {
      if (!closed.compareAndSet(false, true)) {
        return; // the guard refused the call first; the service's late answer has nowhere to go
      }
      String description = status.getDescription();
      if (description != null && description.length() > MAX_DESCRIPTION) {
        status = status.withDescription(Echo.cut(description, MAX_DESCRIPTION));
      }
      if (status.getCode() == Status.Code.INVALID_ARGUMENT) {
        refusals.refused(method.getFullMethodName(), delegate.getAttributes().get(Grpc.TRANSPORT_ATTR_REMOTE_ADDR),
            status.getDescription());
      }
      delegate.close(status, trailers);
    }

    @Override
    public MethodDescriptor<Q, R> getMethodDescriptor() {
      return method;
    }

    @Override
    public void request(int numMessages) {
      delegate.request(numMessages);
    }

    @Override
    public void sendHeaders(Metadata headers) {
      delegate.sendHeaders(headers);
    }

    @Override
    public void sendMessage(R message) {
      delegate.sendMessage(message);
    }

    @Override
    public boolean isReady() {
      return delegate.isReady();
    }

    @Override
    public void setOnReadyThreshold(int numBytes) {
      delegate.setOnReadyThreshold(numBytes);
    }

    @Override
    public boolean isCancelled() {
      return delegate.isCancelled();
    }

    @Override
    public void setMessageCompression(boolean enabled) {
      delegate.setMessageCompression(enabled);
    }

    @Override
    public void setCompression(String compressor) {
      delegate.setCompression(compressor);
    }

    @Override
    public SecurityLevel getSecurityLevel() {
      return delegate.getSecurityLevel();
    }

    @Override
    public Attributes getAttributes() {
      return delegate.getAttributes();
    }

    @Override
    public String getAuthority() {
      return delegate.getAuthority();
    }
  }

  /**
   * Hands well-formed requests to the service's listener; refuses the call on a malformed one, a
   * missing one or one too many, after which the service hears only that the call ended.
   */
  private static final class GuardedListener<Q, R> extends ServerCall.Listener<Parsed<Q>> {
    private final GuardedCall<Q, R> call;
    private final ServerCall.Listener<Q> delegate;
    private final boolean singleRequest;
    private int messages;

    GuardedListener(GuardedCall<Q, R> call, ServerCall.Listener<Q> delegate) {
      this.call = call;
      this.delegate = delegate;
      this.singleRequest = call.getMethodDescriptor().getType().clientSendsOneMessage();
    }

    @Override
    public void onMessage(Parsed<Q> request) {
      if (call.isClosed()) {
        return;
      }
      messages++;
      if (request.problem != null) {
        call.refuse("the request is not a valid " + messageName() + ": " + Echo.cut(request.problem, 200));
      } else if (singleRequest && messages > 1) {
        call.refuse(call.getMethodDescriptor().getBareMethodName() + " takes one request message; the call sent more");
      } else {
        delegate.onMessage(request.message);
      }
    }

    @Override
    public void onHalfClose() {
      if (call.isClosed()) {
        return;
      }
      if (singleRequest && messages == 0) {
        call.refuse(call.getMethodDescriptor().getBareMethodName() + " takes one request message; the call sent none");
        return;
      }
      delegate.onHalfClose();
    }

    @Override
    public void onReady() {
      if (!call.isClosed()) {
        delegate.onReady();
      }
    }

    @Override
    public void onCancel() {
      delegate.onCancel();
    }

    @Override
    public void onComplete() {
      delegate.onComplete();
    }

    private String messageName() {
      if (call.getMethodDescriptor().getRequestMarshaller() instanceof MethodDescriptor.ReflectableMarshaller<?> r) {
        return r.getMessageClass().getSimpleName();
      }
      return "request message";
    }
  }
}
