package dev.pulse.harness;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.pulse.rm.EventType;
import dev.pulse.rm.LossReason;
import dev.pulse.rm.Overview;
import dev.pulse.rm.ResourceManagerEvent;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads a resource manager's REST API: events and metrics. Used for resource managers in child
 * processes. Thread-safe. Requests time out after 5 s and fail with {@link UncheckedIOException}.
 */
final class RestClient {

  private static final Duration TIMEOUT = Duration.ofSeconds(5);

  private final HttpClient http = HttpClient.newBuilder().connectTimeout(TIMEOUT).build();
  private final ObjectMapper json = new ObjectMapper();

  Overview overview(URI base) {
    try {
      JsonNode o = json.readTree(get(base, "/v1/overview"));
      return new Overview(o.path("resourceManagerId").asText(), o.path("epoch").asLong(),
          o.path("taskExecutors").asInt(), o.path("slotsTotal").asInt(), o.path("slotsFree").asInt());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the overview of " + base, e);
    }
  }

  List<ResourceManagerEvent> events(URI base, long after) {
    List<ResourceManagerEvent> events = new ArrayList<>();
    try {
      for (JsonNode e : json.readTree(get(base, "/v1/events?after=" + after)).path("events")) {
        events.add(new ResourceManagerEvent(e.path("seq").asLong(), e.path("time").asLong(),
            EventType.valueOf(e.path("type").asText()), text(e, "taskExecutorId"), text(e, "allocationId"),
            text(e, "jobId"), e.hasNonNull("reason") ? LossReason.valueOf(e.path("reason").asText()) : null,
            e.path("slotsReleased").asInt(), e.path("detail").asText("")));
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the events of " + base, e);
    }
    return events;
  }

  String get(URI base, String path) {
    try {
      HttpResponse<String> response = http.send(HttpRequest.newBuilder(base.resolve(path)).timeout(TIMEOUT).build(),
          HttpResponse.BodyHandlers.ofString());
      if (response.statusCode() != 200) {
        throw new IOException("GET " + path + " answered " + response.statusCode() + ": " + response.body());
      }
      return response.body();
    } catch (IOException e) {
      throw new UncheckedIOException("GET " + base.resolve(path) + " failed: " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new UncheckedIOException(new IOException("interrupted", e));
    }
  }

  private static String text(JsonNode event, String field) {
    return event.hasNonNull(field) ? event.path(field).asText() : null;
  }
}
