package dev.pulse.bench.fanout;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs a tiny fan-out end to end, with real child JVMs (resource manager, farm), to prove the tool works:
 * every task executor registers, heartbeats flow at the expected rate, nobody is lost, and the JSON and
 * PNG are written. The numbers themselves are not asserted beyond sanity: this is not a timed test.
 */
class FanoutBenchmarkTest {

  @Test
  @Timeout(120)
  void run_tinyFanout_reportsHeartbeatsAndNoLosses(@TempDir Path dir) throws Exception {
    FanoutBenchmark.Options options = new FanoutBenchmark.Options(20, Duration.ofMillis(500), Duration.ofSeconds(10),
        2, Duration.ofSeconds(1), Duration.ofSeconds(3), 26_500, false, "256m", "256m",
        dir.resolve("fanout.json"), dir.resolve("fanout.png"), Duration.ofSeconds(60), false,
        Map.of("resourcemanager.registration.max-in-progress", "4"));
    ByteArrayOutputStream progress = new ByteArrayOutputStream();

    String json = FanoutBenchmark.run(options, new PrintStream(progress, true, StandardCharsets.UTF_8));

    assertThat(JsonPeek.number(json, "pulse", "registered")).isEqualTo(20);
    assertThat(JsonPeek.number(json, "pulse", "falseLosses")).isZero();
    assertThat(JsonPeek.number(json, "pulse", "allRegisteredAfterSeconds")).isPositive();
    // --rm-settings reached the RM: at most 4 registrations in progress, those refused retried until all registered.
    assertThat(JsonPeek.number(json, "pulse", "registrationsRefused", "IN_PROGRESS")).isNotNaN().isNotNegative();
    // 20 TEs at 500 ms: 40/s expected; generous, since other builds share the machine.
    assertThat(JsonPeek.number(json, "pulse", "heartbeatsPerSecond")).isGreaterThan(20);
    assertThat(JsonPeek.number(json, "pulse", "rttMillis", "p50")).isPositive();
    assertThat(progress.toString(StandardCharsets.UTF_8)).contains("[measure", "heartbeats/s");
    assertThat(Files.readString(dir.resolve("fanout.json"))).isEqualTo(json + "\n");
    assertThat(Files.size(dir.resolve("fanout.png"))).isPositive();
  }

  @Test
  @Timeout(180)
  void run_concurrentBareClients_measuresAllThreeInOneWindow(@TempDir Path dir) throws Exception {
    FanoutBenchmark.Options options = new FanoutBenchmark.Options(20, Duration.ofMillis(500), Duration.ofSeconds(10),
        2, Duration.ofSeconds(1), Duration.ofSeconds(3), 26_600, false, "256m", "256m",
        dir.resolve("fanout.json"), dir.resolve("fanout.png"), Duration.ofSeconds(1), true, Map.of());
    ByteArrayOutputStream progress = new ByteArrayOutputStream();

    String json = FanoutBenchmark.run(options, new PrintStream(progress, true, StandardCharsets.UTF_8));

    assertThat(json).contains("\"bareClients\":\"concurrent\"");
    assertThat(JsonPeek.number(json, "pulse", "falseLosses")).isZero();
    // Both drivers measured the same 3 s window, opened on time: about 40 calls/s each (generous: other builds
    // share the machine, and a call late by more than the 500 ms interval fails).
    for (String client : new String[] {"unary", "stream"}) {
      assertThat(JsonPeek.number(json, "grpcPing", client, "callsPerSecond")).as(client).isGreaterThan(20);
      assertThat(JsonPeek.number(json, "grpcPing", client, "windowLateMillis")).as(client).isZero();
      assertThat(JsonPeek.number(json, "ratios", client, "cpuPerHeartbeat")).as(client).isPositive();
    }
    assertThat(progress.toString(StandardCharsets.UTF_8)).contains("grpc-ping (concurrent)");
  }
}
