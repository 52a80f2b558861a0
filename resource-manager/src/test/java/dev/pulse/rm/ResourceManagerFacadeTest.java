package dev.pulse.rm;

import static dev.pulse.rm.FakeTaskExecutors.registration;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pulse.heartbeat.HeartbeatConfig;
import dev.pulse.heartbeat.time.ManualMainThreadExecutor;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import org.junit.jupiter.api.Test;

/**
 * The facade alone, in-process: no transport, a {@link FakeTaskExecutors} connector and a main thread the
 * test drives on a fake clock, as its javadoc shows.
 */
class ResourceManagerFacadeTest {

  private static final Duration INTERVAL = Duration.ofSeconds(1);
  private static final Duration TIMEOUT = Duration.ofSeconds(5);

  private final ManualMainThreadExecutor main = new ManualMainThreadExecutor();
  private final FakeTaskExecutors fakes = new FakeTaskExecutors();
  private final List<String> heard = new CopyOnWriteArrayList<>();

  @Test
  void onACallerDrivenMainThread_registersAllocatesAndLosesOnTheFakeClock() {
    ResourceManager rm = builder().build();

    CompletableFuture<ResourceManager> started = rm.startAsync();
    assertThat(started).isNotDone();
    assertThat(rm.isRunning()).isFalse();
    main.runPending();
    assertThat(started).isCompletedWithValue(rm);
    assertThat(rm.isRunning()).isTrue();

    TaskExecutorRegistration te1 = registration("te-1", "i-1", 2);
    CompletableFuture<RegistrationResult> registered = rm.registerTaskExecutor(te1);
    main.runPending();
    assertThat(registered.join().fencing()).isEqualTo(new FencingToken("rm-facade", 1));
    CompletableFuture<Void> confirmed = rm.reportSlots("te-1", registered.join().registrationId(), te1.slotReport());
    CompletableFuture<List<Allocation>> allocated = rm.allocateSlots("job-1", 2);
    main.runPending();
    assertThat(confirmed).isCompleted();
    assertThat(allocated.join()).hasSize(2);
    assertThat(rm.overview()).isEqualTo(new Overview("rm-facade", 1, 1, 2, 0));

    fakes.get("te-1").health = FakeTaskExecutors.Health.SILENT;
    main.advance(TIMEOUT.plus(INTERVAL));
    List<Allocation> lost = allocated.join();
    assertThat(heard).containsExactly("registered te-1",
        "allocation lost " + lost.get(0).allocationId() + " HEARTBEAT_TIMEOUT",
        "allocation lost " + lost.get(1).allocationId() + " HEARTBEAT_TIMEOUT", "lost te-1 HEARTBEAT_TIMEOUT");
    assertThat(rm.overview().taskExecutors()).isZero();

    TaskExecutorRegistration te2 = registration("te-2", "i-2", 1);
    rm.registerTaskExecutor(te2);
    main.runPending();
    assertThat(fakes.get("te-2").closed).isFalse();

    CompletableFuture<Void> closed = rm.closeAsync();
    assertThat(rm.isRunning()).isFalse();
    main.runPending();
    assertThat(closed).isCompleted();
    assertThat(fakes.get("te-2").closed).as("connections closed with the core").isTrue();
  }

  @Test
  void admission_isAskedForUnknownExecutorsOnly_andItsRefusalIsAnOverload() throws Exception {
    List<String> asked = new CopyOnWriteArrayList<>();
    ResourceManager rm = builder().admission(new TaskExecutorAdmission() {
      @Override
      public Optional<String> refusal() {
        asked.add("refusal");
        return asked.size() > 1 ? Optional.of("full; retry later") : Optional.empty();
      }

      @Override
      public void admitted() {
        asked.add("admitted");
      }
    }).build();
    rm.startAsync();
    CompletableFuture<RegistrationResult> first = rm.registerTaskExecutor(registration("te-1", "i-1", 1));
    CompletableFuture<RegistrationResult> again = rm.registerTaskExecutor(registration("te-1", "i-1", 1));
    CompletableFuture<RegistrationResult> second = rm.registerTaskExecutor(registration("te-2", "i-2", 1));
    main.runPending();

    assertThat(first.join()).isEqualTo(again.join());
    assertThatThrownBy(second::get).isInstanceOf(ExecutionException.class)
        .cause().isInstanceOf(OverloadedException.class).hasMessage("full; retry later");
    assertThat(asked).containsExactly("refusal", "admitted", "refusal");
  }

  private ResourceManager.Builder builder() {
    return ResourceManager.builder()
        .heartbeatConfig(HeartbeatConfig.of(INTERVAL, TIMEOUT))
        .resourceManagerId("rm-facade")
        .connector(fakes)
        .mainThread(main)
        .listener(new RecordingListener(heard));
  }
}
