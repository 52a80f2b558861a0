package dev.pulse.bench.fanout;

import dev.pulse.heartbeat.HeartbeatConfig;
import dev.pulse.heartbeat.HeartbeatListener;
import dev.pulse.heartbeat.HeartbeatManager;
import dev.pulse.heartbeat.HeartbeatServices;
import dev.pulse.heartbeat.HeartbeatTarget;
import dev.pulse.heartbeat.ResourceId;
import dev.pulse.heartbeat.time.MainThreadExecutor;
import dev.pulse.proto.v1.HeartbeatRequest;
import dev.pulse.proto.v1.HeartbeatResponse;
import dev.pulse.proto.v1.RegisterTaskExecutorRequest;
import dev.pulse.proto.v1.RegisterTaskExecutorResponse;
import dev.pulse.proto.v1.ResourceManagerGatewayGrpc;
import dev.pulse.proto.v1.SlotReport;
import dev.pulse.proto.v1.SlotState;
import dev.pulse.proto.v1.SlotStatus;
import dev.pulse.proto.v1.TaskExecutorGatewayGrpc;
import dev.pulse.proto.v1.TaskExecutorIdentity;
import dev.pulse.rpc.ChannelLease;
import dev.pulse.rpc.ChannelPool;
import dev.pulse.rpc.RpcConfig;
import dev.pulse.rpc.RpcServer;
import dev.pulse.rpc.RetryHint;
import dev.pulse.rpc.RpcTransport;
import dev.pulse.te.FencingToken;
import dev.pulse.te.RetryBackoff;
import dev.pulse.te.grpc.HeartbeatStreamToResourceManager;
import dev.pulse.te.grpc.TaskExecutorGatewayService;
import io.grpc.ForwardingServerCallListener;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.stub.StreamObserver;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiConsumer;

/**
 * {@code TaskExecutorFarm --mode pulse|ping --first F --count N --base-port P [--rm HOST:PORT --timeout D]}:
 * one JVM hosting simulated task executors F to F+N-1, each a real gRPC server on its own address ({@link Endpoints}).
 *
 * <p>In {@code pulse} mode each endpoint is what a real task executor exposes: the task executor's
 * {@link TaskExecutorGatewayService} (validation, hop to a main thread, identity and fencing checks,
 * slot report), backed by its own receiving {@link HeartbeatManager} that monitors the resource manager,
 * exactly as {@code TaskExecutorCore} wires it. Each registers with the resource manager through
 * {@code ResourceManagerGateway.RegisterTaskExecutor} with its own resource id and a fresh instance id.
 * Calls are served on the transport thread that received them ({@code executor(Runnable::run)}), as the
 * real task executor's server does: its gateway only hands the work to a main thread, so gRPC's default
 * executor would add a thread hop no real task executor pays.
 * What is shared, as the fan-out needs on a 2-core machine: one {@link RpcTransport} (its event loops),
 * and {@value #MAIN_THREADS} single-thread main-thread executors. In {@code ping} mode each endpoint
 * answers the same heartbeat method with a prebuilt response on the transport thread, and the same
 * messages on a long-lived stream ({@link PingStream}): the bare gRPC limits the Pulse numbers are
 * compared with.
 *
 * <p>Protocol: in {@code pulse} mode, prints {@code SERVING N} once every endpoint serves and waits for the line
 * {@code register} on stdin before any registers; then prints {@code registered K} while registering and
 * {@code READY N ... refused ...} when done (the refused attempts by the reason the resource manager gave). Reads
 * commands on stdin: {@code refuse I} closes endpoint I's server (connections reset, new ones refused),
 * {@code hang I} makes it accept calls and never answer (a stuck TE, or a partition that keeps the TCP
 * connection). Each is acknowledged with {@code FAULT kind I epochMillis}. End of stdin ends the process.
 */
public final class TaskExecutorFarm {

  static final int MAIN_THREADS = 2;
  /**
   * First registration attempts on the wire at once: how fast the simulated task executors start up. A refused
   * one waits out its backoff without holding a place here, as a real task executor waits on its own.
   */
  private static final int REGISTRATIONS_IN_FLIGHT = 64;
  /**
   * Refused registrations are retried as the real task executor does ({@link RetryBackoff#nextDelay(Duration)}:
   * the resource manager's retry hint plus a jittered share of a quarter of it, at least 100 ms; the backoff
   * starts over), for at most this long: the task executor's own default
   * ({@code taskexecutor.registration.timeout}, 5 min), so that a slow ramp is measured, not cut off.
   */
  static final Duration REGISTRATION_PATIENCE = Duration.ofMinutes(5);
  private static final ScheduledExecutorService RETRIES = Executors.newSingleThreadScheduledExecutor(r -> {
    Thread t = new Thread(r, "farm-registration-retries");
    t.setDaemon(true);
    return t;
  });

  private TaskExecutorFarm() {}

  public static void main(String[] args) throws Exception {
    Args a = Args.parse(args);
    String mode = a.get("mode", "pulse");
    int first = a.getInt("first", 0);
    int count = a.getInt("count", 100);
    int basePort = a.getInt("base-port", 21000);
    Endpoints.net = a.getInt("net", Endpoints.PULSE_NET);
    int slots = 4;
    SlotReport report = slots(slots);

    RpcTransport transport = RpcTransport.create(RpcConfig.DEFAULTS, "farm");
    RpcServer[] servers = new RpcServer[count];
    Hang[] hangs = new Hang[count];
    ScheduledExecutorService[] mains = new ScheduledExecutorService[MAIN_THREADS];
    for (int m = 0; m < MAIN_THREADS; m++) {
      int n = m;
      mains[m] = Executors.newSingleThreadScheduledExecutor(r -> daemon(r, "farm-main-" + n));
    }
    ChannelPool channels = new ChannelPool(transport);
    BufferedReader commands = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    SimulatedTe[] tes = null; // pulse mode
    if (mode.equals("ping")) {
      for (int i = 0; i < count; i++) {
        hangs[i] = new Hang();
        servers[i] = RpcServer.builder(transport, Endpoints.address(first + i, basePort))
            .addService(ServerInterceptors.intercept(new BarePing(identity(first + i, "ping"), report), hangs[i]))
            .addService(ServerInterceptors.intercept(PingStream.service(BarePing.response(identity(first + i, "ping"),
                report)), hangs[i]))
            .executor(Runnable::run)
            .start();
      }
      System.out.println("READY " + count);
    } else {
      String rmAddress = a.get("rm", null);
      Duration timeout = Args.duration(a.get("timeout", "10s"));
      HeartbeatServices services = HeartbeatServices.of(HeartbeatConfig.of(timeout.dividedBy(5), timeout));
      ChannelLease rm = channels.acquire(rmAddress);
      ResourceManagerGatewayGrpc.ResourceManagerGatewayStub stub = ResourceManagerGatewayGrpc.newStub(rm.channel());
      tes = new SimulatedTe[count];
      for (int i = 0; i < count; i++) {
        MainThreadExecutor main = MainThreadExecutor.wrap(mains[i % MAIN_THREADS]);
        hangs[i] = new Hang();
        tes[i] = new SimulatedTe(first + i, main, services, report, hangs[i]);
        servers[i] = RpcServer.builder(transport, Endpoints.address(first + i, basePort))
            .addService(ServerInterceptors.intercept(tes[i].gateway, hangs[i]))
            .executor(Runnable::run)
            .start();
      }
      // Every task executor is up before the first registers, as a fleet is when its resource manager comes up:
      // the storm the resource manager sees is the registrations, not this JVM creating servers as it goes.
      System.out.println("SERVING " + count);
      while (!"register".equals(commands.readLine())) {
        // the benchmark says when the storm begins
      }
      Semaphore firstAttempts = new Semaphore(REGISTRATIONS_IN_FLIGHT);
      CountDownLatch answered = new CountDownLatch(count);
      AtomicInteger registered = new AtomicInteger();
      AtomicInteger failed = new AtomicInteger();
      Refusals refusals = new Refusals();
      for (SimulatedTe te : tes) {
        firstAttempts.acquire();
        te.register(stub, basePort, firstAttempts::release, refusals, transport, rmAddress).whenComplete((ok, e) -> {
          if (e != null) {
            failed.incrementAndGet();
            System.err.println("farm: " + Endpoints.resourceId(te.index) + " did not register: " + e);
          } else if (registered.incrementAndGet() % 1000 == 0) {
            System.out.println("registered " + registered.get());
          }
          answered.countDown(); // after counting, so that READY below counts every registration
        });
      }
      answered.await();
      System.out.println("READY " + registered.get() + (failed.get() > 0 ? " failed " + failed.get() : "")
          + " refused " + refusals);
    }

    String line;
    while ((line = commands.readLine()) != null) {
      String[] cmd = line.trim().split(" ");
      if (cmd.length != 2) {
        continue;
      }
      int global = Integer.parseInt(cmd[1]);
      int i = global - first;
      if (cmd[0].equals("refuse")) {
        servers[i].close();
        if (tes != null) {
          tes[i].die();
        }
      } else if (cmd[0].equals("hang")) {
        hangs[i].hung = true;
      } else {
        continue;
      }
      System.out.println("FAULT " + cmd[0] + " " + global + " " + System.currentTimeMillis());
    }
    // The benchmark is gone or done: no graceful goodbye, the process simply ends.
    Runtime.getRuntime().halt(0);
  }

  static TaskExecutorIdentity identity(int i, String instanceId) {
    return TaskExecutorIdentity.newBuilder().setResourceId(Endpoints.resourceId(i)).setInstanceId(instanceId).build();
  }

  static SlotReport slots(int n) {
    SlotReport.Builder report = SlotReport.newBuilder();
    for (int i = 0; i < n; i++) {
      report.addSlots(SlotStatus.newBuilder().setSlotIndex(i).setState(SlotState.SLOT_STATE_FREE));
    }
    return report.build();
  }

  private static Thread daemon(Runnable r, String name) {
    Thread t = new Thread(r, name);
    t.setDaemon(true);
    return t;
  }

  /** One simulated task executor: its gateway, its receiving heartbeat manager and its registration. */
  private static final class SimulatedTe {
    final int index;
    final ResourceId resourceId;
    final String instanceId = UUID.randomUUID().toString();
    final MainThreadExecutor main;
    final HeartbeatManager<Void, Void> heartbeats;
    final SlotReport report;
    /** {@link #report} in the task executor's own terms, as its gateway service reads it. */
    final dev.pulse.te.SlotReport slots;
    /** Written on a gRPC thread after registration, read on the main thread: volatile. */
    volatile FencingToken acceptedToken;
    /** Set by the {@code hang} command: its server, and its own heartbeat stream, stop answering. */
    final Hang hang;
    /** For the heartbeat stream this task executor opens if the resource manager asks for it. */
    RpcTransport transport;
    String rmAddress;
    /** Its own connection to the resource manager, as a real task executor has (not the farm's shared one). */
    ChannelPool ownChannel;
    HeartbeatStreamToResourceManager heartbeatStream;
    final TaskExecutorGatewayService gateway;

    SimulatedTe(int index, MainThreadExecutor main, HeartbeatServices services, SlotReport report, Hang hang) {
      this.index = index;
      this.hang = hang;
      this.resourceId = ResourceId.of(Endpoints.resourceId(index));
      this.main = main;
      this.report = report;
      this.slots = dev.pulse.te.SlotReport.allFree(report.getSlotsCount()); // slots() offers free slots only
      this.heartbeats = services.createHeartbeatManager(resourceId, new Quiet(), main);
      this.gateway = TaskExecutorGatewayService.builder()
          .identity(resourceId, instanceId)
          .mainThread(main)
          .heartbeatManager(heartbeats)
          .acceptedToken(() -> acceptedToken)
          .slotReport(() -> slots)
          .build();
    }

    /**
     * The gateway's answers to the requests on its own heartbeat stream; none once the task executor hangs (its
     * main thread stuck, or a partition that keeps the connection).
     */
    StreamObserver<HeartbeatRequest> answerStream(StreamObserver<HeartbeatResponse> responses) {
      StreamObserver<HeartbeatRequest> answering = gateway.heartbeatStream(responses);
      return new StreamObserver<>() {
        @Override
        public void onNext(HeartbeatRequest request) {
          if (!hang.hung) {
            answering.onNext(request);
          }
        }

        @Override
        public void onError(Throwable t) {
          answering.onError(t);
        }

        @Override
        public void onCompleted() {
          answering.onCompleted();
        }
      };
    }

    /** The {@code refuse} command: as if the process died, its own connection to the RM goes too (reset). */
    synchronized void die() {
      if (heartbeatStream != null) {
        heartbeatStream.close();
      }
      if (ownChannel != null) {
        ownChannel.close();
      }
    }

    /**
     * Registers, retrying refusals as the task executor does; {@code firstAnswered} runs once the first attempt
     * is answered (either way), so that the farm bounds the attempts it has on the wire, not the task
     * executors waiting out a backoff (a real one waits on its own, holding nobody up).
     */
    CompletableFuture<Void> register(ResourceManagerGatewayGrpc.ResourceManagerGatewayStub stub, int basePort,
        Runnable firstAnswered, Refusals refusals, RpcTransport transport, String rmAddress) {
      this.transport = transport;
      this.rmAddress = rmAddress;
      CompletableFuture<Void> done = new CompletableFuture<>();
      long giveUpAt = System.nanoTime() + REGISTRATION_PATIENCE.toNanos();
      // One attempt at a time, each scheduled by the last one's callback: confined as the real one's is.
      RetryBackoff backoff = RetryBackoff.forRegistration();
      BiConsumer<Void, Throwable> retry = new BiConsumer<>() {
        @Override
        public void accept(Void ok, Throwable failure) {
          Optional<Duration> hint = failure == null ? Optional.empty() : RetryHint.of(failure);
          if (failure != null) {
            refusals.count(failure);
          }
          if (failure == null) {
            done.complete(null);
          } else if (hint.isPresent() && System.nanoTime() < giveUpAt) {
            long wait = backoff.nextDelay(hint.get()).toNanos();
            RETRIES.schedule(() -> attempt(stub, basePort).whenComplete(this), wait, TimeUnit.NANOSECONDS);
          } else {
            done.completeExceptionally(failure);
          }
        }
      };
      attempt(stub, basePort).whenComplete((ok, failure) -> {
        firstAnswered.run();
        retry.accept(ok, failure);
      });
      return done;
    }

    private CompletableFuture<Void> attempt(ResourceManagerGatewayGrpc.ResourceManagerGatewayStub stub,
        int basePort) {
      CompletableFuture<Void> done = new CompletableFuture<>();
      RegisterTaskExecutorRequest request = RegisterTaskExecutorRequest.newBuilder()
          .setTaskExecutor(identity(index, instanceId))
          .setRpcAddress(Endpoints.hostPort(index, basePort))
          .setNumberOfSlots(report.getSlotsCount())
          .setSlotReport(report)
          .setOpensHeartbeatStream(true) // as the real task executor: the RM may ask it to open the heartbeat stream
          .build();
      stub.withDeadlineAfter(60, TimeUnit.SECONDS).registerTaskExecutor(request, new StreamObserver<>() {
        @Override
        public void onNext(RegisterTaskExecutorResponse response) {
          acceptedToken = new FencingToken(response.getFencingToken().getResourceManagerId(),
              response.getFencingToken().getLeaderEpoch());
          ResourceId rmId = ResourceId.of(response.getFencingToken().getResourceManagerId());
          // As TaskExecutorCore does: from now on the RM's heartbeats keep this TE's view of it alive.
          main.execute(() -> heartbeats.monitorTarget(rmId, HeartbeatTarget.noOp()));
          if (response.getOpenHeartbeatStream()) {
            // As GrpcResourceManagerClient does, on this task executor's own connection to the RM.
            synchronized (SimulatedTe.this) {
              if (ownChannel == null) {
                ownChannel = new ChannelPool(transport);
              }
              if (heartbeatStream != null) {
                heartbeatStream.close();
              }
              heartbeatStream = HeartbeatStreamToResourceManager.open(ownChannel.acquire(rmAddress),
                  response.getRegistrationId(), identity(index, instanceId), main, SimulatedTe.this::answerStream, rmAddress);
            }
          }
        }

        @Override
        public void onError(Throwable t) {
          done.completeExceptionally(t);
        }

        @Override
        public void onCompleted() {
          done.complete(null);
        }
      });
      return done;
    }
  }

  /** Refused registration attempts of this farm by the reason the resource manager gave; thread-safe. */
  static final class Refusals {
    private final AtomicInteger tickLag = new AtomicInteger();
    private final AtomicInteger eventLoopLag = new AtomicInteger();
    private final AtomicInteger inProgress = new AtomicInteger();
    private final AtomicInteger other = new AtomicInteger();

    void count(Throwable failure) {
      String why = String.valueOf(failure.getMessage());
      (why.contains("tick lag") ? tickLag : why.contains("event loop lag") ? eventLoopLag
          : why.contains("in progress") ? inProgress : other).incrementAndGet();
    }

    @Override
    public String toString() {
      return "tick-lag " + tickLag + " event-loop-lag " + eventLoopLag + " in-progress " + inProgress
          + " other " + other;
    }
  }

  /**
   * Turns an endpoint into a hung one: calls are accepted and never answered nor closed, and the
   * requests of a heartbeat stream opened before are no longer passed on (so never answered).
   */
  private static final class Hang implements ServerInterceptor {
    volatile boolean hung;

    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
        ServerCallHandler<Q, R> next) {
      if (hung) {
        return new ServerCall.Listener<>() {};
      }
      return new ForwardingServerCallListener.SimpleForwardingServerCallListener<>(next.startCall(call, headers)) {
        @Override
        public void onMessage(Q message) {
          if (!hung) {
            super.onMessage(message);
          }
        }
      };
    }
  }

  /** Answers every heartbeat at once on the transport thread with a prebuilt response. */
  private static final class BarePing extends TaskExecutorGatewayGrpc.TaskExecutorGatewayImplBase {
    private final HeartbeatResponse response;

    BarePing(TaskExecutorIdentity identity, SlotReport report) {
      this.response = response(identity, report);
    }

    static HeartbeatResponse response(TaskExecutorIdentity identity, SlotReport report) {
      return HeartbeatResponse.newBuilder().setTaskExecutor(identity).setSlotReport(report).build();
    }

    @Override
    public void requestHeartbeat(HeartbeatRequest request, StreamObserver<HeartbeatResponse> observer) {
      observer.onNext(response);
      observer.onCompleted();
    }
  }

  private static final class Quiet implements HeartbeatListener<Void, Void> {
    @Override
    public void notifyHeartbeatTimeout(ResourceId resourceId) {}

    @Override
    public void notifyTargetUnreachable(ResourceId resourceId) {}

    @Override
    public void reportPayload(ResourceId resourceId, Void payload) {}

    @Override
    public Void retrievePayload(ResourceId resourceId) {
      return null;
    }
  }
}
