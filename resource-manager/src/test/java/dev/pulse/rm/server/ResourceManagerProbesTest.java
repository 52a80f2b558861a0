package dev.pulse.rm.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.awaitility.Awaitility.await;

import dev.pulse.config.Settings;
import dev.pulse.heartbeat.time.ScheduledMainThreadExecutor;
import dev.pulse.proto.v1.RegisterTaskExecutorRequest;
import dev.pulse.proto.v1.ResourceManagerGatewayGrpc;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.reflection.v1.ServerReflectionGrpc;
import io.grpc.reflection.v1.ServerReflectionRequest;
import io.grpc.reflection.v1.ServerReflectionResponse;
import io.grpc.reflection.v1.ServiceResponse;
import io.grpc.stub.StreamObserver;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The standard probes of the resource manager's gRPC server, asked with grpc-java's own stubs as
 * {@code grpc_health_probe} and {@code grpcurl} ask them: {@code grpc.health.v1.Health} follows the
 * resource manager's real state (its main thread must answer, as for {@code /healthz}) and needs no token;
 * server reflection lists Pulse's services.
 */
class ResourceManagerProbesTest {

  private static final Duration PATIENCE = Duration.ofSeconds(20);
  private static final Duration HEALTH_PERIOD = Duration.ofMillis(200);

  @TempDir
  Path dir;

  private final ScheduledMainThreadExecutor main = new ScheduledMainThreadExecutor("probes-test-rm-main");
  private final CountDownLatch unblock = new CountDownLatch(1);
  private ResourceManagerServer server;
  private ManagedChannel channel;

  @AfterEach
  void tearDown() throws InterruptedException {
    unblock.countDown();
    if (channel != null) {
      channel.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
    }
    if (server != null) {
      server.close();
    }
    main.close();
  }

  @Test
  void health_isServingWhileTheMainThreadAnswers_notServingWhileItIsStuck() {
    start(Settings.of("resourcemanager.rpc.port", "0"));
    HealthGrpc.HealthBlockingStub health = HealthGrpc.newBlockingStub(channel);

    await().atMost(PATIENCE).until(() -> check(health) == ServingStatus.SERVING);

    main.execute(() -> awaitQuietly(unblock)); // a stuck main thread: /healthz would answer 503
    await().atMost(PATIENCE).until(() -> check(health) == ServingStatus.NOT_SERVING);

    unblock.countDown();
    await().atMost(PATIENCE).until(() -> check(health) == ServingStatus.SERVING);
  }

  @Test
  void health_needsNoToken_whileTheServicesDo() throws Exception {
    Path token = Files.writeString(dir.resolve("token"), "s3cret-token-for-the-probes-test");
    start(Settings.of("resourcemanager.rpc.port", "0", "security.auth.token-file", token.toString()));

    await().atMost(PATIENCE).until(() -> check(HealthGrpc.newBlockingStub(channel)) == ServingStatus.SERVING);
    StatusRuntimeException refused = catchThrowableOfType(
        StatusRuntimeException.class, () -> ResourceManagerGatewayGrpc.newBlockingStub(channel)
            .withDeadlineAfter(10, TimeUnit.SECONDS)
            .registerTaskExecutor(RegisterTaskExecutorRequest.getDefaultInstance()));
    assertThat(refused.getStatus().getCode()).isEqualTo(Status.Code.UNAUTHENTICATED);
  }

  @Test
  void reflection_listsPulsesServicesAndTheHealthService() throws Exception {
    start(Settings.of("resourcemanager.rpc.port", "0"));
    CompletableFuture<ServerReflectionResponse> answer = new CompletableFuture<>();
    StreamObserver<ServerReflectionRequest> requests = ServerReflectionGrpc.newStub(channel)
        .serverReflectionInfo(new StreamObserver<>() {
          @Override
          public void onNext(ServerReflectionResponse response) {
            answer.complete(response);
          }

          @Override
          public void onError(Throwable t) {
            answer.completeExceptionally(t);
          }

          @Override
          public void onCompleted() {}
        });
    requests.onNext(ServerReflectionRequest.newBuilder().setListServices("").build());

    List<String> services = answer.get(20, TimeUnit.SECONDS).getListServicesResponse().getServiceList().stream()
        .map(ServiceResponse::getName).toList();
    requests.onCompleted();

    assertThat(services).contains("pulse.v1.ResourceManagerGateway", "pulse.v1.SlotPool", "grpc.health.v1.Health",
        "grpc.reflection.v1.ServerReflection");
  }

  private void start(Settings settings) {
    server = ResourceManagerServer.builder().settings(settings).serveRest(false).mainThread(main)
        .healthPeriod(HEALTH_PERIOD).build().start();
    channel = NettyChannelBuilder.forAddress(server.rpcAddress()).usePlaintext().build();
  }

  private static ServingStatus check(HealthGrpc.HealthBlockingStub health) {
    return health.withDeadlineAfter(10, TimeUnit.SECONDS).check(HealthCheckRequest.getDefaultInstance()).getStatus();
  }

  private static void awaitQuietly(CountDownLatch latch) {
    try {
      latch.await(60, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
