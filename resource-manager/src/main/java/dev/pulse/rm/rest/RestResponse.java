package dev.pulse.rm.rest;

import io.netty.handler.codec.http.HttpResponseStatus;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What to answer to one request, before it is encoded. Immutable. The body is encoded on the connection's
 * event loop when the response is written, never on the resource manager's main thread.
 *
 * @param status the HTTP status
 * @param contentType the body's content type, {@code null} without a body
 * @param body {@code null} for none, a {@link String} sent as UTF-8 text, or any other object sent as JSON
 * @param headers extra headers, such as {@code Allow}
 * @param closeConnection close the connection after this response, whatever the client asked for
 */
record RestResponse(HttpResponseStatus status, String contentType, Object body, Map<String, String> headers,
    boolean closeConnection) {

  static final String JSON = "application/json; charset=utf-8";

  RestResponse {
    headers = Map.copyOf(headers);
  }

  static RestResponse json(HttpResponseStatus status, Object body) {
    return new RestResponse(status, JSON, body, Map.of(), false);
  }

  static RestResponse text(HttpResponseStatus status, String contentType, String body) {
    return new RestResponse(status, contentType, body, Map.of(), false);
  }

  static RestResponse empty(HttpResponseStatus status) {
    return new RestResponse(status, null, null, Map.of(), false);
  }

  /** {@code {"error": message}}. */
  static RestResponse error(HttpResponseStatus status, String message) {
    return json(status, new Json.ErrorBody(message));
  }

  RestResponse withHeader(String name, String value) {
    Map<String, String> more = new LinkedHashMap<>(headers);
    more.put(name, value);
    return new RestResponse(status, contentType, body, more, closeConnection);
  }

  RestResponse closingConnection() {
    return new RestResponse(status, contentType, body, headers, true);
  }
}
