package dev.pulse.harness;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.Appender;
import ch.qos.logback.core.read.ListAppender;
import com.google.protobuf.Message;
import dev.pulse.proto.v1.AllocateSlotsRequest;
import dev.pulse.proto.v1.DisconnectResourceManagerRequest;
import dev.pulse.proto.v1.DisconnectTaskExecutorRequest;
import dev.pulse.proto.v1.FencingToken;
import dev.pulse.proto.v1.FreeSlotRequest;
import dev.pulse.proto.v1.HeartbeatRequest;
import dev.pulse.proto.v1.LossReason;
import dev.pulse.proto.v1.RegisterTaskExecutorRequest;
import dev.pulse.proto.v1.ReleaseAllocationRequest;
import dev.pulse.proto.v1.RequestSlotRequest;
import dev.pulse.proto.v1.ResourceManagerGatewayGrpc;
import dev.pulse.proto.v1.SendSlotReportRequest;
import dev.pulse.proto.v1.SlotPoolGrpc;
import dev.pulse.proto.v1.SlotReport;
import dev.pulse.proto.v1.SlotState;
import dev.pulse.proto.v1.SlotStatus;
import dev.pulse.proto.v1.TaskExecutorGatewayGrpc;
import dev.pulse.proto.v1.TaskExecutorIdentity;
import dev.pulse.proto.v1.WatchAllocationsRequest;
import dev.pulse.rm.Allocation;
import dev.pulse.rm.ResourceManager;
import dev.pulse.rm.TaskExecutorInfo;
import dev.pulse.rpc.RawCalls;
import dev.pulse.te.server.TaskExecutorServer;
import io.grpc.CallOptions;
import io.grpc.ClientCall;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.Random;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * Every gRPC method of the resource manager and the task executor gets thousands of mutated requests
 * over a real channel ({@link RequestMutator}: flipped bits, cut bytes, garbage, unknown fields, random
 * and huge field values; a few calls with no request, two, or one too large to read). The contract:
 * <ul>
 *   <li>no answer is {@code UNKNOWN} or {@code INTERNAL} (refusals are {@code INVALID_ARGUMENT},
 *       {@code FAILED_PRECONDITION}, {@code NOT_FOUND}, ...), and every unary call is answered;
 *   <li>the refused calls change nothing: the registered task executor keeps its registration, its
 *       instance, its address and its slots, the job's allocations stay, and real heartbeats go on;
 *   <li>the log stays small: a handful of lines for the whole run, no stack trace per message.
 * </ul>
 *
 * <p>Base requests are chosen so that a mutation that still parses and validates is refused on
 * purpose or is harmless: calls to the task executor carry a fencing token of an RM that does not exist,
 * calls naming the task executor carry a registration id that does not exist, every slot is allocated
 * before the run (so an allocation finds none free), and the registration's slot report disagrees
 * with its slot count. The rare registration a mutation makes valid is counted, and the log budget
 * allows for the lines it costs (it registers and then is lost, as its address answers nothing).
 *
 * <p>The seed is printed with every failure; {@code -Dpulse.fuzz.seed=N} replays a run and
 * {@code -Dpulse.fuzz.perMethod=N} changes its length.
 */
class GrpcFuzzTest {

  private static final long SEED = Long.getLong("pulse.fuzz.seed", System.nanoTime());
  private static final int PER_METHOD = Integer.getInteger("pulse.fuzz.perMethod", 2000);
  /** Log lines (all levels from INFO) the whole run may write, besides those of accepted registrations. */
  private static final int LOG_BUDGET = 20;
  private static final int LINES_PER_ACCEPTED_REGISTRATION = 4;
  private static final String FUZZ_RM = "fuzz-rm";
  private static final String FUZZ_REGISTRATION = "fuzz-registration";

  private MiniCluster cluster;
  private ManagedChannel rmChannel;
  private ManagedChannel teChannel;
  private final Queue<String> forbidden = new ConcurrentLinkedQueue<>();

  @BeforeEach
  void start() {
    cluster = MiniCluster.builder().taskExecutors(1).slotsPerTaskExecutor(2)
        .heartbeatInterval(Duration.ofMillis(500)).heartbeatTimeout(Duration.ofSeconds(60)).build().start();
    rmChannel = ManagedChannelBuilder.forTarget(cluster.resourceManager().rpcAddress()).usePlaintext().build();
    teChannel = ManagedChannelBuilder.forTarget(cluster.taskExecutor(0).rpcAddress()).usePlaintext().build();
  }

  @AfterEach
  void stop() throws InterruptedException {
    for (ManagedChannel c : new ManagedChannel[] {rmChannel, teChannel}) {
      if (c != null) {
        c.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      }
    }
    if (cluster != null) {
      cluster.close();
    }
  }

  @Test
  void mutatedRequestsToEveryMethod_refusedCleanly_changeNothing_logLittle() throws Exception {
    InProcessTaskExecutor te0 = (InProcessTaskExecutor) cluster.taskExecutor(0);
    List<String> kept = cluster.slotPool().allocate("keep", 2).stream().map(a -> a.getAllocationId()).toList();
    await().atMost(Duration.ofSeconds(30)).until(() -> info("te-0").state().equals("ACTIVE")
        && te0.taskExecutor().isRegistered() && te0.taskExecutor().slots().stream().noneMatch(s -> s.isFree()));
    TaskExecutorInfo before = info("te-0");
    String registration = te0.taskExecutor().registrationId().orElseThrow();
    var slotsBefore = te0.taskExecutor().slots();
    TaskExecutorIdentity te0Identity = TaskExecutorIdentity.newBuilder().setResourceId("te-0")
        .setInstanceId(before.instanceId()).build();
    RequestMutator mutator = new RequestMutator(new Random(SEED), List.of("te-0", before.instanceId(),
        registration, resourceManager().id(), kept.get(0), kept.get(1), "keep"));

    Map<String, Map<Status.Code, Integer>> answers = new LinkedHashMap<>();
    int logLines;
    int acceptedRegistrations;
    try (LogCapture log = new LogCapture()) {
      FencingToken unknownRm = FencingToken.newBuilder().setResourceManagerId(FUZZ_RM).setLeaderEpoch(1).build();
      fuzzUnary(answers, teChannel, TaskExecutorGatewayGrpc.getRequestHeartbeatMethod(), mutator,
          HeartbeatRequest.newBuilder().setFencingToken(unknownRm).setTaskExecutor(te0Identity).build());
      fuzzUnary(answers, teChannel, TaskExecutorGatewayGrpc.getRequestSlotMethod(), mutator,
          RequestSlotRequest.newBuilder().setFencingToken(unknownRm).setTaskExecutor(te0Identity).setSlotIndex(0)
              .setAllocationId("fuzz-allocation").setJobId("fuzz-job").build());
      fuzzUnary(answers, teChannel, TaskExecutorGatewayGrpc.getFreeSlotMethod(), mutator,
          FreeSlotRequest.newBuilder().setFencingToken(unknownRm).setTaskExecutor(te0Identity)
              .setAllocationId("fuzz-allocation").setCause("fuzz").build());
      fuzzUnary(answers, teChannel, TaskExecutorGatewayGrpc.getDisconnectResourceManagerMethod(), mutator,
          DisconnectResourceManagerRequest.newBuilder().setFencingToken(unknownRm).setTaskExecutor(te0Identity)
              .setReason(LossReason.LOSS_REASON_DISCONNECTED).setCause("fuzz").build());
      fuzzUnary(answers, rmChannel, SlotPoolGrpc.getAllocateSlotsMethod(), mutator,
          AllocateSlotsRequest.newBuilder().setJobId("fuzz-job").setSlots(1).build());
      fuzzUnary(answers, rmChannel, SlotPoolGrpc.getReleaseAllocationMethod(), mutator,
          ReleaseAllocationRequest.newBuilder().setAllocationId("fuzz-allocation").build());
      // A valid watch is answered only when it is cancelled: its deadline ends it.
      fuzz(answers, rmChannel, SlotPoolGrpc.getWatchAllocationsMethod(), mutator,
          WatchAllocationsRequest.newBuilder().setJobId("fuzz-job").build(), Duration.ofSeconds(1), 512, false);
      fuzzUnary(answers, rmChannel, ResourceManagerGatewayGrpc.getSendSlotReportMethod(), mutator,
          SendSlotReportRequest.newBuilder().setRegistrationId(FUZZ_REGISTRATION).setTaskExecutor(te0Identity)
              .setSlotReport(freeSlots(2)).build());
      fuzzUnary(answers, rmChannel, ResourceManagerGatewayGrpc.getDisconnectTaskExecutorMethod(), mutator,
          DisconnectTaskExecutorRequest.newBuilder().setRegistrationId(FUZZ_REGISTRATION).setTaskExecutor(te0Identity)
              .setReason(LossReason.LOSS_REASON_DISCONNECTED).setCause("fuzz").build());
      // Last, so that a registration a mutation makes valid cannot lend its slots to the calls above.
      fuzzUnary(answers, rmChannel, ResourceManagerGatewayGrpc.getRegisterTaskExecutorMethod(), mutator,
          RegisterTaskExecutorRequest.newBuilder().setTaskExecutor(TaskExecutorIdentity.newBuilder()
                  .setResourceId("fuzz-executor").setInstanceId("fuzz-instance"))
              .setRpcAddress("127.0.0.1:1").setNumberOfSlots(2).setSlotReport(freeSlots(1)).build());
      acceptedRegistrations = answers.get("RegisterTaskExecutor").getOrDefault(Status.Code.OK, 0);
      logLines = log.lines();
      System.out.println("gRPC fuzz, seed " + SEED + ", " + PER_METHOD + " calls per method: " + answers
          + "; " + logLines + " log lines");
      assertThat(forbidden).as("answers that must never be (seed %d)", SEED).isEmpty();
      assertThat(logLines).as("log lines of the whole run, seed %d; the first: %s", SEED, log.first(20))
          .isLessThanOrEqualTo(LOG_BUDGET + LINES_PER_ACCEPTED_REGISTRATION * acceptedRegistrations);
    }

    // The refused calls changed nothing, and the cluster still works.
    TaskExecutorInfo after = info("te-0");
    assertThat(after.instanceId()).as("seed %d", SEED).isEqualTo(before.instanceId());
    assertThat(after.address()).isEqualTo(before.address());
    assertThat(after.registeredAt()).isEqualTo(before.registeredAt());
    assertThat(after.slotsTotal()).isEqualTo(2);
    assertThat(after.slotsFree()).isZero();
    assertThat(te0.taskExecutor().registrationId()).contains(registration);
    assertThat(te0.taskExecutor().slots()).isEqualTo(slotsBefore);
    assertThat(resourceManager().allocations("keep").join()).map(Allocation::allocationId)
        .containsExactlyInAnyOrderElementsOf(kept);
    long lastHeartbeat = after.lastHeartbeat();
    await().atMost(Duration.ofSeconds(30)).until(() -> info("te-0").lastHeartbeat() > lastHeartbeat);
    assertThat(info("te-0").state()).isEqualTo("ACTIVE");
  }

  private void fuzzUnary(Map<String, Map<Status.Code, Integer>> answers, ManagedChannel channel,
      MethodDescriptor<?, ?> method, RequestMutator mutator, Message base) throws InterruptedException {
    fuzz(answers, channel, method, mutator, base, Duration.ofSeconds(30), 64, true);
  }

  /**
   * Sends {@link #PER_METHOD} mutations of {@code base} to {@code method}, {@code concurrency} at a
   * time, and counts the answers by status; records the forbidden ones in {@link #forbidden}.
   *
   * @param mustAnswer whether running into the deadline is forbidden too
   */
  private void fuzz(Map<String, Map<Status.Code, Integer>> answers, ManagedChannel channel,
      MethodDescriptor<?, ?> method, RequestMutator mutator, Message base, Duration deadline, int concurrency,
      boolean mustAnswer) throws InterruptedException {
    MethodDescriptor<byte[], byte[]> raw = RawCalls.raw(method);
    Map<Status.Code, Integer> codes = new EnumMap<>(Status.Code.class);
    Semaphore inFlight = new Semaphore(concurrency);
    for (int i = 0; i < PER_METHOD; i++) {
      List<byte[]> messages = switch (i % 200) {
        case 0 -> List.of(); // no request at all
        case 1 -> List.of(mutator.mutate(base), base.toByteArray()); // one request too many
        case 2 -> List.of(new byte[5 << 20]); // over the 4 MB default of rpc.max-message-size
        default -> List.of(mutator.mutate(base));
      };
      inFlight.acquire();
      ClientCall<byte[], byte[]> call = channel.newCall(raw, CallOptions.DEFAULT.withDeadlineAfter(
          deadline.toMillis(), TimeUnit.MILLISECONDS));
      call.start(new ClientCall.Listener<>() {
        @Override
        public void onClose(Status status, Metadata trailers) {
          synchronized (codes) {
            codes.merge(status.getCode(), 1, Integer::sum);
          }
          boolean hung = mustAnswer && status.getCode() == Status.Code.DEADLINE_EXCEEDED;
          if (status.getCode() == Status.Code.UNKNOWN || status.getCode() == Status.Code.INTERNAL || hung) {
            forbidden.add(method.getBareMethodName() + " answered " + status + " to "
                + HexFormat.of().formatHex(messages.isEmpty() ? new byte[0] : messages.get(0), 0,
                    messages.isEmpty() ? 0 : Math.min(64, messages.get(0).length)));
          }
          inFlight.release();
        }
      }, new Metadata());
      call.request(Integer.MAX_VALUE);
      messages.forEach(call::sendMessage);
      call.halfClose();
    }
    assertThat(inFlight.tryAcquire(concurrency, deadline.toSeconds() + 60, TimeUnit.SECONDS))
        .as("every call of %s ended, seed %d", method.getBareMethodName(), SEED).isTrue();
    synchronized (codes) {
      answers.put(method.getBareMethodName(), new EnumMap<>(codes));
    }
  }

  private ResourceManager resourceManager() {
    return ((InProcessResourceManager) cluster.resourceManager()).resourceManager();
  }

  private TaskExecutorInfo info(String id) {
    return resourceManager().taskExecutor(id).join().orElseThrow();
  }

  private static SlotReport freeSlots(int count) {
    SlotReport.Builder report = SlotReport.newBuilder();
    for (int i = 0; i < count; i++) {
      report.addSlots(SlotStatus.newBuilder().setSlotIndex(i).setState(SlotState.SLOT_STATE_FREE));
    }
    return report.build();
  }

  /**
   * Everything logged while open, from INFO up as the processes log by default, through logback and
   * through java.util.logging (where grpc-java writes); the console stays quiet meanwhile.
   */
  private static final class LogCapture implements AutoCloseable {
    private final Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    private final Level rootLevel = root.getLevel();
    private final ListAppender<ILoggingEvent> appender = new ListAppender<>();
    private final List<Appender<ILoggingEvent>> detached = new ArrayList<>();
    private final java.util.logging.Logger julRoot = java.util.logging.Logger.getLogger("");
    private final Queue<LogRecord> julRecords = new ConcurrentLinkedQueue<>();
    private final Handler julHandler = new Handler() {
      @Override
      public void publish(LogRecord record) {
        if (record.getLevel().intValue() >= java.util.logging.Level.INFO.intValue()) {
          julRecords.add(record);
        }
      }

      @Override
      public void flush() {}

      @Override
      public void close() {}
    };

    LogCapture() {
      for (Iterator<Appender<ILoggingEvent>> it = root.iteratorForAppenders(); it.hasNext(); ) {
        detached.add(it.next());
      }
      detached.forEach(root::detachAppender);
      appender.start();
      root.addAppender(appender);
      root.setLevel(Level.INFO);
      julRoot.addHandler(julHandler);
    }

    int lines() {
      return appender.list.size() + julRecords.size();
    }

    String first(int n) {
      List<String> lines = new ArrayList<>();
      synchronized (appender.list) {
        appender.list.stream().limit(n).forEach(e -> lines.add(e.getLevel() + " " + e.getLoggerName() + " - "
            + e.getFormattedMessage()));
      }
      julRecords.stream().limit(n).forEach(r -> lines.add("JUL " + r.getLevel() + " " + r.getLoggerName() + " - "
          + r.getMessage()));
      return String.join("\n", lines);
    }

    @Override
    public void close() {
      julRoot.removeHandler(julHandler);
      root.detachAppender(appender);
      root.setLevel(rootLevel);
      detached.forEach(root::addAppender);
    }
  }
}
