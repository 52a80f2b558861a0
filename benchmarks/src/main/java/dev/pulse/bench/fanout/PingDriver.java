package dev.pulse.bench.fanout;

import dev.pulse.proto.v1.FencingToken;
import dev.pulse.proto.v1.HeartbeatRequest;
import dev.pulse.proto.v1.HeartbeatResponse;
import dev.pulse.proto.v1.TaskExecutorGatewayGrpc;
import dev.pulse.rpc.ChannelLease;
import dev.pulse.rpc.ChannelPool;
import dev.pulse.rpc.RpcConfig;
import dev.pulse.rpc.RpcTransport;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.Deadline;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.StreamObserver;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * {@code PingDriver --client unary|stream --count N --base-port P --interval D --warmup D --duration D [--window-at MS]}:
 * the bare gRPC side of the comparison, built to be the limit, not a straw man.
 *
 * <p>Like the resource manager it keeps one channel per endpoint (heartbeat-rpc's {@link ChannelPool} on
 * an {@link RpcTransport} with the same settings) and asks every endpoint once per interval from one
 * scheduler thread, spread the way Pulse's sender spreads: the interval is cut into 10 ms phases, each
 * endpoint has one, and one timer task per phase asks its whole bucket with one clock reading. At most
 * one request per endpoint is outstanding: an endpoint whose last one is unanswered is skipped (and
 * counted), as the sender does. The messages are the heartbeat's, answered by a farm endpoint in
 * {@code ping} mode with a prebuilt response on its transport thread.
 * <ul>
 *   <li>{@code unary}: each request is one {@code RequestHeartbeat} call, started with the call options
 *       of its phase (built once per phase, deadline one interval) on the channel, no stub;
 *   <li>{@code stream}: each endpoint has one bidirectional stream ({@link PingStream}), opened before the
 *       schedule starts; a request is one message on it, its answer one message back. No deadline per
 *       message: a request still unanswered when the next is due counts as a failure.
 * </ul>
 * RTT is taken from the phase's clock reading until the answer arrives, on the transport thread. What is
 * missing compared with Pulse is exactly the heartbeat machinery: validation, main-thread hand-offs on
 * both sides, fencing, monitors, payload handling.
 *
 * <p>Before the measured schedule starts, every channel is connected by one call (64 at a time), as the
 * RM's channels are connected by the time all task executors have registered.
 *
 * <p>The measured window opens after {@code --warmup}, or at {@code --window-at} (epoch milliseconds), so that
 * it can coincide with the resource manager's in a concurrent run.
 *
 * <p>Prints one line, {@code RESULT} followed by a JSON object, then exits.
 */
public final class PingDriver {

  /** Width of one phase, as the heartbeat sender's. */
  static final Duration PHASE = Duration.ofMillis(10);

  private PingDriver() {}

  public static void main(String[] args) throws Exception {
    Args a = Args.parse(args);
    String client = a.get("client", "unary");
    int count = a.getInt("count", 100);
    int basePort = a.getInt("base-port", 21000);
    Endpoints.net = a.getInt("net", Endpoints.PULSE_NET);
    Duration interval = a.duration("interval", "1s");
    Duration warmup = a.duration("warmup", "5s");
    Duration duration = a.duration("duration", "30s");
    if (!client.equals("unary") && !client.equals("stream")) {
      throw new IllegalArgumentException("--client must be unary or stream, was " + client);
    }

    RpcTransport transport = RpcTransport.create(RpcConfig.DEFAULTS, "ping-driver");
    ChannelPool channels = new ChannelPool(transport);
    Channel[] targets = new Channel[count];
    HeartbeatRequest[] requests = new HeartbeatRequest[count];
    FencingToken token = FencingToken.newBuilder().setResourceManagerId("ping-driver").setLeaderEpoch(1).build();
    for (int i = 0; i < count; i++) {
      ChannelLease lease = channels.acquire(Endpoints.hostPort(i, basePort));
      targets[i] = lease.channel();
      requests[i] = HeartbeatRequest.newBuilder().setFencingToken(token)
          .setTaskExecutor(TaskExecutorFarm.identity(i, "ping")).build();
    }
    Stats stats = new Stats();
    Endpoint[] endpoints = new Endpoint[count];
    for (int i = 0; i < count; i++) {
      endpoints[i] = new Endpoint(stats);
    }
    // Connect every channel first, 64 at a time, as the RM's channels connect while the task executors
    // register one by one: the measured phase should not start with a storm of 10,000 handshakes. The
    // streaming client opens its streams here.
    Semaphore inFlight = new Semaphore(64);
    CallOptions connecting = CallOptions.DEFAULT.withExecutor(Runnable::run).withDeadlineAfter(60, TimeUnit.SECONDS);
    for (int i = 0; i < count; i++) {
      inFlight.acquire();
      ClientCalls.asyncUnaryCall(targets[i].newCall(TaskExecutorGatewayGrpc.getRequestHeartbeatMethod(), connecting),
          requests[i], new Releasing(inFlight));
      if (client.equals("stream")) {
        endpoints[i].stream = ClientCalls.asyncBidiStreamingCall(
            targets[i].newCall(PingStream.METHOD, CallOptions.DEFAULT.withExecutor(Runnable::run)), endpoints[i]);
      }
    }
    inFlight.acquire(64);

    long periodNanos = interval.toNanos();
    int phases = (int) Math.max(1, Math.min(1000, periodNanos / PHASE.toNanos()));
    long phaseNanos = periodNanos / phases;
    long start = System.nanoTime();
    // --window-at (epoch ms) lines the window up with the resource manager's, measured at the same time.
    long windowAt = Long.parseLong(a.get("window-at", "0"));
    long measureFrom = windowAt > 0 ? start + TimeUnit.MILLISECONDS.toNanos(windowAt - System.currentTimeMillis())
        : start + warmup.toNanos();
    long lateMillis = 0;
    if (measureFrom < start) {
      // Connecting took longer than the caller allowed: the window opens late, and says so in the result.
      lateMillis = (start - measureFrom) / 1_000_000;
      measureFrom = start;
    }
    long measureTo = measureFrom + duration.toNanos();
    ScheduledExecutorService main = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "ping-driver-main");
      t.setDaemon(true);
      return t;
    });
    long windowFrom = measureFrom;
    long[] tick = {0};
    main.scheduleAtFixedRate(() -> {
      long now = System.nanoTime();
      long due = start + tick[0] * phaseNanos;
      int phase = (int) (tick[0] % phases);
      tick[0]++;
      boolean measured = now >= windowFrom && now < measureTo;
      if (measured) {
        stats.tickLag.add(Math.max(0, now - due));
      }
      CallOptions options = client.equals("unary")
          ? CallOptions.DEFAULT.withExecutor(Runnable::run).withDeadline(Deadline.after(periodNanos, TimeUnit.NANOSECONDS))
          : null;
      for (int i = phase; i < count; i += phases) {
        Endpoint e = endpoints[i];
        if (e.outstanding) {
          if (measured) {
            stats.skipped.incrementAndGet();
            if (options == null) {
              stats.failures.incrementAndGet(); // a stream message unanswered for a whole interval
            }
          }
          continue;
        }
        e.outstanding = true;
        e.sentAt = now;
        e.measured = measured;
        if (options != null) {
          ClientCalls.asyncUnaryCall(targets[i].newCall(TaskExecutorGatewayGrpc.getRequestHeartbeatMethod(), options),
              requests[i], e);
        } else {
          e.stream.onNext(requests[i]);
        }
      }
    }, 0, phaseNanos, TimeUnit.NANOSECONDS);
    // CPU of the measured window only, read on the scheduler thread when the window opens.
    AtomicLong cpuBefore = new AtomicLong();
    main.schedule(() -> cpuBefore.set(ProcStat.cpuNanos(ProcessHandle.current().pid())),
        measureFrom - System.nanoTime(), TimeUnit.NANOSECONDS);
    long waitMillis = TimeUnit.NANOSECONDS.toMillis(measureTo - System.nanoTime()) + periodNanos / 1_000_000;
    main.awaitTermination(Math.max(0, waitMillis), TimeUnit.MILLISECONDS);
    main.shutdownNow();
    long cpu = ProcStat.cpuNanos(ProcessHandle.current().pid()) - cpuBefore.get();
    double seconds = duration.toNanos() / 1e9;
    long ok = stats.rtt.size();
    System.out.println("RESULT {\"client\":" + Json.str(client) + ",\"calls\":" + ok
        + ",\"failures\":" + stats.failures.get() + ",\"skippedInFlight\":" + stats.skipped.get()
        + ",\"callsPerSecond\":" + Json.num(ok / seconds)
        + ",\"rttMillis\":" + stats.rtt.summaryMillis()
        + ",\"tickLagMillis\":" + stats.tickLag.summaryMillis()
        + ",\"driverCpuSecondsPer1000Calls\":" + Json.num(ok == 0 ? 0 : cpu / 1e9 / ok * 1000)
        + ",\"windowLateMillis\":" + lateMillis + "}");
    System.out.flush();
    Runtime.getRuntime().halt(0);
  }

  /** What the measured window collected; thread-safe. */
  private static final class Stats {
    final Samples rtt = new Samples();
    final Samples tickLag = new Samples();
    final AtomicLong failures = new AtomicLong();
    final AtomicLong skipped = new AtomicLong();
  }

  /**
   * One endpoint's answers, for every request to it (one outstanding at a time): unary calls' observer
   * and the stream's response observer. Fields written on the scheduler thread before a request are
   * read on the transport thread after its answer; the call in between orders them.
   */
  private static final class Endpoint implements StreamObserver<HeartbeatResponse> {
    private final Stats stats;
    StreamObserver<HeartbeatRequest> stream;
    volatile boolean outstanding;
    long sentAt;
    boolean measured;

    Endpoint(Stats stats) {
      this.stats = stats;
    }

    @Override
    public void onNext(HeartbeatResponse value) {
      if (stream != null) {
        answered(); // on a stream each answer is one message
      }
    }

    @Override
    public void onError(Throwable t) {
      if (measured) {
        stats.failures.incrementAndGet();
      }
      outstanding = false;
    }

    @Override
    public void onCompleted() {
      if (stream == null) {
        answered();
      }
    }

    private void answered() {
      if (measured) {
        stats.rtt.add(System.nanoTime() - sentAt);
      }
      outstanding = false;
    }
  }

  /** Releases a permit when the connecting call ends, however it ends. */
  private record Releasing(Semaphore permits) implements StreamObserver<HeartbeatResponse> {
    @Override
    public void onNext(HeartbeatResponse value) {}

    @Override
    public void onError(Throwable t) {
      permits.release();
    }

    @Override
    public void onCompleted() {
      permits.release();
    }
  }
}
