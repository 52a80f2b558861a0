package dev.pulse.harness;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.pulse.rm.ResourceManagerEvent;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What a crash test reads from a process cluster's REST API: task executor states, allocations and the whole
 * event log. Each call fails with an unchecked exception while the resource manager does not answer.
 * Thread-safe: every call is one or more independent REST reads.
 */
final class ClusterProbe {

  /** One allocation as {@code GET /v1/allocations} serves it. */
  record Held(String allocationId, String jobId, String taskExecutorId, int slotIndex, String state) {}

  private static final ObjectMapper JSON = new ObjectMapper();

  private final MiniCluster cluster;

  ClusterProbe(MiniCluster cluster) {
    this.cluster = cluster;
  }

  /** Resource id to state ({@code ACTIVE}, {@code RECOVERING}, ...). */
  Map<String, String> taskExecutorStates() {
    Map<String, String> states = new LinkedHashMap<>();
    for (JsonNode te : read("/v1/taskexecutors").path("taskExecutors")) {
      states.put(te.path("id").asText(), te.path("state").asText());
    }
    return states;
  }

  /** Every allocation the resource manager knows, by id. */
  Map<String, Held> allocations() {
    Map<String, Held> all = new LinkedHashMap<>();
    for (JsonNode a : read("/v1/allocations").path("allocations")) {
      Held h = new Held(a.path("allocationId").asText(), a.path("jobId").asText(), a.path("taskExecutorId").asText(),
          a.path("slotIndex").asInt(), a.path("state").asText());
      all.put(h.allocationId(), h);
    }
    return all;
  }

  /** Every event with {@code seq > after}, across as many pages as it takes. */
  List<ResourceManagerEvent> eventsAfter(long after) {
    List<ResourceManagerEvent> all = new ArrayList<>();
    long from = after;
    while (true) {
      List<ResourceManagerEvent> page = cluster.resourceManager().events(from);
      if (page.isEmpty()) {
        return all;
      }
      all.addAll(page);
      from = page.get(page.size() - 1).seq();
    }
  }

  private JsonNode read(String path) {
    try {
      return JSON.readTree(cluster.restClient().get(cluster.restUrl(), path));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
