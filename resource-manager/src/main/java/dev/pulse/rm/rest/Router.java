package dev.pulse.rm.rest;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

/**
 * Finds the endpoint for a method and path. Patterns are literal segments and {@code {name}} placeholders,
 * each matching one non-empty segment. A path no pattern matches gets 404; a path that matches with another
 * method gets 405 with an {@code Allow} header. Immutable once built; thread-safe.
 */
final class Router {

  /** Serves requests to one method and path pattern. */
  @FunctionalInterface
  interface Endpoint {
    /**
     * @param pathParameters the segments that matched the pattern's placeholders, in order
     * @return the response; may complete on any thread. Throwing an {@link HttpError} (directly or in the
     *     future) answers with its status.
     */
    CompletableFuture<RestResponse> serve(RestRequest request, List<String> pathParameters);
  }

  private record Route(HttpMethod method, String[] pattern, Endpoint endpoint) {}

  private final List<Route> routes = new ArrayList<>();

  Router route(HttpMethod method, String pattern, Endpoint endpoint) {
    routes.add(new Route(method, pattern.substring(1).split("/", -1), endpoint));
    return this;
  }

  /** The endpoint's answer, or a failed future with whatever it threw. */
  CompletableFuture<RestResponse> dispatch(RestRequest request) {
    Set<String> allowed = new LinkedHashSet<>();
    for (Route route : routes) {
      List<String> parameters = match(route.pattern, request.segments());
      if (parameters == null) {
        continue;
      }
      if (route.method.equals(request.method())) {
        try {
          return route.endpoint.serve(request, parameters);
        } catch (RuntimeException e) {
          return CompletableFuture.failedFuture(e);
        }
      }
      allowed.add(route.method.name());
    }
    if (allowed.isEmpty()) {
      return CompletableFuture.completedFuture(RestResponse.error(HttpResponseStatus.NOT_FOUND,
          "no such resource: " + request.path() + "; see GET /v1/overview, /v1/taskexecutors, /v1/events, "
              + "/v1/allocations, /v1/jobs/{jobId}, /metrics, /healthz"));
    }
    String allow = String.join(", ", allowed);
    return CompletableFuture.completedFuture(RestResponse.error(HttpResponseStatus.METHOD_NOT_ALLOWED,
        "method " + request.method() + " is not allowed on " + request.path() + "; allowed: " + allow)
        .withHeader(HttpHeaderNames.ALLOW.toString(), allow));
  }

  private static List<String> match(String[] pattern, List<String> segments) {
    if (pattern.length != segments.size()) {
      return null;
    }
    List<String> parameters = new ArrayList<>(1);
    for (int i = 0; i < pattern.length; i++) {
      String segment = segments.get(i);
      if (pattern[i].startsWith("{")) {
        if (segment.isEmpty()) {
          return null;
        }
        parameters.add(segment);
      } else if (!pattern[i].equals(segment)) {
        return null;
      }
    }
    return parameters;
  }
}
