/**
 * The resource manager's REST API (SPEC 7), served by {@link dev.pulse.rm.rest.RestServer}.
 *
 * <h2>Conventions</h2>
 * <ul>
 *   <li>Bodies are JSON ({@code application/json; charset=utf-8}), except {@code /metrics}. Times are epoch
 *       milliseconds. Enums are written by name. A field with no value is written as {@code null}, never
 *       left out, so every object of a kind has the same fields.
 *   <li>Every refusal is a 4xx or 5xx with {@code {"error": "<what is wrong>"}}. A refused request has
 *       changed nothing.
 *   <li>The {@code /v1} endpoints refuse query parameters they do not know (400), so that a misspelt filter
 *       does not silently match everything.
 *   <li>HTTP/1.1 with keep-alive and pipelining (answers come in request order). Request bodies up to
 *       64 KiB.
 * </ul>
 *
 * <h2>Security (SPEC 13; see {@link dev.pulse.rm.rest.RestSecurity})</h2>
 * <ul>
 *   <li>With {@code security.auth.token-file}, {@code POST} and {@code DELETE} (any method but {@code GET} and
 *       {@code HEAD}) need {@code Authorization: Bearer <token>}; with {@code rest.auth.read: true}, so does
 *       every read, {@code /metrics} included. {@code /healthz} never does. Otherwise 401 with
 *       {@code {"error": ...}} and {@code WWW-Authenticate: Bearer realm="pulse"} (plus
 *       {@code error="invalid_token"} for a wrong token), before routing: an unknown path or method gets 401
 *       too.
 *   <li>With {@code security.ssl.enabled} (or {@code security.ssl.rest.enabled}) the API speaks HTTPS only;
 *       a plain-HTTP request on that port gets no answer, the connection is closed.
 * </ul>
 *
 * <h2>Endpoints</h2>
 * <pre>
 * GET /v1/overview                      200
 *   {"resourceManagerId": "rm-1", "epoch": 7, "taskExecutors": 2, "slotsTotal": 5, "slotsFree": 2}
 *
 * GET /v1/taskexecutors                 200
 *   {"taskExecutors": [{"id": "te-1", "instanceId": "i-1", "address": "10.0.0.5:6124",
 *     "registeredAt": 1800000000000, "lastHeartbeat": 1800000004000, "consecutiveFailedRpcs": 0,
 *     "slotsTotal": 3, "slotsFree": 1, "state": "ACTIVE"}]}
 *   state: REGISTERED (no heartbeat yet), ACTIVE, SUSPECT (heartbeat RPCs failing), RECOVERING (known from
 *   the registry store after a restart, not registered again yet: not alive, slots not offered);
 *   lastHeartbeat 0 before the first heartbeat
 *
 * GET /v1/taskexecutors?offset=&amp;limit=&amp;sort=&amp;filter=&amp;state=
 *                                       200 {"taskExecutors": [one page], "total", "matched", "offset",
 *                                           "states": {state: count}, "now"}: cut on the event loop from one
 *                                           snapshot (TaskExecutorPage); without these parameters, the list above
 * GET /v1/taskexecutors/{id}            200 one task executor as above; 404 if none is registered
 *
 * GET /v1/events?after=SEQ&amp;limit=N      200, oldest first, seq &gt; after (default 0), at most N (1..1000,
 *                                       default 1000); for more, ask again with the last seq
 *   {"events": [{"seq": 4, "time": 1800000009000, "type": "TASK_EXECUTOR_LOST", "taskExecutorId": "te-3",
 *     "allocationId": null, "jobId": null, "reason": "UNREACHABLE", "slotsReleased": 1,
 *     "detail": "2 heartbeat RPCs in a row could not reach it"}]}
 *   The log keeps the newest 10,000 events: a gap in seq means older ones were dropped. An event is
 *   listed only once the registry store holds it; after a restart the stored tail is served and seq
 *   continues, so after=N never goes back.
 *
 * POST /v1/allocations  {"jobId": "job-1", "slots": 2[, "restart": {"maxAttempts": 3, "backoff": "1 s",
 *                        "deadline": "30 s"}]}
 *                                       201 all slots, or none: 409 too few free, 502 a task executor refused
 *   {"allocations": [{"allocationId": "5f0c...", "jobId": "job-1", "taskExecutorId": "te-1", "slotIndex": 0,
 *     "state": "ALLOCATED", "createdAt": 1800000000000, "attempt": 1, "restart": null}, ...]}
 *   (SPEC 7's allocationId, taskExecutorId and slotIndex, plus jobId, state, createdAt, attempt and restart,
 *   so that an allocation has one shape everywhere). With "restart" (SPEC 10; RestartPolicyJson), an
 *   allocation whose task executor goes is placed on another one: ALLOCATION_MOVED, or ALLOCATION_FAILED
 *
 * GET /v1/allocations[?jobId=job-1]     200 {"allocations": [...]} of that job, or of every job;
 *                                       state PENDING while its task executor is being asked, or while a
 *                                       moved one waits for a slot (taskExecutorId null, slotIndex -1)
 *
 * DELETE /v1/allocations/{id}           204 no body; 404 unknown; 409 still PENDING (a moving one: 204)
 *
 * GET /v1/jobs/{jobId}                  200 {"jobId", "allocations": [...], "attemptsUsed": 4, "failures":
 *                                           [{"allocationId", "lastTaskExecutorId", "reason", "attempt",
 *                                           "restart", "time", "detail"}]}; 404 nothing of the job is known
 *
 * POST /v1/taskexecutors/{id}/drain     200 {"taskExecutorId", "moving": 2}: its slots are no longer offered,
 *                                       its allocations with a restart policy move (not counted); 404 not
 *                                       registered
 *
 * POST /v1/admin/backup [{"path": "/abs/file.db"}]
 *                                       200 {"path": "..."} once a consistent copy of the registry store is
 *                                       written (default: STORE_DIR/backups/registry-EPOCH-TIME.db); 400 a path
 *                                       that is relative, exists, or whose directory does not; 409 the store is
 *                                       in memory. Needs the token when one is set, as every POST does.
 *
 * GET /metrics                          200 Prometheus text, text/plain; version=0.0.4; charset=utf-8
 *                                       (see {@link dev.pulse.rm.metrics.ResourceManagerMetrics})
 *
 * GET /v1/heartbeats/summary           200 {"intervalMillis", "timeoutMillis", "rpcFailureThreshold", "now",
 *                                           "steps": [...]}: the last 5 minutes of HeartbeatHistory
 * GET /  and  GET /ui/{file}            200 the web dashboard's files (DashboardAssets), open without the token
 * GET /healthz                          200 {"status": "UP"} when started and its main thread answers;
 *                                       503 {"status": "DOWN", "detail": "the resource manager is not running"}
 * </pre>
 *
 * <h2>Status codes</h2>
 * <ul>
 *   <li>400: malformed JSON, a body that is not {@code {jobId, slots}}, a missing or invalid {@code jobId}
 *       ({@code [A-Za-z0-9._-]}, 1..128 characters), {@code slots} not a positive integer (or above
 *       1,000,000), an unknown field or query parameter, a bad query value, malformed HTTP or URI encoding;
 *   <li>401: the token is needed and missing or wrong (see Security above);
 *   <li>404: unknown path, task executor or allocation; 405 with {@code Allow}: wrong method;
 *   <li>409: not enough free slots, or releasing an allocation still being created;
 *   <li>413: body over 64 KiB; 414: request line over 4 KiB; 431: headers over 8 KiB;
 *   <li>502: a task executor refused or could not be asked for a slot (the allocation was undone; the
 *       error names the cause). 502 rather than 503 because the resource manager itself is fine: the
 *       failure is downstream, and 503 is kept for "the resource manager cannot answer";
 *   <li>503: the resource manager is not running, or did not answer within the response timeout (30 s by
 *       default; a POST or DELETE that timed out may still take effect);
 *   <li>500: anything unexpected, logged with its stack trace.
 * </ul>
 */
package dev.pulse.rm.rest;
