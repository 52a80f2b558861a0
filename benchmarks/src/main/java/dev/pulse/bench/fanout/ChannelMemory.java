package dev.pulse.bench.fanout;

import dev.pulse.proto.v1.FencingToken;
import dev.pulse.proto.v1.HeartbeatRequest;
import dev.pulse.proto.v1.HeartbeatResponse;
import dev.pulse.proto.v1.TaskExecutorGatewayGrpc;
import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.StreamObserver;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollEventLoopGroup;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.nio.NioSocketChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * {@code ChannelMemory --count N [--settings pulse|lean] [--calls 2]}: what one gRPC client channel per task
 * executor costs in heap, and which builder settings change it. The resource manager holds one such channel
 * per task executor; this measures the channel alone, without the rest of the RM.
 *
 * <p>Starts a ping farm of N endpoints in a child JVM (so that no server-side object is counted), builds N
 * channels in this JVM, makes {@code --calls} rounds of one heartbeat call per channel (0: channels built,
 * never connected), and diffs two class histograms of this JVM ({@code jcmd GC.class_histogram}, before the
 * channels and after the calls). Settings: {@code pulse} as heartbeat-rpc's {@code ChannelPool} builds them
 * (a {@code dns:///} target, keepalive 20 s / 10 s without calls, retries off, 4 MiB message limit);
 * {@code lean} adds everything the builder offers to make a channel smaller: a socket address instead of a
 * name resolver, direct executor, no idle timer, no keepalive, a 64 KiB flow-control window, an 8 KiB
 * metadata limit, no service config lookup. Prints the bytes per channel and the top 40 classes.
 */
public final class ChannelMemory {

  private ChannelMemory() {}

  public static void main(String[] args) throws Exception {
    Args a = Args.parse(args);
    int count = a.getInt("count", 1000);
    String settings = a.get("settings", "pulse");
    int rounds = a.getInt("calls", 2);
    int basePort = a.getInt("base-port", 21000);
    Endpoints.net = Endpoints.PING_NET;
    try (Farms farm = Farms.start("channel-memory-farm", count, List.of("-Xmx1g"), List.of("--mode", "ping",
        "--net", Integer.toString(Endpoints.PING_NET), "--base-port", Integer.toString(basePort)), line -> {})) {
      boolean epoll = Epoll.isAvailable();
      EventLoopGroup loops = epoll ? new EpollEventLoopGroup(2) : new NioEventLoopGroup(2);
      ClassHistogram before = ClassHistogram.ofThisJvm();
      List<ManagedChannel> channels = new ArrayList<>();
      for (int i = 0; i < count; i++) {
        NettyChannelBuilder b = settings.equals("lean")
            ? NettyChannelBuilder.forAddress(Endpoints.address(i, basePort))
            : NettyChannelBuilder.forTarget("dns:///" + Endpoints.hostPort(i, basePort));
        b.eventLoopGroup(loops).channelType(epoll ? EpollSocketChannel.class : NioSocketChannel.class)
            .usePlaintext().disableRetry().maxInboundMessageSize(4 << 20);
        if (settings.equals("lean")) {
          b.directExecutor().idleTimeout(365, TimeUnit.DAYS).flowControlWindow(64 * 1024)
              .maxInboundMetadataSize(8 * 1024).disableServiceConfigLookUp();
        } else {
          b.keepAliveTime(20, TimeUnit.SECONDS).keepAliveTimeout(10, TimeUnit.SECONDS).keepAliveWithoutCalls(true);
        }
        channels.add(b.build());
      }
      HeartbeatRequest request = HeartbeatRequest.newBuilder()
          .setFencingToken(FencingToken.newBuilder().setResourceManagerId("channel-memory").setLeaderEpoch(1))
          .setTaskExecutor(TaskExecutorFarm.identity(0, "ping")).build();
      for (int r = 0; r < rounds; r++) {
        callEach(channels, request);
      }
      ClassHistogram after = ClassHistogram.ofThisJvm();
      String growth = after.growthJson(before, count, 40);
      System.out.printf("%s settings, %d channels, %d call round(s): %d bytes of heap per channel%n", settings, count,
          rounds, (after.totalBytes() - before.totalBytes()) / count);
      System.out.println(growth.replace("},{", "},\n  {"));
      channels.forEach(ManagedChannel::shutdownNow);
      loops.shutdownGracefully(0, 1, TimeUnit.SECONDS);
    }
    System.exit(0);
  }

  /** One heartbeat call per channel, 64 at a time; fails if any call fails. */
  private static void callEach(List<ManagedChannel> channels, HeartbeatRequest request) throws InterruptedException {
    Semaphore inFlight = new Semaphore(64);
    CountDownLatch done = new CountDownLatch(channels.size());
    List<Throwable> failures = new ArrayList<>();
    for (ManagedChannel channel : channels) {
      inFlight.acquire();
      ClientCalls.asyncUnaryCall(channel.newCall(TaskExecutorGatewayGrpc.getRequestHeartbeatMethod(),
          CallOptions.DEFAULT.withDeadlineAfter(30, TimeUnit.SECONDS)), request, new StreamObserver<HeartbeatResponse>() {
            @Override
            public void onNext(HeartbeatResponse value) {}

            @Override
            public void onError(Throwable t) {
              synchronized (failures) {
                failures.add(t);
              }
              onCompleted();
            }

            @Override
            public void onCompleted() {
              inFlight.release();
              done.countDown();
            }
          });
    }
    done.await();
    if (!failures.isEmpty()) {
      throw new IllegalStateException(failures.size() + " call(s) failed, first: " + failures.get(0));
    }
  }
}
