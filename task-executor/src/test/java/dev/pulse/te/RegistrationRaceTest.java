package dev.pulse.te;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.pulse.config.Settings;
import dev.pulse.rm.Allocation;
import dev.pulse.rm.ResourceManager;
import dev.pulse.rm.ResourceManagerListener;
import dev.pulse.rm.TaskExecutorInfo;
import dev.pulse.rm.server.ResourceManagerServer;
import dev.pulse.te.server.TaskExecutorServer;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.ForwardingClientCall.SimpleForwardingClientCall;
import io.grpc.ForwardingClientCallListener.SimpleForwardingClientCallListener;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A scheduler that allocates the moment it hears {@code taskExecutorRegistered} must get its slots,
 * however long the registration answer takes to reach the task executor: the resource manager offers
 * the slots only once the task executor has confirmed that it took the answer.
 */
class RegistrationRaceTest {

  private static final Duration PATIENCE = Duration.ofSeconds(20);
  /** How late the registration answer reaches the task executor (the window of the old race). */
  private static final long ANSWER_DELAY_MS = 300;

  private final ScheduledExecutorService delayer = Executors.newSingleThreadScheduledExecutor();
  private ResourceManagerServer server;
  private ResourceManager rm;
  private TaskExecutorServer te;

  @AfterEach
  void close() {
    if (te != null) {
      te.close();
    }
    if (server != null) {
      server.close();
    }
    delayer.shutdownNow();
  }

  @Test
  void allocatingOnTaskExecutorRegistered_succeeds_evenWhenTheAnswerReachesTheExecutorLate() throws Exception {
    CompletableFuture<CompletableFuture<List<Allocation>>> allocation = new CompletableFuture<>();
    Settings settings = Settings.of("heartbeat.interval", "1 s", "heartbeat.timeout", "10 s",
        "resourcemanager.rpc.port", "0");
    server = ResourceManagerServer.builder().settings(settings).serveRest(false)
        .listener(new ResourceManagerListener() {
          @Override
          public void taskExecutorRegistered(TaskExecutorInfo taskExecutor) {
            allocation.complete(rm.allocateSlots("job-1", 2));
          }
        }).build().start();
    rm = server.resourceManager();

    te = TaskExecutorServer.builder()
        .settings(settings.with("resourcemanager.rpc.port", Integer.toString(server.rpcAddress().getPort()))
            .with("taskexecutor.resource-id", "te-1").with("taskexecutor.numberOfTaskSlots", "2"))
        .clientInterceptor(new DelayRegistrationAnswers())
        .build().start();

    List<Allocation> allocated = allocation.get(PATIENCE.toSeconds(), TimeUnit.SECONDS)
        .get(PATIENCE.toSeconds(), TimeUnit.SECONDS);
    assertThat(allocated).hasSize(2).allSatisfy(a -> assertThat(a.taskExecutorId()).isEqualTo("te-1"));
    await().atMost(PATIENCE).untilAsserted(() -> assertThat(te.slots()).noneMatch(TaskSlot::isFree));
  }

  /** Hands the answers of {@code RegisterTaskExecutor} to the task executor {@link #ANSWER_DELAY_MS} late. */
  private final class DelayRegistrationAnswers implements ClientInterceptor {
    @Override
    public <Q, R> ClientCall<Q, R> interceptCall(MethodDescriptor<Q, R> method, CallOptions options, Channel next) {
      ClientCall<Q, R> call = next.newCall(method, options);
      if (!method.getBareMethodName().equals("RegisterTaskExecutor")) {
        return call;
      }
      return new SimpleForwardingClientCall<>(call) {
        @Override
        public void start(Listener<R> listener, Metadata headers) {
          super.start(new SimpleForwardingClientCallListener<>(listener) {
            @Override
            public void onMessage(R message) {
              later(() -> delegate().onMessage(message));
            }

            @Override
            public void onClose(Status status, Metadata trailers) {
              later(() -> delegate().onClose(status, trailers));
            }
          }, headers);
        }
      };
    }

    private void later(Runnable step) {
      // One thread, equal delays: the steps keep their order.
      delayer.schedule(step, ANSWER_DELAY_MS, TimeUnit.MILLISECONDS);
    }
  }
}
