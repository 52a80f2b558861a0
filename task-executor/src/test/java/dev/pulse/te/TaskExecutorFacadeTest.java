package dev.pulse.te;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.pulse.heartbeat.HeartbeatConfig;
import dev.pulse.heartbeat.ResourceId;
import dev.pulse.heartbeat.time.Quietly;
import dev.pulse.heartbeat.time.ScheduledMainThreadExecutor;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The thread-safe facade over the core, on a real main thread with a scripted resource manager (no
 * transport): what it reports before and after registering, its lifecycle, and the goodbye on close.
 */
class TaskExecutorFacadeTest {

  private static final Duration PATIENCE = Duration.ofSeconds(30);

  private final ScheduledMainThreadExecutor main = new ScheduledMainThreadExecutor("te-facade-test");
  private final ScriptedResourceManagerClient client = new ScriptedResourceManagerClient(main).acceptAll();
  private final TaskExecutorConfig config = new TaskExecutorConfig(ResourceId.of("te-1"), 2, "127.0.0.1", 0,
      Duration.ofMinutes(5), "rm.example", 6123, HeartbeatConfig.of(Duration.ofSeconds(10), Duration.ofSeconds(50)));
  private final TaskExecutor te = TaskExecutor.create(config, "instance-1", main, client, List.of());

  @AfterEach
  void tearDown() {
    te.close();
    main.close();
  }

  @Test
  void beforeStart_reportsItsIdentity_andNoResourceManager() {
    assertThat(te.resourceId()).isEqualTo("te-1");
    assertThat(te.instanceId()).isEqualTo("instance-1");
    assertThat(te.resourceManagerAddress()).isEqualTo("rm.example:6123");
    assertThat(te.numberOfSlots()).isEqualTo(2);
    assertThat(te.config()).isSameAs(config);
    assertThat(te).hasToString("TaskExecutor{te-1, instance instance-1}");
    assertThat(te.isRegistered()).isFalse();
    assertThat(te.registrationId()).isEmpty();
    assertThat(te.resourceManagerId()).isEmpty();
    assertThat(te.acceptedToken()).isNull();
    assertThat(te.slots()).extracting(TaskSlot::isFree).containsExactly(true, true);
    assertThat(te.slotReport().slots()).hasSize(2);
    assertThat(te.failStop()).isNotDone();
    assertThat(te.gateway()).isNotNull();
    assertThat(te.heartbeatReceiver()).isNotNull();
  }

  @Test
  void start_registersOnTheMainThread() throws Exception {
    te.start("127.0.0.1:5000");

    await().atMost(PATIENCE).until(te::isRegistered);
    assertThat(te.registrationId()).isEqualTo(Optional.of("reg-1"));
    assertThat(te.resourceManagerId()).isEqualTo(Optional.of("rm-1"));
    assertThat(onMain(te::acceptedToken)).isEqualTo(ScriptedResourceManagerClient.TOKEN);
    assertThat(onMain(() -> client.lastRegistration().rpcAddress())).isEqualTo("127.0.0.1:5000");
  }

  @Test
  void start_onlyOnce_andNotAfterClose() {
    te.start("127.0.0.1:5000");
    assertThatThrownBy(() -> te.start("127.0.0.1:5000")).isInstanceOf(IllegalStateException.class)
        .hasMessage("the task executor is already started");

    TaskExecutor other = TaskExecutor.create(config, "instance-2", main, client, List.of());
    other.close();
    assertThatThrownBy(() -> other.start("127.0.0.1:5000")).isInstanceOf(IllegalStateException.class)
        .hasMessage("the task executor is closed");
  }

  @Test
  void close_saysGoodbyeOnce_whenStarted() throws Exception {
    te.start("127.0.0.1:5000");
    await().atMost(PATIENCE).until(te::isRegistered);

    te.close();
    te.close();

    assertThat(onMain(() -> client.disconnects().size())).isEqualTo(1);
    assertThat(onMain(() -> client.disconnects().get(0).cause())).isEqualTo("task executor te-1 is shutting down");
  }

  @Test
  void close_beforeStart_saysNothing() throws Exception {
    te.close();

    assertThat(onMain(() -> client.registrations().size() + client.disconnects().size())).isZero();
  }

  @Test
  void resourceManagerRestarted_registersAgainAtOnce() throws Exception {
    te.start("127.0.0.1:5000");
    await().atMost(PATIENCE).until(te::isRegistered);

    main.execute(() -> te.resourceManagerRestarted(new FencingToken("rm-1", 8)));

    await().atMost(PATIENCE).until(() -> onMain(() -> client.registrations().size()) == 2);
  }

  @Test
  void resourceManagerHeartbeatAge_isAnsweredOnTheMainThread_emptyBeforeStart() throws Exception {
    assertThat(te.resourceManagerHeartbeatAge().get(PATIENCE.toSeconds(), TimeUnit.SECONDS)).isEmpty();
  }

  @Test
  void close_waitsForTheGoodbyeToBeAnswered() throws Exception {
    CompletableFuture<Void> goodbye = new CompletableFuture<>();
    client.answerGoodbyesWith(goodbye);
    te.start("127.0.0.1:5000");
    await().atMost(PATIENCE).until(te::isRegistered);

    CompletableFuture<Void> closed = CompletableFuture.runAsync(te::close);

    Quietly.during(Duration.ofMillis(300), "close returned before the goodbye was answered", () -> !closed.isDone());
    goodbye.complete(null);
    closed.get(PATIENCE.toSeconds(), TimeUnit.SECONDS);
  }

  @Test
  void close_onAnInterruptedThread_returnsAndKeepsTheInterrupt() throws Exception {
    client.answerGoodbyesWith(new CompletableFuture<>()); // never answered
    te.start("127.0.0.1:5000");
    await().atMost(PATIENCE).until(te::isRegistered);

    Thread.currentThread().interrupt();
    te.close();

    assertThat(Thread.interrupted()).as("the interrupt is kept for the caller").isTrue();
  }

  @Test
  void create_refusesAnInvalidInstanceId() {
    assertThatThrownBy(() -> TaskExecutor.create(config, "bad id", main, client, List.of()))
        .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("invalid instance id");
  }

  /** Reads on the main thread, where the scripted client and the core live. */
  private <T> T onMain(java.util.function.Supplier<T> read) throws Exception {
    CompletableFuture<T> result = new CompletableFuture<>();
    main.execute(() -> result.complete(read.get()));
    return result.get(PATIENCE.toSeconds(), TimeUnit.SECONDS);
  }
}
