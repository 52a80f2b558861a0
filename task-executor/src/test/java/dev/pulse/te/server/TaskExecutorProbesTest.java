package dev.pulse.te.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.pulse.config.Settings;
import dev.pulse.te.FakeResourceManager;
import io.grpc.ManagedChannel;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.StreamObserver;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The task executor's {@code grpc.health.v1.Health}, asked with grpc-java's health stub: it follows the
 * registration. {@link FakeResourceManager} accepts registrations but never asks for a heartbeat, so a
 * registered task executor loses it after {@code heartbeat.timeout} and registers again: the status
 * goes SERVING, NOT_SERVING, SERVING.
 */
class TaskExecutorProbesTest {

  private static final Duration PATIENCE = Duration.ofSeconds(20);

  private TaskExecutorServer te;
  private ManagedChannel channel;

  @AfterEach
  void tearDown() throws InterruptedException {
    if (channel != null) {
      channel.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
    }
    if (te != null) {
      te.close();
    }
  }

  @Test
  void health_withoutAResourceManager_isNotServing() throws Exception {
    int deadPort;
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      deadPort = s.getLocalPort();
    }
    start(deadPort);

    assertThat(check()).isEqualTo(ServingStatus.NOT_SERVING);
    assertThat(te.isRegistered()).isFalse();
  }

  @Test
  void health_followsRegistration_servingThenNotServingOnLossThenServingAgain_notServingOnClose() {
    try (FakeResourceManager rm = new FakeResourceManager()) {
      start(rm.port());
      List<ServingStatus> seen = new CopyOnWriteArrayList<>();
      HealthGrpc.newStub(channel).watch(HealthCheckRequest.getDefaultInstance(), new StreamObserver<>() {
        @Override
        public void onNext(HealthCheckResponse response) {
          seen.add(response.getStatus());
        }

        @Override
        public void onError(Throwable t) {}

        @Override
        public void onCompleted() {}
      });

      await().atMost(PATIENCE).until(() -> afterFirstServing(seen).contains(ServingStatus.NOT_SERVING)
          && lastOf(seen) == ServingStatus.SERVING);

      te.close();
      await().atMost(PATIENCE).until(() -> lastOf(seen) == ServingStatus.NOT_SERVING);
    }
  }

  private void start(int rmPort) {
    te = TaskExecutorServer.builder().settings(Settings.of("resourcemanager.rpc.port", Integer.toString(rmPort),
        "heartbeat.interval", "200 ms", "heartbeat.timeout", "1 s")).build().start();
    channel = NettyChannelBuilder.forTarget(te.rpcAddress()).usePlaintext().build();
  }

  private ServingStatus check() {
    return HealthGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS)
        .check(HealthCheckRequest.getDefaultInstance()).getStatus();
  }

  private static List<ServingStatus> afterFirstServing(List<ServingStatus> seen) {
    int i = seen.indexOf(ServingStatus.SERVING);
    return i < 0 ? List.of() : seen.subList(i, seen.size());
  }

  private static ServingStatus lastOf(List<ServingStatus> seen) {
    return seen.isEmpty() ? null : seen.get(seen.size() - 1);
  }
}
