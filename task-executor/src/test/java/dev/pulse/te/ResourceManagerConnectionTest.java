package dev.pulse.te;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pulse.heartbeat.HeartbeatConfig;
import dev.pulse.heartbeat.HeartbeatServices;
import dev.pulse.heartbeat.ResourceId;
import dev.pulse.heartbeat.time.ManualMainThreadExecutor;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/**
 * The connection on its own, on the fake clock, for what the task executor's core never makes it do: an
 * unreachable report from its heartbeat manager, a second close, and a client that throws instead of failing
 * its future.
 */
class ResourceManagerConnectionTest {

  private static final TaskExecutorInstance IDENTITY = new TaskExecutorInstance("te-1", "instance-1");
  private static final HeartbeatConfig HEARTBEAT = HeartbeatConfig.of(Duration.ofSeconds(1), Duration.ofSeconds(5));

  private final ManualMainThreadExecutor main = new ManualMainThreadExecutor();
  private final ScriptedResourceManagerClient client = new ScriptedResourceManagerClient(main).acceptAll();
  private final List<String> events = new ArrayList<>();

  @Test
  void notifyTargetUnreachable_whileRegistered_losesTheRegistrationAsATimeoutDoes() {
    ResourceManagerConnection connection = connection(client);
    connection.start("127.0.0.1:5000");
    main.runPending();
    assertThat(connection.registration()).isNotNull();
    client.answerNothing();

    connection.notifyTargetUnreachable(ResourceId.of("rm-1"));

    assertThat(connection.registration()).isNull();
    assertThat(events).containsExactly("registered reg-1",
        "lost reg-1: resource manager rm-1 sent no heartbeat request for 5 s (heartbeat.timeout)");
  }

  @Test
  void close_twice_bothAnsweredAtOnce_oneGoodbye() {
    ResourceManagerConnection connection = connection(client);
    connection.start("127.0.0.1:5000");
    main.runPending();

    CompletableFuture<Void> first = connection.close("stopping");
    CompletableFuture<Void> second = connection.close("stopping again");

    assertThat(first).isCompleted();
    assertThat(second).isCompleted();
    assertThat(client.disconnects()).hasSize(1);
  }

  @Test
  void close_whenTheClientThrowsOnTheGoodbye_stillCompletesNormally() {
    ResourceManagerClient throwing = new ResourceManagerClient() {
      @Override
      public CompletableFuture<Registration> register(TaskExecutorInstance taskExecutor, String rpcAddress,
          int numberOfSlots, SlotReport slots) {
        return client.register(taskExecutor, rpcAddress, numberOfSlots, slots);
      }

      @Override
      public CompletableFuture<Void> sendSlotReport(String registrationId, TaskExecutorInstance taskExecutor,
          SlotReport slots) {
        return client.sendSlotReport(registrationId, taskExecutor, slots);
      }

      @Override
      public CompletableFuture<Void> disconnect(String registrationId, TaskExecutorInstance taskExecutor,
          String cause) {
        throw new IllegalStateException("client closed");
      }

      @Override
      public void close() {}
    };
    ResourceManagerConnection connection = connection(throwing);
    connection.start("127.0.0.1:5000");
    main.runPending();

    CompletableFuture<Void> goodbye = connection.close("stopping");

    assertThat(goodbye).isCompleted();
  }

  private ResourceManagerConnection connection(ResourceManagerClient rm) {
    SlotTable slots = new SlotTable(1);
    return new ResourceManagerConnection(IDENTITY, 1, slots::report, "127.0.0.1:6123", Duration.ofMinutes(5),
        HeartbeatServices.of(HEARTBEAT), rm, main, RetryBackoff.forRegistration(() -> 1.0),
        new ResourceManagerConnection.Events() {
          @Override
          public void registered(Registration registration) {
            events.add("registered " + registration.registrationId());
          }

          @Override
          public void lost(Registration registration, String why) {
            events.add("lost " + registration.registrationId() + ": " + why);
          }

          @Override
          public void gaveUp(String reason) {
            events.add("gave up: " + reason);
          }
        });
  }
}
