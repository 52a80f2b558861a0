package dev.pulse.bench.fanout;

import dev.pulse.proto.v1.FencingToken;
import dev.pulse.proto.v1.HeartbeatRequest;
import dev.pulse.proto.v1.HeartbeatResponse;
import dev.pulse.proto.v1.OpenHeartbeatStreamRequest;
import dev.pulse.proto.v1.OpenHeartbeatStreamResponse;
import dev.pulse.proto.v1.ResourceManagerGatewayGrpc;
import dev.pulse.proto.v1.TaskExecutorIdentity;
import dev.pulse.rpc.ChannelPool;
import dev.pulse.rpc.RpcConfig;
import dev.pulse.rpc.RpcHealth;
import dev.pulse.rpc.RpcServer;
import dev.pulse.rpc.RpcTransport;
import io.grpc.stub.StreamObserver;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;

/**
 * {@code ServerConnectionMemory --count N}: what the server side of one task executor's connection with its open
 * heartbeat stream costs the resource manager in heap, without the rest of the resource manager: the floor of
 * heap per task executor with {@code resourcemanager.heartbeat.transport: inbound_stream}.
 *
 * <p>Serves {@code OpenHeartbeatStream} on an {@link RpcServer} with the resource manager's settings (its
 * executor, 30 s idle limit, health service, keepalive and message limits from the defaults), answering each
 * message with one heartbeat request and holding every stream; a child JVM opens N streams, each on its own
 * channel ({@link ChannelPool}, as each task executor has its own connection), sends the opening and two answers
 * on each. Diffs two class histograms of this JVM ({@code jcmd GC.class_histogram}, before the child and after
 * its last answer) and prints the bytes per connection and the top 40 classes.
 */
public final class ServerConnectionMemory {

  private ServerConnectionMemory() {}

  public static void main(String[] args) throws Exception {
    Args a = Args.parse(args);
    int count = a.getInt("count", 2000);
    if (a.flag("client")) {
      client(count, a.get("rm", null));
      return;
    }
    RpcTransport transport = RpcTransport.create(RpcConfig.DEFAULTS, "rm");
    List<Object> held = new CopyOnWriteArrayList<>();
    OpenHeartbeatStreamResponse request = OpenHeartbeatStreamResponse.newBuilder().setHeartbeat(HeartbeatRequest
        .newBuilder().setFencingToken(FencingToken.newBuilder().setResourceManagerId("rm-1").setLeaderEpoch(1))
        .setTaskExecutor(TaskExecutorFarm.identity(0, UUID.randomUUID().toString()))).build();
    try (RpcServer server = RpcServer.builder(transport, new InetSocketAddress("127.0.0.1", 0))
        .addService(new ResourceManagerGatewayGrpc.ResourceManagerGatewayImplBase() {
          @Override
          public StreamObserver<OpenHeartbeatStreamRequest> openHeartbeatStream(
              StreamObserver<OpenHeartbeatStreamResponse> responses) {
            held.add(responses);
            return new StreamObserver<>() {
              @Override
              public void onNext(OpenHeartbeatStreamRequest message) {
                responses.onNext(request);
              }

              @Override
              public void onError(Throwable t) {}

              @Override
              public void onCompleted() {
                responses.onCompleted();
              }
            };
          }
        }).executor(Runnable::run).maxConnectionIdle(Duration.ofSeconds(30)).health(new RpcHealth()).start()) {
      ClassHistogram before = ClassHistogram.ofThisJvm();
      try (ChildJvm client = ChildJvm.start("server-connection-memory-client", List.of("-Xmx1g"),
          ServerConnectionMemory.class.getName(), List.of("--client", "--count", Integer.toString(count),
              "--rm", "127.0.0.1:" + server.port()))) {
        client.awaitLine("HOLDING", 300_000);
        ClassHistogram after = ClassHistogram.ofThisJvm();
        System.out.printf("%d connections, each with one open heartbeat stream: %d bytes of heap per connection"
            + " (%d streams held)%n", count, (after.totalBytes() - before.totalBytes()) / count, held.size());
        System.out.println(after.growthJson(before, count, 40).replace("},{", "},\n  {"));
      }
    }
    transport.close();
    System.exit(0);
  }

  /** The child: N channels, one stream each, the opening and two answers on each; then holds them. */
  private static void client(int count, String rm) throws Exception {
    RpcTransport transport = RpcTransport.create(RpcConfig.DEFAULTS, "te");
    List<StreamObserver<OpenHeartbeatStreamRequest>> ups = new ArrayList<>();
    CountDownLatch[] round = new CountDownLatch[1];
    for (int r = 0; r < 3; r++) {
      CountDownLatch done = new CountDownLatch(count);
      round[0] = done;
      for (int i = 0; i < count; i++) {
        if (r == 0) {
          ChannelPool own = new ChannelPool(transport);
          ups.add(ResourceManagerGatewayGrpc.newStub(own.acquire(rm).channel()).openHeartbeatStream(
              new StreamObserver<>() {
                @Override
                public void onNext(OpenHeartbeatStreamResponse value) {
                  round[0].countDown();
                }

                @Override
                public void onError(Throwable t) {
                  System.err.println("stream failed: " + t);
                }

                @Override
                public void onCompleted() {}
              }));
        }
        TaskExecutorIdentity identity = TaskExecutorFarm.identity(i, "instance");
        OpenHeartbeatStreamRequest message = r == 0
            ? OpenHeartbeatStreamRequest.newBuilder().setRegistrationId(UUID.randomUUID().toString())
                .setTaskExecutor(identity).build()
            : OpenHeartbeatStreamRequest.newBuilder().setHeartbeat(HeartbeatResponse.newBuilder()
                .setTaskExecutor(identity).setSlotReport(TaskExecutorFarm.slots(4))).build();
        ups.get(i).onNext(message);
      }
      done.await();
    }
    System.out.println("HOLDING");
    BufferedReader stdin = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    while (stdin.readLine() != null) {
      // held until the parent ends
    }
  }
}
