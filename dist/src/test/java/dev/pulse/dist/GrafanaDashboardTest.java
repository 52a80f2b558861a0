package dev.pulse.dist;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.pulse.config.Settings;
import dev.pulse.rm.server.ResourceManagerServer;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The Grafana dashboard shipped in the distribution ({@code grafana/pulse-dashboard.json}) asks only for
 * metrics a resource manager serves: every metric named in a panel's or a variable's query is in the
 * {@code /metrics} text of a real {@link ResourceManagerServer}, JVM, process and build meters included.
 */
class GrafanaDashboardTest {

  private static final Path DASHBOARD = Path.of("src/main/grafana/pulse-dashboard.json");
  /**
   * A metric name in PromQL: an identifier in one of the namespaces the resource manager serves. (Label
   * names, functions and keywords are not in these namespaces.)
   */
  private static final Pattern METRIC = Pattern.compile("\\b((?:pulse|jvm|process|system)_[a-zA-Z0-9_]*)");
  private static final Pattern SERIES = Pattern.compile("(?m)^([a-zA-Z_:][a-zA-Z0-9_:]*)[{ ]");

  private static Set<String> served;
  private static JsonNode dashboard;

  @BeforeAll
  static void scrapeAndRead() throws IOException {
    try (ResourceManagerServer rm = ResourceManagerServer.builder()
        .settings(Settings.of("resourcemanager.rpc.port", "0", "rest.port", "0")).build().start()) {
      served = new TreeSet<>();
      Matcher m = SERIES.matcher(rm.metrics().scrape());
      while (m.find()) {
        served.add(m.group(1));
      }
    }
    dashboard = new ObjectMapper().readTree(DASHBOARD.toFile());
  }

  @Test
  void everyQuery_namesMetricsTheResourceManagerServes() {
    List<String> queries = queries();
    assertThat(queries).hasSizeGreaterThanOrEqualTo(10);
    for (String query : queries) {
      List<String> names = new ArrayList<>();
      Matcher m = METRIC.matcher(query);
      while (m.find()) {
        names.add(m.group(1));
      }
      assertThat(names).as("metrics in %s", query).isNotEmpty();
      assertThat(served).as("what /metrics serves, for the query %s", query).containsAll(names);
    }
  }

  @Test
  void dashboard_coversRttTickLagLossesSlotsAndTheJvm() {
    String all = String.join("\n", queries());
    assertThat(all).contains("pulse_heartbeat_rtt_seconds_bucket", "pulse_sender_tick_lag_seconds_bucket",
        "pulse_task_executors_lost_total", "pulse_slots_free", "jvm_memory_used_bytes", "process_cpu_usage",
        "pulse_build_info");
  }

  @Test
  void metrics_includeJvmProcessAndBuildInfo() {
    assertThat(served).contains("jvm_memory_used_bytes", "jvm_threads_live_threads", "jvm_classes_loaded_classes",
        "process_cpu_usage", "process_uptime_seconds", "process_files_open_files", "system_cpu_count",
        "pulse_build_info");
  }

  /** Every PromQL query of the dashboard: panel targets and query variables. */
  private static List<String> queries() {
    List<String> queries = new ArrayList<>();
    for (JsonNode panel : dashboard.path("panels")) {
      assertThat(panel.path("targets").size()).as("targets of %s", panel.path("title")).isPositive();
      for (JsonNode target : panel.path("targets")) {
        queries.add(target.path("expr").asText());
      }
    }
    for (JsonNode variable : dashboard.path("templating").path("list")) {
      if (variable.path("type").asText().equals("query")) {
        queries.add(variable.path("query").asText());
      }
    }
    return queries;
  }
}
