package dev.pulse.harness;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.pulse.proto.v1.DisconnectTaskExecutorRequest;
import dev.pulse.proto.v1.RegisterTaskExecutorRequest;
import dev.pulse.proto.v1.ResourceManagerGatewayGrpc;
import dev.pulse.proto.v1.ResourceManagerGatewayGrpc.ResourceManagerGatewayBlockingStub;
import dev.pulse.proto.v1.SendSlotReportRequest;
import dev.pulse.proto.v1.SlotReport;
import dev.pulse.proto.v1.SlotState;
import dev.pulse.proto.v1.SlotStatus;
import dev.pulse.proto.v1.TaskExecutorIdentity;
import dev.pulse.rm.EventType;
import dev.pulse.rm.LossReason;
import dev.pulse.rm.TaskExecutorInfo;
import dev.pulse.rpc.ChannelLease;
import dev.pulse.rpc.ChannelPool;
import dev.pulse.rpc.RpcConfig;
import dev.pulse.rpc.RpcSecurityConfig;
import dev.pulse.rpc.RpcTransport;
import dev.pulse.rpc.TestPki;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A cluster with mutual TLS and a token: it comes up with a certificate per task executor, allocates,
 * still detects a killed task executor, and refuses a task executor that acts under another's
 * resource id; its REST API serves HTTPS and wants the token for changes (and, with
 * {@code rest.auth.read}, for reads), and the harness's own REST client sends it. Certificates are
 * issued at test time.
 */
class SecureClusterTest {

  private static final String TOKEN = "harness-tls-token-0123456789";
  private static final String ALLOCATE = "{\"jobId\": \"job-rest\", \"slots\": 1}";

  @TempDir
  Path dir;

  private TestPki pki;

  @BeforeEach
  void issueCa() {
    pki = TestPki.create(dir, "harness");
  }

  @Test
  void mutualTlsAndToken_clusterWorks() throws Exception {
    try (MiniCluster cluster = secureCluster().build().start()) {
      URI allocations = cluster.restUrl().resolve("/v1/allocations");
      RestClient anonymous = new RestClient(null, pki.caFile());

      assertThat(cluster.restUrl().getScheme()).isEqualTo("https");
      assertThat(anonymous.send("POST", allocations, ALLOCATE).statusCode()).isEqualTo(401);
      assertThat(anonymous.send("GET", allocations, null).body()).isEqualTo("{\"allocations\":[]}");
      assertThat(cluster.restClient().send("POST", allocations, ALLOCATE).statusCode()).isEqualTo(201);
      assertThatThrownBy(() -> new RestClient().send("GET", plainHttp(cluster.restUrl()).resolve("/healthz"), null))
          .isInstanceOf(UncheckedIOException.class);

      assertThat(cluster.slotPool().allocate("job-1", 2)).hasSize(2);
      long killedAt = System.currentTimeMillis();
      cluster.taskExecutor(0).kill();

      var lost = cluster.awaitEvent(EventType.TASK_EXECUTOR_LOST, "te-0", Duration.ofSeconds(30));
      assertThat(lost.reason()).isEqualTo(LossReason.UNREACHABLE);
      Bounds.assertDetectedWithin("kill (TLS)", killedAt, lost, Bounds.unreachable(cluster));
    }
  }

  @Test
  void processes_withTlsTokenAndRestAuthRead_harnessReadsRestWithTheToken() {
    // Starting waits for the task executors through GET /v1/overview of the child process, which answers
    // only requests that carry the token, over HTTPS: start() returning proves the harness's client works.
    try (MiniCluster cluster = secureCluster().taskExecutors(1).mode(MiniCluster.Mode.PROCESSES)
        .setting("rest.auth.read", "true").build().start()) {
      URI overview = cluster.restUrl().resolve("/v1/overview");

      assertThat(cluster.restUrl().getScheme()).isEqualTo("https");
      assertThat(cluster.resourceManager().overview().taskExecutors()).isEqualTo(1);
      assertThat(cluster.metrics()).contains("pulse_task_executors_registered");
      assertThat(new RestClient(null, pki.caFile()).send("GET", overview, null).statusCode()).isEqualTo(401);
      assertThat(new RestClient(null, pki.caFile()).send("GET", cluster.restUrl().resolve("/healthz"), null)
          .statusCode()).isEqualTo(200);
    }
  }

  private static URI plainHttp(URI https) {
    return URI.create("http://" + https.getRawAuthority());
  }

  @Test
  void mutualTls_callsUnderAnotherTaskExecutorsId_permissionDenied_andChangeNothing() throws Exception {
    TestPki.Identity te1 = pki.issue("node-1", "te-1"); // te-1 by a DNS subject alternative name
    try (MiniCluster cluster = secureCluster().taskExecutorCertificate("te-1", te1.cert(), te1.key()).build()
            .start();
        RpcTransport transport = RpcTransport.create(RpcConfig.of(RpcSecurityConfig.tls(te1.cert(), te1.key(),
            pki.caFile()).withTokenFile(Files.writeString(dir.resolve("token"), TOKEN))), "te-1-impostor", 1);
        ChannelPool channels = new ChannelPool(transport);
        ChannelLease lease = channels.acquire(cluster.resourceManager().rpcAddress())) {
      ResourceManagerGatewayBlockingStub asTe1 = ResourceManagerGatewayGrpc.newBlockingStub(lease.channel());
      InProcessTaskExecutor te0 = (InProcessTaskExecutor) cluster.taskExecutor("te-0");
      TaskExecutorIdentity asTe0 = TaskExecutorIdentity.newBuilder().setResourceId("te-0").setInstanceId("impostor")
          .build();
      await().atMost(Duration.ofSeconds(30)).until(() -> info(cluster, "te-0").state().equals("ACTIVE")
          && te0.taskExecutor().isRegistered());
      String registration = te0.taskExecutor().registrationId().orElseThrow();
      TaskExecutorInfo before = info(cluster, "te-0");

      Status register = statusOf(asTe1, s -> s.registerTaskExecutor(RegisterTaskExecutorRequest.newBuilder()
          .setTaskExecutor(asTe0).setRpcAddress("127.0.0.1:1").setNumberOfSlots(2).setSlotReport(freeSlots(2))
          .build()));
      Status report = statusOf(asTe1, s -> s.sendSlotReport(SendSlotReportRequest.newBuilder()
          .setRegistrationId(registration).setTaskExecutor(asTe0).setSlotReport(freeSlots(2)).build()));
      Status disconnect = statusOf(asTe1, s -> s.disconnectTaskExecutor(DisconnectTaskExecutorRequest.newBuilder()
          .setRegistrationId(registration).setTaskExecutor(asTe0.toBuilder().setInstanceId(before.instanceId()))
          .setReason(dev.pulse.proto.v1.LossReason.LOSS_REASON_DISCONNECTED).setCause("impostor").build()));

      assertThat(register.getCode()).as(register.toString()).isEqualTo(Status.Code.PERMISSION_DENIED);
      assertThat(register.getDescription()).contains("'te-0'", "'te-1'");
      assertThat(report.getCode()).as(report.toString()).isEqualTo(Status.Code.PERMISSION_DENIED);
      assertThat(disconnect.getCode()).as(disconnect.toString()).isEqualTo(Status.Code.PERMISSION_DENIED);
      TaskExecutorInfo after = info(cluster, "te-0");
      assertThat(after.instanceId()).isEqualTo(before.instanceId());
      assertThat(after.address()).isEqualTo(before.address());
      assertThat(after.state()).isEqualTo("ACTIVE");
      assertThat(te0.taskExecutor().registrationId()).contains(registration);
      assertThat(cluster.resourceManager().overview().taskExecutors()).isEqualTo(2);
    }
  }

  /** Two task executors, each with a certificate for its own id (CN), and one for the RM and the harness. */
  private MiniCluster.Builder secureCluster() {
    TestPki.Identity rm = pki.issue("rm");
    TestPki.Identity te0 = pki.issue("te-0");
    TestPki.Identity te1 = pki.issue("te-1");
    return MiniCluster.builder().taskExecutors(2).tls(rm.cert(), rm.key(), pki.caFile())
        .taskExecutorCertificate("te-0", te0.cert(), te0.key())
        .taskExecutorCertificate("te-1", te1.cert(), te1.key())
        .authToken(TOKEN);
  }

  private static TaskExecutorInfo info(MiniCluster cluster, String id) {
    return ((InProcessResourceManager) cluster.resourceManager()).resourceManager().taskExecutor(id).join()
        .orElseThrow();
  }

  private static SlotReport freeSlots(int count) {
    SlotReport.Builder report = SlotReport.newBuilder();
    for (int i = 0; i < count; i++) {
      report.addSlots(SlotStatus.newBuilder().setSlotIndex(i).setState(SlotState.SLOT_STATE_FREE));
    }
    return report.build();
  }

  private static Status statusOf(ResourceManagerGatewayBlockingStub stub,
      Function<ResourceManagerGatewayBlockingStub, ?> call) {
    try {
      call.apply(stub.withDeadlineAfter(10, TimeUnit.SECONDS));
      return Status.OK;
    } catch (StatusRuntimeException e) {
      return e.getStatus();
    }
  }
}
