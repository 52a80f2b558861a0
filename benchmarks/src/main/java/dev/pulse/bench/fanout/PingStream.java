package dev.pulse.bench.fanout;

import dev.pulse.proto.v1.HeartbeatRequest;
import dev.pulse.proto.v1.HeartbeatResponse;
import io.grpc.MethodDescriptor;
import io.grpc.ServerServiceDefinition;
import io.grpc.protobuf.ProtoUtils;
import io.grpc.stub.ServerCalls;
import io.grpc.stub.StreamObserver;

/**
 * The bare streaming baseline's method, defined here and not in {@code proto/}: one long-lived
 * bidirectional stream per endpoint carrying the heartbeat messages, each request answered at once with
 * a prebuilt response on the transport thread. It measures what a heartbeat costs on a stream that is
 * already open (no per-call headers, no per-call deadline timer), next to {@link PingDriver}'s unary
 * calls; Pulse's wire protocol has no such method.
 */
final class PingStream {

  static final MethodDescriptor<HeartbeatRequest, HeartbeatResponse> METHOD =
      MethodDescriptor.<HeartbeatRequest, HeartbeatResponse>newBuilder()
          .setType(MethodDescriptor.MethodType.BIDI_STREAMING)
          .setFullMethodName(MethodDescriptor.generateFullMethodName("pulse.bench.PingStream", "Heartbeats"))
          .setRequestMarshaller(ProtoUtils.marshaller(HeartbeatRequest.getDefaultInstance()))
          .setResponseMarshaller(ProtoUtils.marshaller(HeartbeatResponse.getDefaultInstance()))
          .build();

  private PingStream() {}

  /** The farm side: answers every request on the stream with {@code response}. */
  static ServerServiceDefinition service(HeartbeatResponse response) {
    return ServerServiceDefinition.builder("pulse.bench.PingStream")
        .addMethod(METHOD, ServerCalls.asyncBidiStreamingCall(answers -> new StreamObserver<HeartbeatRequest>() {
          @Override
          public void onNext(HeartbeatRequest request) {
            answers.onNext(response);
          }

          @Override
          public void onError(Throwable t) {}

          @Override
          public void onCompleted() {
            answers.onCompleted();
          }
        }))
        .build();
  }
}
