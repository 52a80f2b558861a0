package dev.pulse.rm.grpc;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pulse.heartbeat.HeartbeatConfig;
import dev.pulse.heartbeat.ResourceId;
import dev.pulse.heartbeat.time.ManualMainThreadExecutor;
import dev.pulse.proto.v1.HeartbeatRequest;
import dev.pulse.rm.FencingToken;
import dev.pulse.rm.SlotReport;
import dev.pulse.rm.TaskExecutorConnection;
import dev.pulse.rm.TaskExecutorRegistration;
import dev.pulse.rpc.ChannelPool;
import dev.pulse.rpc.RpcConfig;
import dev.pulse.rpc.RpcTransport;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.ForwardingClientCall.SimpleForwardingClientCall;
import io.grpc.MethodDescriptor;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The connector's heartbeat targets share one factory per fencing token: its heartbeat call options are
 * built once per millisecond for all task executors, not once per heartbeat, and a new term's targets send the
 * new token. No task executor listens: the calls fail, but each passes the pool's interceptor first.
 */
class GrpcTaskExecutorConnectorTest {

  private static final int TASK_EXECUTORS = 50;

  private final Set<CallOptions> options = Collections.synchronizedSet(Collections.newSetFromMap(new IdentityHashMap<>()));
  private final List<HeartbeatRequest> sent = new CopyOnWriteArrayList<>();
  private final RpcTransport transport = RpcTransport.create(RpcConfig.DEFAULTS, "connector-test", 1);
  private final ChannelPool channels = new ChannelPool(transport, List.of(new Recording()));
  private final List<TaskExecutorConnection> connections = new ArrayList<>();
  private final GrpcTaskExecutorConnector connector = new GrpcTaskExecutorConnector(channels,
      HeartbeatConfig.of(Duration.ofSeconds(10), Duration.ofSeconds(50)), new ManualMainThreadExecutor());

  @AfterEach
  void tearDown() {
    connections.forEach(TaskExecutorConnection::close);
    channels.close();
    transport.close();
  }

  @Test
  void heartbeatTargets_ofOneTerm_shareTheirCallOptions() {
    List<TaskExecutorConnection> term = connect(new FencingToken("rm-1", 1), TASK_EXECUTORS);

    // One request each, back to back: a fraction of a millisecond per call, so a shared factory renews its
    // options a few times at most, where one factory per task executor builds one per call.
    term.forEach(c -> c.heartbeatTarget().requestHeartbeat(ResourceId.of("rm-1"), null));

    assertThat(sent).hasSize(TASK_EXECUTORS);
    assertThat(options).as("distinct call options of %d heartbeat calls", TASK_EXECUTORS)
        .hasSizeLessThanOrEqualTo(TASK_EXECUTORS / 2);
  }

  @Test
  void heartbeatTargets_ofANewTerm_sendItsFencingToken() {
    TaskExecutorConnection first = connect(new FencingToken("rm-1", 1), 1).get(0);
    TaskExecutorConnection second = connect(new FencingToken("rm-1", 2), 1).get(0);

    first.heartbeatTarget().requestHeartbeat(ResourceId.of("rm-1"), null);
    second.heartbeatTarget().requestHeartbeat(ResourceId.of("rm-1"), null);

    assertThat(sent).extracting(r -> r.getFencingToken().getLeaderEpoch()).containsExactly(1L, 2L);
  }

  private List<TaskExecutorConnection> connect(FencingToken fencing, int count) {
    List<TaskExecutorConnection> made = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      // Port 1 on loopback: nothing listens, the connection is refused at once.
      TaskExecutorRegistration registration = new TaskExecutorRegistration("te-" + connections.size(), "instance-1",
          "127.0.0.1:1", 1, SlotReport.allFree(1));
      TaskExecutorConnection connection = connector.connect(registration, fencing, report -> {});
      connections.add(connection);
      made.add(connection);
    }
    return made;
  }

  /** Records the options of every call and the heartbeat requests sent. */
  private final class Recording implements ClientInterceptor {
    @Override
    public <Q, A> ClientCall<Q, A> interceptCall(MethodDescriptor<Q, A> method, CallOptions callOptions, Channel next) {
      options.add(callOptions);
      return new SimpleForwardingClientCall<>(next.newCall(method, callOptions)) {
        @Override
        public void sendMessage(Q message) {
          if (message instanceof HeartbeatRequest request) {
            sent.add(request);
          }
          super.sendMessage(message);
        }
      };
    }
  }
}
