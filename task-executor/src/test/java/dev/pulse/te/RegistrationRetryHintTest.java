package dev.pulse.te;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.ILoggingEvent;
import dev.pulse.heartbeat.HeartbeatConfig;
import dev.pulse.heartbeat.LogCapture;
import dev.pulse.heartbeat.ResourceId;
import dev.pulse.heartbeat.time.ManualMainThreadExecutor;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.function.DoubleSupplier;
import org.junit.jupiter.api.Test;

/**
 * A resource manager that sheds load ({@code RESOURCE_EXHAUSTED} with a retry hint): the task executor waits
 * the hint plus a jittered share of a window of at least a quarter of it, never less, on the fake clock. The
 * expected gaps follow from the rule as documented: gap = min(hint, 30 s) + fraction x max(100 ms, hint / 4),
 * and the ordinary backoff (ceilings 100 ms, 200 ms, ...) starts over after a hint.
 */
class RegistrationRetryHintTest {

  private static final Duration INTERVAL = Duration.ofSeconds(1);
  private static final Duration TIMEOUT = Duration.ofSeconds(5);

  private final ManualMainThreadExecutor main = new ManualMainThreadExecutor();
  private final ScriptedResourceManagerClient client = new ScriptedResourceManagerClient(main);
  private TaskExecutorCore core;

  @Test
  void hint_withoutJitter_eachGapIsTheHintPlusTheLargerOfAQuarterOfItAnd100Millis() {
    start(() -> 1.0);
    // Attempt 1 at 0 is refused with a 2 s hint: the window is a quarter of the hint, 2 + 0.5 s.
    refuseLast(Duration.ofSeconds(2));
    main.advance(Duration.ofMillis(2_500).minusNanos(1));
    assertThat(client.registrations()).hasSize(1);
    main.advanceNanos(1);
    assertThat(client.registrations()).hasSize(2);

    // Attempt 2 refused with 200 ms: 100 ms is the wider window: 200 + 100 ms.
    refuseLast(Duration.ofMillis(200));
    main.advance(Duration.ofMillis(300));
    assertThat(client.registrations()).hasSize(3);

    // Attempts 3 and 4 refused without a hint: the ordinary backoff, started over by the hint (100, 200 ms).
    client.lastRegistration().refuse("UNAVAILABLE", "");
    main.advance(Duration.ofMillis(100));
    client.lastRegistration().refuse("UNAVAILABLE", "");
    main.advance(Duration.ofMillis(200));
    assertThat(gapsInMillis()).containsExactly(2_500L, 300L, 100L, 200L);
  }

  @Test
  void hint_afterTheBackoffGrewWhileTheResourceManagerWasUnreachable_isNotWidenedByIt() {
    start(() -> 1.0);
    // Five unanswered attempts grow the ceiling to 1.6 s (gaps 100, 200, 400, 800 ms, then 1.6 s).
    for (int i = 0; i < 5; i++) {
      client.lastRegistration().refuse("UNAVAILABLE", "");
      main.advance(Duration.ofMillis(100L << i));
    }
    // Then the resource manager answers, busy, with a 1 s hint: 1 + 0.25 s, not 1 + 3.2 s.
    refuseLast(Duration.ofSeconds(1));
    main.advance(Duration.ofMillis(1_250));

    assertThat(gapsInMillis()).containsExactly(100L, 200L, 400L, 800L, 1_600L, 1_250L);
  }

  @Test
  void refusalWithAHint_isLoggedAsBackPressureAtInfo_aRepeatAtDebug() {
    try (LogCapture log = LogCapture.of(ResourceManagerConnection.class)) {
      start(() -> 1.0);
      refuseLast(Duration.ofSeconds(2));
      main.advance(Duration.ofMillis(2_500));
      refuseLast(Duration.ofSeconds(2));

      List<ILoggingEvent> refusals = log.events().stream()
          .filter(e -> e.getFormattedMessage().contains("registrations are in progress")).toList();
      assertThat(refusals).extracting(ILoggingEvent::getLevel).containsExactly(Level.INFO, Level.DEBUG);
      assertThat(refusals.get(0).getFormattedMessage())
          .startsWith("The resource manager at 127.0.0.1:6123 asked this task executor to come back later"
              + " (registration attempt 1)")
          .contains("Retrying in 2500 ms;");
    }
  }

  @Test
  void hint_withJitterOfZero_isStillWaitedInFull() {
    start(() -> 0.0);
    refuseLast(Duration.ofSeconds(3));

    main.advance(Duration.ofSeconds(3).minusNanos(1));
    assertThat(client.registrations()).hasSize(1);
    main.advanceNanos(1);

    assertThat(client.registrations()).hasSize(2);
  }

  @Test
  void hint_aboveTheBackoffCap_isCappedAt30Seconds() {
    start(() -> 0.0);
    refuseLast(Duration.ofHours(1));

    main.advance(Duration.ofSeconds(30));

    assertThat(client.registrations()).hasSize(2);
  }

  @Test
  void hint_thenAccepted_registersAndTheNextLossBacksOffFrom100Millis() {
    start(() -> 1.0);
    refuseLast(Duration.ofSeconds(1));
    client.acceptAll();
    main.advance(Duration.ofMillis(1_250));
    assertThat(core.registration()).isNotNull();
    client.refuseAll("UNAVAILABLE");

    main.advance(TIMEOUT.plus(Duration.ofMillis(300)));

    List<Long> gaps = gapsInMillis();
    assertThat(gaps.subList(gaps.size() - 2, gaps.size())).containsExactly(100L, 200L);
  }

  @Test
  void manyRefusedTogether_comeBackSpreadOverTheWindow_noneBeforeTheHint() {
    long seed = new Random().nextLong();
    Random random = new Random(seed);
    Duration hint = Duration.ofSeconds(2);
    int executors = 400;
    double[] delays = new double[executors];
    for (int i = 0; i < executors; i++) {
      RetryBackoff backoff = RetryBackoff.forRegistration(random::nextDouble);
      delays[i] = backoff.nextDelay(hint).toNanos() / 1e6;
    }
    Arrays.sort(delays);

    assertThat(delays[0]).as("seed %d", seed).isGreaterThanOrEqualTo(2_000.0);
    assertThat(delays[executors - 1]).as("seed %d", seed).isLessThanOrEqualTo(2_500.0);
    // Spread evenly over [2 s, 2.5 s]: each quarter holds about a quarter (a storm would put them all in one).
    for (int quarter = 1; quarter < 4; quarter++) {
      assertThat(delays[quarter * executors / 4]).as("quarter %d, seed %d", quarter, seed)
          .isBetween(2_000.0 + quarter * 125.0 - 50, 2_000.0 + quarter * 125.0 + 50);
    }
  }

  @Test
  void callException_carriesAHintOfZeroOrMore_refusesANegativeOrMissingOne() {
    assertThat(ResourceManagerCallException.failed("RESOURCE_EXHAUSTED", "busy", Duration.ZERO).retryAfter())
        .contains(Duration.ZERO);
    assertThat(ResourceManagerCallException.failed("RESOURCE_EXHAUSTED", "busy", Duration.ZERO).description())
        .isEqualTo("busy");
    assertThat(ResourceManagerCallException.failed("RESOURCE_EXHAUSTED", null, Duration.ZERO).description()).isEmpty();
    assertThat(ResourceManagerCallException.failed("UNAVAILABLE", "").retryAfter()).isEmpty();
    assertThatThrownBy(
            () -> ResourceManagerCallException.failed("RESOURCE_EXHAUSTED", "busy", Duration.ofMillis(-1)))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(
            () -> ResourceManagerCallException.failed("RESOURCE_EXHAUSTED", "busy", null))
        .isInstanceOf(IllegalArgumentException.class);
  }

  // ------------------------------------------------------------------ helpers

  private void start(DoubleSupplier jitter) {
    TaskExecutorConfig config = new TaskExecutorConfig(ResourceId.of("te-1"), 1, "127.0.0.1", 0,
        Duration.ofMinutes(5), "127.0.0.1", 6123, HeartbeatConfig.of(INTERVAL, TIMEOUT));
    core = new TaskExecutorCore(config, "instance-1", main, client, List.of(), RetryBackoff.forRegistration(jitter));
    core.start("127.0.0.1:5000");
    main.runPending();
  }

  private void refuseLast(Duration retryAfter) {
    client.lastRegistration().answer().completeExceptionally(ResourceManagerCallException.failed(
        "RESOURCE_EXHAUSTED", "4 registrations are in progress", retryAfter));
    main.runPending();
  }

  private List<Long> gapsInMillis() {
    List<ScriptedResourceManagerClient.RegistrationCall> calls = client.registrations();
    List<Long> gaps = new ArrayList<>();
    for (int i = 1; i < calls.size(); i++) {
      gaps.add(Duration.ofNanos(calls.get(i).atNanos() - calls.get(i - 1).atNanos()).toMillis());
    }
    return gaps;
  }
}
