package dev.pulse.rpc;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pulse.proto.v1.RegisterTaskExecutorRequest;
import dev.pulse.proto.v1.RegisterTaskExecutorResponse;
import dev.pulse.proto.v1.ResourceManagerGatewayGrpc;
import dev.pulse.proto.v1.TaskExecutorIdentity;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Under mutual TLS a caller may act only as a resource id its certificate names (CN, DNS or URI
 * subject alternative name); without it any id passes. Certificates are issued at test time; the
 * server is a real {@link RpcServer} whose service checks the id as the resource manager's does.
 */
class PeerIdentityTest {

  @TempDir
  Path dir;

  private final Closer closer = new Closer();
  private TestPki pki;
  private TestPki.Identity serverCert;

  @BeforeEach
  void issue() {
    pki = TestPki.create(dir, "pulse");
    serverCert = pki.issue("rm");
  }

  @AfterEach
  void closeAll() {
    closer.close();
  }

  @Test
  void mutualTls_idIsTheCommonName_accepted() {
    String address = startServer(RpcSecurityConfig.tls(serverCert.cert(), serverCert.key(), pki.caFile()));

    assertThat(register(address, pki.issue("te-0"), "te-0").getCode()).isEqualTo(Status.Code.OK);
  }

  @Test
  void mutualTls_otherId_permissionDeniedNamingBothIds() {
    String address = startServer(RpcSecurityConfig.tls(serverCert.cert(), serverCert.key(), pki.caFile()));

    Status status = register(address, pki.issue("te-1"), "te-0");

    assertThat(status.getCode()).as(status.toString()).isEqualTo(Status.Code.PERMISSION_DENIED);
    assertThat(status.getDescription()).startsWith("task_executor.resource_id: 'te-0' is not named in the caller's"
        + " client certificate, which names 'te-1', 'localhost'");
  }

  @Test
  void mutualTls_idIsADnsAlternativeName_accepted() {
    String address = startServer(RpcSecurityConfig.tls(serverCert.cert(), serverCert.key(), pki.caFile()));

    assertThat(register(address, pki.issue("node-7", "te-0"), "te-0").getCode()).isEqualTo(Status.Code.OK);
  }

  @Test
  void mutualTls_idIsTheLastSegmentOfAUriAlternativeName_accepted() {
    String address = startServer(RpcSecurityConfig.tls(serverCert.cert(), serverCert.key(), pki.caFile()));
    TestPki.Identity spiffe = pki.issue("node-7", "spiffe://pulse.example/te/te-3");

    assertThat(register(address, spiffe, "te-3").getCode()).isEqualTo(Status.Code.OK);
    assertThat(register(address, spiffe, "te").getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);
  }

  @Test
  void tlsWithoutTrustFile_noClientIdentity_anyIdAccepted() {
    String address = startServer(RpcSecurityConfig.tls(serverCert.cert(), serverCert.key(), null));

    assertThat(register(address, pki.issue("te-1"), "te-0").getCode()).isEqualTo(Status.Code.OK);
  }

  @Test
  void names_commonNameThenDnsThenUriLastSegment() throws Exception {
    TestPki.Identity identity = pki.issue("node-7", "te-0", "urn:pulse:te-5");

    X509Certificate certificate;
    try (InputStream in = Files.newInputStream(identity.cert())) {
      certificate = (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in);
    }

    assertThat(PeerIdentity.names(certificate)).containsExactly("node-7", "localhost", "te-0", "te-5");
  }

  /** A resource manager gateway that only checks the caller's identity, on a server with {@code security}. */
  private String startServer(RpcSecurityConfig security) {
    RpcTransport transport = closer.register(RpcTransport.create(RpcConfig.of(security), "rm", 1));
    RpcServer server = closer.register(RpcServer.builder(transport,
        new InetSocketAddress(InetAddress.getLoopbackAddress(), 0)).addService(new IdentityCheckingGateway()).start());
    return "127.0.0.1:" + server.port();
  }

  /** The status of a registration as {@code resourceId} from a client presenting {@code clientCert}. */
  private Status register(String address, TestPki.Identity clientCert, String resourceId) {
    RpcTransport transport = closer.register(RpcTransport.create(
        RpcConfig.of(RpcSecurityConfig.tls(clientCert.cert(), clientCert.key(), pki.caFile())), "te", 1));
    ChannelPool channels = closer.register(new ChannelPool(transport));
    ChannelLease lease = closer.register(channels.acquire(address));
    try {
      ResourceManagerGatewayGrpc.newBlockingStub(lease.channel()).withDeadlineAfter(10, TimeUnit.SECONDS)
          .registerTaskExecutor(RegisterTaskExecutorRequest.newBuilder()
              .setTaskExecutor(TaskExecutorIdentity.newBuilder().setResourceId(resourceId).setInstanceId("i-1"))
              .build());
      return Status.OK;
    } catch (StatusRuntimeException e) {
      return e.getStatus();
    }
  }

  private static final class IdentityCheckingGateway extends ResourceManagerGatewayGrpc.ResourceManagerGatewayImplBase {
    @Override
    public void registerTaskExecutor(RegisterTaskExecutorRequest request,
        StreamObserver<RegisterTaskExecutorResponse> observer) {
      try {
        PeerIdentity.checkResourceId("task_executor.resource_id", request.getTaskExecutor().getResourceId());
      } catch (StatusRuntimeException e) {
        observer.onError(e);
        return;
      }
      observer.onNext(RegisterTaskExecutorResponse.getDefaultInstance());
      observer.onCompleted();
    }
  }
}
