package dev.pulse.rpc;

import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ClientCalls;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Calls a gRPC method with arbitrary request bytes, as a broken or hostile client would: the method's
 * name with a {@code byte[]} marshaller, so nothing checks the bytes before the server does. Shipped in
 * heartbeat-rpc's test-jar for the fuzz and malformed-request tests of every module. Stateless and
 * thread-safe.
 */
public final class RawCalls {

  private RawCalls() {}

  /** {@code method}'s name and type with raw bytes for request and response. */
  public static MethodDescriptor<byte[], byte[]> raw(MethodDescriptor<?, ?> method) {
    return method.toBuilder(BYTES, BYTES).build();
  }

  /** The status a unary call with {@code request} ends with, {@code OK} if it succeeded. */
  public static Status unary(Channel channel, MethodDescriptor<?, ?> method, byte[] request) {
    try {
      ClientCalls.blockingUnaryCall(channel, raw(method), CallOptions.DEFAULT.withDeadlineAfter(10, TimeUnit.SECONDS),
          request);
      return Status.OK;
    } catch (StatusRuntimeException e) {
      return e.getStatus();
    }
  }

  /** The status a call that sends {@code messages} (possibly none) and then half-closes ends with. */
  public static Status sending(Channel channel, MethodDescriptor<?, ?> method, List<byte[]> messages) throws Exception {
    ClientCall<byte[], byte[]> call = channel.newCall(raw(method),
        CallOptions.DEFAULT.withDeadlineAfter(10, TimeUnit.SECONDS));
    CompletableFuture<Status> closed = new CompletableFuture<>();
    call.start(new ClientCall.Listener<>() {
      @Override
      public void onClose(Status status, Metadata trailers) {
        closed.complete(status);
      }
    }, new Metadata());
    call.request(Integer.MAX_VALUE);
    messages.forEach(call::sendMessage);
    call.halfClose();
    return closed.get(20, TimeUnit.SECONDS);
  }

  private static final MethodDescriptor.Marshaller<byte[]> BYTES = new MethodDescriptor.Marshaller<>() {
    @Override
    public InputStream stream(byte[] value) {
      return new ByteArrayInputStream(value);
    }

    @Override
    public byte[] parse(InputStream stream) {
      try {
        return stream.readAllBytes();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  };
}
