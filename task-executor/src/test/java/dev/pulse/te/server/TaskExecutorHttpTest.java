package dev.pulse.te.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.pulse.config.Settings;
import dev.pulse.rm.server.ResourceManagerServer;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The task executor's optional HTTP {@code /healthz} and {@code /metrics} ({@code taskexecutor.http.enabled}). */
class TaskExecutorHttpTest {

  private static final Duration PATIENCE = Duration.ofSeconds(20);
  private static final Pattern AGE =
      Pattern.compile("(?m)^pulse_taskexecutor_resource_manager_heartbeat_age_seconds (\\S+)$");

  private final HttpClient http = HttpClient.newHttpClient();
  private TaskExecutorServer te;
  private ResourceManagerServer rm;

  @AfterEach
  void tearDown() {
    if (te != null) {
      te.close();
    }
    if (rm != null) {
      rm.close();
    }
  }

  @Test
  void byDefault_noHttpEndpoint() throws Exception {
    te = TaskExecutorServer.builder().settings(Settings.of("resourcemanager.rpc.port", Integer.toString(deadPort())))
        .build().start();

    assertThat(te.httpAddress()).isEmpty();
  }

  @Test
  void withoutAResourceManager_healthzIsDown_andMetricsSayNotRegistered() throws Exception {
    te = start(deadPort());
    URI base = URI.create("http://" + te.httpAddress().orElseThrow().getHostString() + ":"
        + te.httpAddress().orElseThrow().getPort());

    HttpResponse<String> health = get(base.resolve("/healthz"));
    assertThat(health.statusCode()).isEqualTo(503);
    assertThat(health.body()).contains("\"status\":\"DOWN\"").contains("not registered");

    String metrics = get(base.resolve("/metrics")).body();
    assertThat(metrics).contains("pulse_taskexecutor_registered 0.0", "pulse_taskexecutor_slots 2.0",
        "pulse_taskexecutor_slots_free 2.0", "pulse_taskexecutor_resource_manager_heartbeat_age_seconds NaN",
        "jvm_memory_used_bytes", "process_cpu_usage", "pulse_build_info{component=\"task-executor\"");
    assertThat(get(base.resolve("/nothing")).statusCode()).isEqualTo(404);
  }

  @Test
  void registered_healthzIsUp_andTheHeartbeatAgeIsBelowTheInterval() throws Exception {
    rm = ResourceManagerServer.builder().settings(Settings.of("resourcemanager.rpc.port", "0",
        "heartbeat.interval", "200 ms", "heartbeat.timeout", "2 s")).serveRest(false).build().start();
    te = start(rm.rpcAddress().getPort());
    URI base = URI.create("http://127.0.0.1:" + te.httpAddress().orElseThrow().getPort());

    await().atMost(PATIENCE).until(() -> get(base.resolve("/healthz")).statusCode() == 200);
    await().atMost(PATIENCE).untilAsserted(() -> {
      Matcher age = AGE.matcher(get(base.resolve("/metrics")).body());
      assertThat(age.find()).isTrue();
      // Asked every 200 ms: well below the 2 s timeout, even on a loaded machine.
      assertThat(Double.parseDouble(age.group(1))).isBetween(0.0, 1.0);
    });
    assertThat(get(base.resolve("/metrics")).body()).contains("pulse_taskexecutor_registered 1.0");
  }

  private TaskExecutorServer start(int rmPort) {
    return TaskExecutorServer.builder().settings(Settings.of("resourcemanager.rpc.port", Integer.toString(rmPort),
        "taskexecutor.numberOfTaskSlots", "2", "heartbeat.interval", "200 ms", "heartbeat.timeout", "2 s",
        "taskexecutor.http.enabled", "true", "taskexecutor.http.port", "0")).build().start();
  }

  private HttpResponse<String> get(URI uri) throws Exception {
    return http.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(10)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private static int deadPort() throws Exception {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }
}
