package dev.pulse.rm.rest;

import io.netty.handler.codec.http.HttpResponseStatus;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;

/**
 * The web dashboard (SPEC 14): a few static files packed in the resource manager's jar, read once and served
 * from memory at {@code GET /} ({@code index.html}) and {@code GET /ui/<name>}. They hold no data: the page
 * fetches everything from the {@code /v1} endpoints, with the token the operator typed in when one is needed,
 * so the files themselves are served without it ({@link BearerAuth}).
 *
 * <p>Every answer carries a content security policy that lets the page load and fetch only from this server,
 * and {@code no-cache}, so a new version of the resource manager is never shown with an old script.
 * Immutable; thread-safe.
 */
final class DashboardAssets {

  /** The class-path directory of the files. */
  static final String DIRECTORY = "dev/pulse/rm/rest/dashboard/";

  private static final Map<String, String> TYPES = Map.of(
      "index.html", "text/html; charset=utf-8",
      "app.js", "text/javascript; charset=utf-8",
      "charts.js", "text/javascript; charset=utf-8",
      "app.css", "text/css; charset=utf-8");

  private static final String POLICY = "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'";

  private final Map<String, String> files = new HashMap<>();

  /** @throws IllegalStateException if a file is missing from the jar (a broken build) */
  DashboardAssets() {
    for (String name : TYPES.keySet()) {
      try (InputStream in = DashboardAssets.class.getClassLoader().getResourceAsStream(DIRECTORY + name)) {
        if (in == null) {
          throw new IllegalStateException("the dashboard file " + DIRECTORY + name + " is missing from the jar");
        }
        files.put(name, new String(in.readAllBytes(), StandardCharsets.UTF_8));
      } catch (IOException e) {
        throw new UncheckedIOException("cannot read the dashboard file " + name, e);
      }
    }
  }

  /** The file called {@code name}, or 404. */
  RestResponse file(String name) {
    String body = files.get(name);
    if (body == null) {
      return RestResponse.error(HttpResponseStatus.NOT_FOUND, "no dashboard file " + name + "; the dashboard is at /");
    }
    return RestResponse.text(HttpResponseStatus.OK, TYPES.get(name), body)
        .withHeader("Cache-Control", "no-cache")
        .withHeader("X-Content-Type-Options", "nosniff")
        .withHeader("Content-Security-Policy", POLICY);
  }

  /** Whether {@code segments} name a dashboard file: {@code /} or {@code /ui/...}. */
  static boolean isAsset(java.util.List<String> segments) {
    return (segments.size() == 1 && segments.get(0).isEmpty())
        || (segments.size() == 2 && segments.get(0).equals("ui"));
  }
}
