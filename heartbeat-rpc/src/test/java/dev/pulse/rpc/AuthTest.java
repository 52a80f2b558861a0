package dev.pulse.rpc;

import static dev.pulse.rpc.GrpcHeartbeatTargetTest.failureOf;
import static org.assertj.core.api.Assertions.assertThat;

import dev.pulse.heartbeat.HeartbeatConfig;
import dev.pulse.heartbeat.HeartbeatRpcException;
import dev.pulse.heartbeat.ResourceId;
import dev.pulse.heartbeat.RpcFailureKind;
import dev.pulse.proto.v1.ResourceManagerGatewayGrpc;
import dev.pulse.proto.v1.SlotPoolGrpc;
import dev.pulse.proto.v1.TaskExecutorGatewayGrpc;
import io.grpc.Channel;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerServiceDefinition;
import io.grpc.ServiceDescriptor;
import io.grpc.Status;
import io.grpc.stub.ServerCalls;
import io.grpc.stub.StreamObserver;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The shared-secret token on every method of every pulse.v1 service. The services behind the token
 * are stubs that answer every call with OK, so any refusal comes from the token check.
 */
class AuthTest {

  private static final List<ServiceDescriptor> SERVICES = List.of(
      TaskExecutorGatewayGrpc.getServiceDescriptor(),
      ResourceManagerGatewayGrpc.getServiceDescriptor(),
      SlotPoolGrpc.getServiceDescriptor());

  @TempDir
  Path dir;

  private final Closer closer = new Closer();

  @AfterEach
  void closeAll() {
    closer.close();
  }

  @Test
  void everyMethod_withoutToken_unauthenticated() throws Exception {
    String address = startServer(token("server-token-0123456789"));

    Map<String, Status> outcomes = callEveryMethod(address, RpcSecurityConfig.NONE);

    assertThat(outcomes).hasSize(12).allSatisfy((method, status) -> {
      assertThat(status.getCode()).as(method).isEqualTo(Status.Code.UNAUTHENTICATED);
      assertThat(status.getDescription()).as(method).isEqualTo(AuthInterceptor.MISSING)
          .contains("security.auth.token-file");
    });
  }

  @Test
  void everyMethod_wrongToken_unauthenticated() throws Exception {
    String address = startServer(token("server-token-0123456789"));

    Map<String, Status> outcomes = callEveryMethod(address, token("client-token-0123456789"));

    assertThat(outcomes).hasSize(12).allSatisfy((method, status) -> {
      assertThat(status.getCode()).as(method).isEqualTo(Status.Code.UNAUTHENTICATED);
      assertThat(status.getDescription()).as(method).isEqualTo(AuthInterceptor.WRONG);
    });
  }

  @Test
  void everyMethod_rightToken_reachesService() throws Exception {
    String address = startServer(token("server-token-0123456789"));

    Map<String, Status> outcomes = callEveryMethod(address, token("server-token-0123456789"));

    assertThat(outcomes).hasSize(12).allSatisfy((method, status) ->
        assertThat(status.getCode()).as(method).isEqualTo(Status.Code.OK));
  }

  @Test
  void heartbeat_tokenMismatch_failsAsOtherAndMatchingTokenSucceeds() throws Exception {
    HeartbeatConfig config = HeartbeatConfig.of(Duration.ofSeconds(2), Duration.ofSeconds(30));
    TeSide te = closer.register(new TeSide("te-1", "instance-a", config,
        RpcConfig.of(token("cluster-token-0123456789")), 0));
    RmSide stranger = closer.register(new RmSide(config, RpcConfig.of(token("other-token-0123456789"))));
    RmSide member = closer.register(new RmSide(config, RpcConfig.of(token("cluster-token-0123456789"))));

    HeartbeatRpcException refused = failureOf(stranger.requestOnce(ResourceId.of("te-1"), "instance-a", te.address()));
    assertThat(refused.kind()).isEqualTo(RpcFailureKind.OTHER);
    assertThat(refused.getMessage()).contains("UNAUTHENTICATED", "security.auth.token-file");
    assertThat(te.lastHeartbeatFromRm()).isZero();

    member.requestOnce(ResourceId.of("te-1"), "instance-a", te.address()).get(10, TimeUnit.SECONDS);
    assertThat(te.lastHeartbeatFromRm()).isPositive();
  }

  @Test
  void serverInterceptor_runsBeforeTheTokenCheck_onEveryMethod() throws Exception {
    RpcTransport transport = closer.register(RpcTransport.create(RpcConfig.of(token("server-token-0123456789")),
        "server", 1));
    List<String> seen = new CopyOnWriteArrayList<>();
    RpcServer.Builder builder = RpcServer.builder(transport, new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))
        .intercept(new ServerInterceptor() {
          @Override
          public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call,
              Metadata headers, ServerCallHandler<Q, R> next) {
            seen.add(call.getMethodDescriptor().getFullMethodName());
            return next.startCall(call, headers);
          }
        });
    SERVICES.forEach(service -> builder.addService(answeringOk(service)));
    String address = "127.0.0.1:" + closer.register(builder.start()).port();

    Map<String, Status> outcomes = callEveryMethod(address, RpcSecurityConfig.NONE);

    assertThat(outcomes.values()).allMatch(status -> status.getCode() == Status.Code.UNAUTHENTICATED);
    assertThat(seen).containsExactlyElementsOf(outcomes.keySet());
  }

  private RpcSecurityConfig token(String secret) throws Exception {
    Path file = Files.writeString(dir.resolve(secret + ".token"), secret + "\n");
    return RpcSecurityConfig.NONE.withTokenFile(file);
  }

  private String startServer(RpcSecurityConfig security) {
    RpcTransport transport = closer.register(RpcTransport.create(RpcConfig.of(security), "server", 1));
    RpcServer.Builder builder = RpcServer.builder(transport, new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
    SERVICES.forEach(service -> builder.addService(answeringOk(service)));
    return "127.0.0.1:" + closer.register(builder.start()).port();
  }

  /** Calls each method of each service once with an empty request; method name -> final status. */
  private Map<String, Status> callEveryMethod(String address, RpcSecurityConfig security) {
    RpcTransport transport = closer.register(RpcTransport.create(RpcConfig.of(security), "client", 1));
    ChannelPool channels = closer.register(new ChannelPool(transport));
    Channel channel = closer.register(channels.acquire(address)).channel();
    Map<String, Status> outcomes = new LinkedHashMap<>();
    SERVICES.stream().flatMap(s -> s.getMethods().stream())
        .forEach(method -> outcomes.put(method.getFullMethodName(), call(channel, method)));
    return outcomes;
  }

  /**
   * Calls {@code method} with its empty request (no bytes on the wire): unary, or one message and a
   * half-close on a stream; the status it ends with.
   */
  private static Status call(Channel channel, MethodDescriptor<?, ?> method) {
    try {
      return method.getType() == MethodDescriptor.MethodType.UNARY
          ? RawCalls.unary(channel, method, new byte[0])
          : RawCalls.sending(channel, method, List.of(new byte[0]));
    } catch (Exception e) {
      throw new AssertionError(method.getFullMethodName() + " did not end", e);
    }
  }

  /** A service that answers every call (every request of a stream) with one empty response. */
  private static ServerServiceDefinition answeringOk(ServiceDescriptor service) {
    ServerServiceDefinition.Builder builder = ServerServiceDefinition.builder(service);
    service.getMethods().forEach(method -> addAnsweringOk(builder, method));
    return builder.build();
  }

  private static <Q, R> void addAnsweringOk(ServerServiceDefinition.Builder builder, MethodDescriptor<Q, R> method) {
    R response = prototype(method.getResponseMarshaller());
    ServerCalls.UnaryMethod<Q, R> answer = (request, observer) -> {
      observer.onNext(response);
      observer.onCompleted();
    };
    builder.addMethod(method, switch (method.getType()) {
      case UNARY -> ServerCalls.asyncUnaryCall(answer);
      case SERVER_STREAMING -> ServerCalls.asyncServerStreamingCall(answer::invoke);
      default -> ServerCalls.<Q, R>asyncBidiStreamingCall(observer -> new StreamObserver<Q>() {
        @Override
        public void onNext(Q request) {
          observer.onNext(response);
        }

        @Override
        public void onError(Throwable t) {}

        @Override
        public void onCompleted() {
          observer.onCompleted();
        }
      });
    });
  }

  @SuppressWarnings("unchecked")
  private static <T> T prototype(MethodDescriptor.Marshaller<T> marshaller) {
    return ((MethodDescriptor.PrototypeMarshaller<T>) marshaller).getMessagePrototype();
  }
}
