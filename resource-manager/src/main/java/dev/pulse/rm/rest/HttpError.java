package dev.pulse.rm.rest;

import io.netty.handler.codec.http.HttpResponseStatus;

/**
 * A request the REST API refuses, with the status and the sentence to send back as {@code {"error": ...}}.
 * Thrown while a request is checked, before anything is changed. Carries no stack trace: it is an answer,
 * not a bug.
 */
final class HttpError extends RuntimeException {

  private static final long serialVersionUID = 1L;

  private final transient HttpResponseStatus status;

  HttpError(HttpResponseStatus status, String message) {
    super(message, null, false, false);
    this.status = status;
  }

  static HttpError badRequest(String message) {
    return new HttpError(HttpResponseStatus.BAD_REQUEST, message);
  }

  static HttpError notFound(String message) {
    return new HttpError(HttpResponseStatus.NOT_FOUND, message);
  }

  HttpResponseStatus status() {
    return status;
  }

  RestResponse toResponse() {
    return RestResponse.error(status, getMessage());
  }
}
