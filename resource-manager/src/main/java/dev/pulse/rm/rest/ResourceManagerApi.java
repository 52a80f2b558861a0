package dev.pulse.rm.rest;

import static io.netty.handler.codec.http.HttpMethod.DELETE;
import static io.netty.handler.codec.http.HttpMethod.GET;
import static io.netty.handler.codec.http.HttpMethod.POST;

import com.fasterxml.jackson.databind.JsonNode;
import dev.pulse.heartbeat.ResourceId;
import dev.pulse.rm.Allocation;
import dev.pulse.rm.AllocationFailure;
import dev.pulse.rm.Overview;
import dev.pulse.rm.ResourceManager;
import dev.pulse.rm.RestartPolicy;
import dev.pulse.rm.metrics.HeartbeatHistory;
import dev.pulse.rm.metrics.ResourceManagerMetrics;
import dev.pulse.rm.store.StoreException;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

/**
 * The endpoints of SPEC 7, each a thin translation between HTTP and one {@link ResourceManager} call.
 *
 * <p>Endpoints run on a Netty event loop and never block it: they check the request, call the facade, and
 * return its future mapped to a response. Everything about a request is checked before the facade is
 * called, so a refused request changes nothing. The {@code /v1} endpoints refuse query parameters they do not
 * know (a misspelt {@code jobid} would otherwise silently mean "all jobs"). Thread-safe: stateless.
 */
final class ResourceManagerApi {

  /** Most events one {@code GET /v1/events} returns; ask again with the last {@code seq} for more. */
  static final int MAX_EVENTS_PER_PAGE = 1000;

  private static final String ALLOCATION_BODY = "{\"jobId\": \"<id>\", \"slots\": <positive integer>[, \"restart\": "
      + RestartPolicyJson.FORM + "]}";

  /** The {@code role} a leader reports in high-availability mode (a standby reports {@code STANDBY}). */
  static final String LEADER = "LEADER";

  private static final String BACKUP_BODY = "nothing, or {\"path\": \"<absolute file name>\"}";
  private static final DateTimeFormatter BACKUP_TIME =
      DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'").withZone(ZoneOffset.UTC);

  private final ResourceManager rm;
  private final ResourceManagerMetrics metrics;
  /** Where a backup goes when the request names no file; {@code null}: the request must name one. */
  private final Path backupDirectory;
  private final Clock wallClock;
  private final HeartbeatHistory history;
  private final DashboardAssets dashboard = new DashboardAssets();
  /** In high-availability mode, this leader's published address; {@code null} without high availability. */
  private final Object leaderAddress;

  ResourceManagerApi(ResourceManager rm, ResourceManagerMetrics metrics, HeartbeatHistory history,
      Path backupDirectory, Clock wallClock, Object leaderAddress) {
    this.rm = rm;
    this.leaderAddress = leaderAddress;
    this.metrics = metrics;
    this.history = history;
    this.backupDirectory = backupDirectory;
    this.wallClock = wallClock;
  }

  Router router() {
    return new Router()
        .route(GET, "/v1/overview", whileRunning(this::overview))
        .route(GET, "/v1/taskexecutors", whileRunning(this::taskExecutors))
        .route(GET, "/v1/taskexecutors/{id}", whileRunning(this::taskExecutor))
        .route(DELETE, "/v1/taskexecutors/{id}/quarantine", whileRunning(this::liftQuarantine))
        .route(POST, "/v1/taskexecutors/{id}/drain", whileRunning(this::drain))
        .route(GET, "/v1/events", whileRunning(this::events))
        .route(GET, "/v1/heartbeats/summary", whileRunning(this::heartbeatSummary))
        .route(GET, "/v1/allocations", whileRunning(this::allocations))
        .route(POST, "/v1/allocations", whileRunning(this::allocate))
        .route(DELETE, "/v1/allocations/{id}", whileRunning(this::release))
        .route(GET, "/v1/jobs/{jobId}", whileRunning(this::job))
        .route(POST, "/v1/admin/backup", whileRunning(this::backup))
        .route(GET, "/metrics", this::metrics)
        .route(GET, "/healthz", this::health)
        .route(GET, "/", (request, path) -> CompletableFuture.completedFuture(dashboard.file("index.html")))
        .route(GET, "/ui/{file}", (request, path) -> CompletableFuture.completedFuture(dashboard.file(path.get(0))));
  }

  /** Answers 503 before or after the resource manager's life, rather than from a stale snapshot. */
  private Router.Endpoint whileRunning(Router.Endpoint endpoint) {
    return (request, path) -> {
      if (!rm.isRunning()) {
        throw new HttpError(HttpResponseStatus.SERVICE_UNAVAILABLE, Failures.NOT_RUNNING);
      }
      return endpoint.serve(request, path);
    };
  }

  // GET /v1/overview -> {resourceManagerId, epoch, taskExecutors, slotsTotal, slotsFree}
  //   (high availability: and role LEADER, leader: its own published address, as a standby shows it)
  private CompletableFuture<RestResponse> overview(RestRequest request, List<String> path) {
    acceptOnly(request);
    Overview overview = rm.overview();
    if (leaderAddress == null) {
      return ok(overview);
    }
    return ok(new Json.LeaderOverview(overview.resourceManagerId(), overview.epoch(), overview.taskExecutors(),
        overview.slotsTotal(), overview.slotsFree(), LEADER, leaderAddress));
  }

  // GET /v1/taskexecutors -> {taskExecutors: [...]}
  // GET /v1/taskexecutors?offset=&limit=&sort=&filter=&state= -> {taskExecutors, total, matched, offset, states, now}
  private CompletableFuture<RestResponse> taskExecutors(RestRequest request, List<String> path) {
    acceptOnly(request, TaskExecutorPage.PARAMETERS);
    if (request.query().isEmpty()) {
      return rm.taskExecutors().thenApply(list -> json(HttpResponseStatus.OK, new Json.TaskExecutorList(list)));
    }
    int offset = (int) longParameter(request, "offset", 0, 0, Integer.MAX_VALUE, "a number (0 or more)");
    int limit = (int) longParameter(request, "limit", TaskExecutorPage.MAX_LIMIT, 0, TaskExecutorPage.MAX_LIMIT,
        "a number from 0 to " + TaskExecutorPage.MAX_LIMIT);
    TaskExecutorPage page = TaskExecutorPage.of(offset, limit, parameter(request, "sort"),
        parameter(request, "filter"), parameter(request, "state"));
    // The main thread copies the registry once; the rest is done on the event loop that completes this.
    return rm.taskExecutors().thenApply(list -> json(HttpResponseStatus.OK, page.cut(list, wallClock.millis())));
  }

  // GET /v1/taskexecutors/{id} -> one task executor, 404 if unknown
  private CompletableFuture<RestResponse> taskExecutor(RestRequest request, List<String> path) {
    acceptOnly(request);
    String id = path.get(0);
    return rm.taskExecutor(id).thenApply(found -> found
        .map(te -> json(HttpResponseStatus.OK, te))
        .orElseGet(() -> RestResponse.error(HttpResponseStatus.NOT_FOUND, "no task executor " + id + " is registered")));
  }

  // DELETE /v1/taskexecutors/{id}/quarantine -> 204 once lifted (durable); 404 if it is not quarantined
  private CompletableFuture<RestResponse> liftQuarantine(RestRequest request, List<String> path) {
    acceptOnly(request);
    String id = path.get(0);
    checkId("id", id);
    return rm.liftQuarantine(id).thenApply(lifted -> lifted ? RestResponse.empty(HttpResponseStatus.NO_CONTENT)
        : RestResponse.error(HttpResponseStatus.NOT_FOUND, "task executor " + id + " is not quarantined"));
  }

  // GET /v1/events?after=SEQ&limit=N -> {events: [...]}, oldest first
  private CompletableFuture<RestResponse> events(RestRequest request, List<String> path) {
    acceptOnly(request, "after", "limit");
    long after = longParameter(request, "after", 0, 0, Long.MAX_VALUE, "a sequence number (0 or more)");
    int limit = (int) longParameter(request, "limit", MAX_EVENTS_PER_PAGE, 1, MAX_EVENTS_PER_PAGE,
        "a number from 1 to " + MAX_EVENTS_PER_PAGE);
    return ok(new Json.EventPage(rm.events(after, limit)));
  }

  // GET /v1/heartbeats/summary -> {intervalMillis, timeoutMillis, rpcFailureThreshold, now, steps: [...]}
  private CompletableFuture<RestResponse> heartbeatSummary(RestRequest request, List<String> path) {
    acceptOnly(request);
    var config = rm.heartbeatConfig();
    return ok(new Json.HeartbeatSummary(config.interval().toMillis(), config.timeout().toMillis(),
        config.rpcFailureThreshold(), wallClock.millis(), history.steps()));
  }

  // GET /v1/allocations[?jobId=J] -> {allocations: [...]}, of one job or of all
  private CompletableFuture<RestResponse> allocations(RestRequest request, List<String> path) {
    acceptOnly(request, "jobId");
    String jobId = parameter(request, "jobId");
    if (jobId != null) {
      checkId("jobId", jobId);
    }
    return rm.allocations(jobId).thenApply(list -> json(HttpResponseStatus.OK, new Json.AllocationList(list)));
  }

  // POST /v1/allocations {jobId, slots} -> 201 {allocations: [...]}; all or nothing
  private CompletableFuture<RestResponse> allocate(RestRequest request, List<String> path) {
    acceptOnly(request);
    JsonNode body = Json.readObject(request.body(), ALLOCATION_BODY);
    for (Iterator<String> names = body.fieldNames(); names.hasNext(); ) {
      String name = names.next();
      if (!name.equals("jobId") && !name.equals("slots") && !name.equals("restart")) {
        throw HttpError.badRequest("unknown field '" + name + "'; expected " + ALLOCATION_BODY);
      }
    }
    JsonNode jobId = body.get("jobId");
    if (jobId == null || jobId.isNull()) {
      throw HttpError.badRequest("jobId: missing; expected " + ALLOCATION_BODY);
    }
    if (!jobId.isTextual()) {
      throw HttpError.badRequest("jobId: must be a string, was " + jobId);
    }
    checkId("jobId", jobId.textValue());
    JsonNode slots = body.get("slots");
    if (slots == null || slots.isNull()) {
      throw HttpError.badRequest("slots: missing; expected " + ALLOCATION_BODY);
    }
    if (!slots.isIntegralNumber() || !slots.canConvertToInt() || slots.intValue() < 1) {
      throw HttpError.badRequest("slots: must be a positive integer, was " + slots);
    }
    RestartPolicy restart = RestartPolicyJson.read(body.get("restart"));
    return rm.allocateSlots(jobId.textValue(), slots.intValue(), restart)
        .thenApply(created -> json(HttpResponseStatus.CREATED, new Json.AllocationList(created)));
  }

  // GET /v1/jobs/{jobId} -> {jobId, allocations, attemptsUsed, failures}; 404 if nothing of the job is known
  private CompletableFuture<RestResponse> job(RestRequest request, List<String> path) {
    acceptOnly(request);
    String jobId = path.get(0);
    checkId("jobId", jobId);
    return rm.allocations(jobId).thenCombine(rm.allocationFailures(jobId), (allocations, failures) -> {
      if (allocations.isEmpty() && failures.isEmpty()) {
        return RestResponse.error(HttpResponseStatus.NOT_FOUND, "no allocation or failure of job " + jobId
            + " is known");
      }
      int attemptsUsed = 0;
      for (Allocation a : allocations) {
        attemptsUsed += a.restart() == null ? 0 : a.attempt();
      }
      List<Json.FailureView> failed = new ArrayList<>(failures.size());
      for (AllocationFailure f : failures) {
        attemptsUsed += f.allocation().attempt();
        failed.add(new Json.FailureView(f.allocation().allocationId(), f.lastTaskExecutorId(), f.reason(),
            f.allocation().attempt(), f.allocation().restart(), f.time(), f.detail()));
      }
      return json(HttpResponseStatus.OK, new Json.JobView(jobId, allocations, attemptsUsed, failed));
    });
  }

  // POST /v1/taskexecutors/{id}/drain -> 200 {taskExecutorId, moving}; 404 if it is not registered
  private CompletableFuture<RestResponse> drain(RestRequest request, List<String> path) {
    acceptOnly(request);
    String id = path.get(0);
    checkId("id", id);
    return rm.drainTaskExecutor(id).thenApply(moving -> moving < 0
        ? RestResponse.error(HttpResponseStatus.NOT_FOUND, "no task executor " + id + " is registered")
        : json(HttpResponseStatus.OK, new Json.Drained(id, moving)));
  }

  // DELETE /v1/allocations/{id} -> 204; 404 if unknown, 409 while still pending
  private CompletableFuture<RestResponse> release(RestRequest request, List<String> path) {
    acceptOnly(request);
    return rm.releaseAllocation(path.get(0)).thenApply(v -> RestResponse.empty(HttpResponseStatus.NO_CONTENT));
  }

  // POST /v1/admin/backup [{path}] -> 200 {path} once the copy is complete; 400 bad path, 409 no store on disk
  private CompletableFuture<RestResponse> backup(RestRequest request, List<String> path) {
    acceptOnly(request);
    Path file;
    if (request.body().length == 0) {
      if (backupDirectory == null) {
        throw new HttpError(HttpResponseStatus.CONFLICT, "the registry store is in memory: there is nothing on disk"
            + " to back up (set resourcemanager.store.type: sqlite)");
      }
      file = backupDirectory.resolve("registry-" + rm.fencing().epoch() + "-" + BACKUP_TIME.format(wallClock.instant())
          + ".db");
      try {
        Files.createDirectories(backupDirectory);
      } catch (IOException e) {
        throw new HttpError(HttpResponseStatus.CONFLICT, "cannot create " + backupDirectory + ": " + e);
      }
    } else {
      file = backupFile(Json.readObject(request.body(), BACKUP_BODY));
    }
    return rm.backup(file).handle((written, failure) -> {
      if (failure == null) {
        return json(HttpResponseStatus.OK, new Json.BackupDone(written.toString()));
      }
      Throwable cause = Failures.unwrap(failure);
      if (cause instanceof StoreException) {
        throw new HttpError(HttpResponseStatus.CONFLICT, cause.getMessage());
      }
      throw failure instanceof RuntimeException r ? r : new java.util.concurrent.CompletionException(failure);
    });
  }

  private static Path backupFile(JsonNode body) {
    for (Iterator<String> names = body.fieldNames(); names.hasNext(); ) {
      String name = names.next();
      if (!name.equals("path")) {
        throw HttpError.badRequest("unknown field '" + name + "'; expected " + BACKUP_BODY);
      }
    }
    JsonNode value = body.get("path");
    if (value == null || !value.isTextual() || value.textValue().isBlank()) {
      throw HttpError.badRequest("path: must be a non-empty string; expected " + BACKUP_BODY);
    }
    Path file;
    try {
      file = Path.of(value.textValue());
    } catch (InvalidPathException e) {
      throw HttpError.badRequest("path: " + e.getMessage());
    }
    if (!file.isAbsolute()) {
      throw HttpError.badRequest("path: must be absolute (the resource manager's working directory is not the"
          + " caller's), was " + file);
    }
    if (Files.exists(file)) {
      throw HttpError.badRequest("path: " + file + " already exists; a backup never overwrites a file");
    }
    if (file.getParent() == null || !Files.isDirectory(file.getParent())) {
      throw HttpError.badRequest("path: the directory " + file.getParent() + " does not exist");
    }
    return file;
  }

  // GET /metrics -> Prometheus text
  private CompletableFuture<RestResponse> metrics(RestRequest request, List<String> path) {
    return CompletableFuture.completedFuture(
        RestResponse.text(HttpResponseStatus.OK, ResourceManagerMetrics.CONTENT_TYPE, metrics.scrape()));
  }

  // GET /healthz -> 200 {status: UP} when started and its main thread answers; else 503 {status: DOWN, detail}
  //   (high availability: {status: UP, role: LEADER})
  private CompletableFuture<RestResponse> health(RestRequest request, List<String> path) {
    if (!rm.isRunning()) {
      return CompletableFuture.completedFuture(down(Failures.NOT_RUNNING));
    }
    // A round trip through the main thread: a stuck main thread is a sick resource manager.
    return rm.heartbeatStats().handle((stats, failure) -> failure == null
        ? json(HttpResponseStatus.OK, leaderAddress == null ? new Json.Up("UP") : new Json.UpWithRole("UP", LEADER))
        : down("the resource manager's main thread did not answer: " + Failures.unwrap(failure).getMessage()));
  }

  private static RestResponse down(String detail) {
    return json(HttpResponseStatus.SERVICE_UNAVAILABLE, new Json.Down("DOWN", detail));
  }

  private static CompletableFuture<RestResponse> ok(Object body) {
    return CompletableFuture.completedFuture(json(HttpResponseStatus.OK, body));
  }

  private static RestResponse json(HttpResponseStatus status, Object body) {
    return RestResponse.json(status, body);
  }

  private static void checkId(String name, String value) {
    String problem = ResourceId.validate(value);
    if (problem != null) {
      throw HttpError.badRequest(name + ": " + problem);
    }
  }

  private static void acceptOnly(RestRequest request, String... known) {
    for (String name : request.query().keySet()) {
      if (!Set.of(known).contains(name)) {
        throw HttpError.badRequest("unknown query parameter '" + name + "'; " + request.path()
            + (known.length == 0 ? " takes none" : " takes " + String.join(", ", known)));
      }
    }
  }

  private static String parameter(RestRequest request, String name) {
    List<String> values = request.query().get(name);
    if (values == null) {
      return null;
    }
    if (values.size() > 1) {
      throw HttpError.badRequest("query parameter '" + name + "' is given " + values.size() + " times; give it once");
    }
    return values.get(0);
  }

  private static long longParameter(RestRequest request, String name, long absent, long min, long max,
      String expected) {
    String value = parameter(request, name);
    if (value == null) {
      return absent;
    }
    try {
      long parsed = Long.parseLong(value);
      if (parsed >= min && parsed <= max) {
        return parsed;
      }
    } catch (NumberFormatException e) {
      // answered below
    }
    throw HttpError.badRequest(name + ": must be " + expected + ", was '" + value + "'");
  }
}
