package dev.pulse.rm.rest;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.module.SimpleModule;
import dev.pulse.rm.Allocation;
import dev.pulse.rm.LossReason;
import dev.pulse.rm.RestartPolicy;
import dev.pulse.rm.ResourceManagerEvent;
import dev.pulse.rm.TaskExecutorInfo;
import dev.pulse.rm.metrics.HeartbeatHistory;
import java.io.IOException;
import java.util.List;

/**
 * JSON reading and writing for the REST API, and the bodies it sends.
 *
 * <p>The records of {@code dev.pulse.rm} ({@code Overview}, {@code TaskExecutorInfo},
 * {@code ResourceManagerEvent}, {@code Allocation}) are written as they are: their components are the JSON
 * fields, enums are written by name, and absent values are written as {@code null} (never left out), so
 * every object of a kind has the same fields. Thread-safe.
 */
final class Json {

  private static final ObjectMapper MAPPER = JsonMapper.builder()
      .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
      .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
      .addModule(new SimpleModule().addSerializer(RestartPolicy.class, new RestartPolicyJson.Writer()))
      .build();

  private Json() {}

  /** {@code {"taskExecutors": [...]}}. */
  record TaskExecutorList(List<TaskExecutorInfo> taskExecutors) {}

  /** {@code {"events": [...]}}. */
  record EventPage(List<ResourceManagerEvent> events) {}

  /** {@code {"allocations": [...]}}. */
  record AllocationList(List<Allocation> allocations) {}

  /**
   * {@code GET /v1/jobs/{jobId}}: the job's allocations (placed, being placed, waiting to move), the attempts its
   * allocations with a restart policy have used (first placements included, failed ones too) and its terminal
   * failures, oldest first.
   */
  record JobView(String jobId, List<Allocation> allocations, int attemptsUsed, List<FailureView> failures) {}

  /** One terminal failure ({@code ALLOCATION_FAILED}) in a {@link JobView}. */
  record FailureView(String allocationId, String lastTaskExecutorId, LossReason reason, int attempt,
      RestartPolicy restart, long time, String detail) {}

  /** {@code POST /v1/taskexecutors/{id}/drain}: how many allocations began to move. */
  record Drained(String taskExecutorId, int moving) {}

  /**
   * {@code GET /v1/heartbeats/summary}: the heartbeat settings, the server's clock (epoch ms) and the last few
   * minutes in steps, oldest first (percentiles in ms, {@code null} for a step without samples).
   */
  record HeartbeatSummary(long intervalMillis, long timeoutMillis, int rpcFailureThreshold, long now,
      List<HeartbeatHistory.Step> steps) {}

  /** {@code {"error": "..."}}: a sentence saying what is wrong with the request. */
  record ErrorBody(String error) {}

  /** {@code POST /v1/admin/backup}: where the copy was written. */
  record BackupDone(String path) {}

  /** {@code {"status": "UP"}}. */
  record Up(String status) {}

  /** {@code {"status": "UP", "role": "LEADER"}}: the leader's answer in high-availability mode. */
  record UpWithRole(String status, String role) {}

  /**
   * {@code GET /v1/overview} of the leader in high-availability mode: the {@code Overview}'s fields, then
   * {@code role} ({@code LEADER}) and {@code leader}, its own address as it published it (the same shape a
   * standby shows for the leader).
   */
  record LeaderOverview(String resourceManagerId, long epoch, int taskExecutors, int slotsTotal, int slotsFree,
      String role, Object leader) {}

  /** {@code {"status": "DOWN", "detail": "..."}}. */
  record Down(String status, String detail) {}

  static byte[] write(Object body) {
    try {
      return MAPPER.writeValueAsBytes(body);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("could not write " + body.getClass().getSimpleName() + " as JSON", e);
    }
  }

  /**
   * Reads a request body that must be one JSON object.
   *
   * @throws HttpError 400 naming what is wrong: empty, malformed, or not an object
   */
  static JsonNode readObject(byte[] body, String expected) {
    if (body.length == 0) {
      throw HttpError.badRequest("the request body is empty; expected " + expected);
    }
    JsonNode node;
    try {
      node = MAPPER.readTree(body);
    } catch (JsonProcessingException e) {
      throw HttpError.badRequest("malformed JSON at line " + e.getLocation().getLineNr() + ", column "
          + e.getLocation().getColumnNr() + ": " + e.getOriginalMessage());
    } catch (IOException e) {
      throw HttpError.badRequest("unreadable request body: " + e.getMessage());
    }
    if (node == null || !node.isObject()) {
      throw HttpError.badRequest("the request body must be a JSON object " + expected + ", was "
          + (node == null || node.isMissingNode() ? "nothing" : node.getNodeType().name().toLowerCase()));
    }
    return node;
  }
}
