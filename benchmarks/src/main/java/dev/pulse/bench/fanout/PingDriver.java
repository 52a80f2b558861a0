package dev.pulse.bench.fanout;

import dev.pulse.proto.v1.FencingToken;
import dev.pulse.proto.v1.HeartbeatRequest;
import dev.pulse.proto.v1.HeartbeatResponse;
import dev.pulse.proto.v1.TaskExecutorGatewayGrpc;
import dev.pulse.rpc.ChannelLease;
import dev.pulse.rpc.ChannelPool;
import dev.pulse.rpc.RpcConfig;
import dev.pulse.rpc.RpcTransport;
import io.grpc.stub.StreamObserver;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * {@code PingDriver --count N --base-port P --interval D --warmup D --duration D}: the bare gRPC side of
 * the comparison. Like the resource manager, it keeps one channel per endpoint (heartbeat-rpc's
 * {@link ChannelPool} on an {@link RpcTransport} with the same settings) and calls every endpoint once
 * per interval, the calls spread evenly over the interval, from one scheduler thread (the RM's main
 * thread does the same). Each call is the heartbeat method with the same request message, answered by a
 * farm endpoint in {@code ping} mode with a prebuilt response on its transport thread; the deadline is
 * one interval, as the RM's. RTT is taken from just before the call until {@code onCompleted}, on the
 * calling side, as the RM measures it. What is missing compared with Pulse is exactly the heartbeat
 * machinery: validation, main-thread hops on both sides, fencing, monitors, payload handling.
 *
 * <p>Before the measured schedule starts, every channel is connected by one call (64 at a time), as the
 * RM's channels are connected by the time all task executors have registered.
 *
 * <p>Prints one line, {@code RESULT} followed by a JSON object, then exits.
 */
public final class PingDriver {

  private PingDriver() {}

  public static void main(String[] args) throws Exception {
    Args a = Args.parse(args);
    int count = a.getInt("count", 100);
    int basePort = a.getInt("base-port", 21000);
    Endpoints.net = a.getInt("net", Endpoints.PULSE_NET);
    Duration interval = a.duration("interval", "1s");
    Duration warmup = a.duration("warmup", "5s");
    Duration duration = a.duration("duration", "30s");

    RpcTransport transport = RpcTransport.create(RpcConfig.DEFAULTS, "ping-driver");
    ChannelPool channels = new ChannelPool(transport);
    TaskExecutorGatewayGrpc.TaskExecutorGatewayStub[] stubs = new TaskExecutorGatewayGrpc.TaskExecutorGatewayStub[count];
    HeartbeatRequest[] requests = new HeartbeatRequest[count];
    FencingToken token = FencingToken.newBuilder().setResourceManagerId("ping-driver").setLeaderEpoch(1).build();
    for (int i = 0; i < count; i++) {
      ChannelLease lease = channels.acquire(Endpoints.hostPort(i, basePort));
      stubs[i] = TaskExecutorGatewayGrpc.newStub(lease.channel()).withExecutor(Runnable::run);
      requests[i] = HeartbeatRequest.newBuilder().setFencingToken(token)
          .setTaskExecutor(TaskExecutorFarm.identity(i, "ping")).build();
    }
    // Connect every channel first, 64 calls in flight, as the RM's channels connect while the task executors
    // register one by one: the measured phase should not start with a storm of 10,000 handshakes.
    Semaphore inFlight = new Semaphore(64);
    for (int i = 0; i < count; i++) {
      inFlight.acquire();
      stubs[i].withDeadlineAfter(60, TimeUnit.SECONDS).requestHeartbeat(requests[i], new StreamObserver<>() {
        @Override
        public void onNext(HeartbeatResponse value) {}

        @Override
        public void onError(Throwable t) {
          inFlight.release();
        }

        @Override
        public void onCompleted() {
          inFlight.release();
        }
      });
    }
    inFlight.acquire(64);
    Samples rtt = new Samples();
    Samples tickLag = new Samples();
    AtomicLong failures = new AtomicLong();
    long start = System.nanoTime();
    long measureFrom = start + warmup.toNanos();
    long measureTo = measureFrom + duration.toNanos();
    long periodNanos = interval.toNanos();
    ScheduledExecutorService main = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "ping-driver-main");
      t.setDaemon(true);
      return t;
    });
    for (int i = 0; i < count; i++) {
      int n = i;
      long offset = periodNanos * i / count;
      long[] due = {start + offset};
      main.scheduleAtFixedRate(() -> {
        long now = System.nanoTime();
        boolean measured = now >= measureFrom && now < measureTo;
        if (measured) {
          tickLag.add(Math.max(0, now - due[0]));
        }
        due[0] += periodNanos;
        stubs[n].withDeadlineAfter(periodNanos, TimeUnit.NANOSECONDS).requestHeartbeat(requests[n],
            new StreamObserver<HeartbeatResponse>() {
              @Override
              public void onNext(HeartbeatResponse value) {}

              @Override
              public void onError(Throwable t) {
                if (measured) {
                  failures.incrementAndGet();
                }
              }

              @Override
              public void onCompleted() {
                if (measured) {
                  rtt.add(System.nanoTime() - now);
                }
              }
            });
      }, offset, periodNanos, TimeUnit.NANOSECONDS);
    }
    // CPU of the measured window only, read on the scheduler thread when the window opens.
    AtomicLong cpuBefore = new AtomicLong();
    main.schedule(() -> cpuBefore.set(ProcStat.cpuNanos(ProcessHandle.current().pid())),
        measureFrom - System.nanoTime(), TimeUnit.NANOSECONDS);
    long waitMillis = TimeUnit.NANOSECONDS.toMillis(measureTo - System.nanoTime()) + periodNanos / 1_000_000;
    main.awaitTermination(Math.max(0, waitMillis), TimeUnit.MILLISECONDS);
    main.shutdownNow();
    long cpu = ProcStat.cpuNanos(ProcessHandle.current().pid()) - cpuBefore.get();
    double seconds = duration.toNanos() / 1e9;
    long ok = rtt.size();
    System.out.println("RESULT {\"calls\":" + ok + ",\"failures\":" + failures.get()
        + ",\"callsPerSecond\":" + Json.num(ok / seconds)
        + ",\"rttMillis\":" + rtt.summaryMillis()
        + ",\"tickLagMillis\":" + tickLag.summaryMillis()
        + ",\"driverCpuSecondsPer1000Calls\":" + Json.num(ok == 0 ? 0 : cpu / 1e9 / ok * 1000) + "}");
    System.out.flush();
    Runtime.getRuntime().halt(0);
  }
}
