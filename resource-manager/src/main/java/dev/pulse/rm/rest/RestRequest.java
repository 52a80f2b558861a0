package dev.pulse.rm.rest;

import io.netty.buffer.ByteBufUtil;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * One HTTP request, decoded and copied out of Netty's buffers: immutable, safe on any thread.
 *
 * @param method the request method
 * @param path the raw (still percent-encoded) path, for messages
 * @param segments the path split at {@code /} and percent-decoded; {@code /v1/overview} is
 *     {@code [v1, overview]}
 * @param query decoded query parameters, each with every value given
 * @param body the request body, empty if none
 * @param version the HTTP version, which the response repeats
 * @param keepAlive whether the client wants the connection kept open after the response
 */
record RestRequest(HttpMethod method, String path, List<String> segments, Map<String, List<String>> query,
    byte[] body, HttpVersion version, boolean keepAlive) {

  /**
   * Copies {@code request}; the caller still owns (and releases) it.
   *
   * @throws HttpError 400 if the path or query is not validly percent-encoded
   */
  static RestRequest of(FullHttpRequest request) {
    QueryStringDecoder decoder = new QueryStringDecoder(request.uri());
    String path = decoder.rawPath();
    try {
      List<String> segments = new ArrayList<>();
      for (String raw : path.substring(path.startsWith("/") ? 1 : 0).split("/", -1)) {
        // '+' is a plus in a path; only query strings use it for a space.
        segments.add(QueryStringDecoder.decodeComponent(raw.replace("+", "%2B")));
      }
      Map<String, List<String>> query = Map.copyOf(decoder.parameters());
      return new RestRequest(request.method(), path, List.copyOf(segments), query,
          ByteBufUtil.getBytes(request.content()), request.protocolVersion(), HttpUtil.isKeepAlive(request));
    } catch (IllegalArgumentException e) {
      throw HttpError.badRequest("malformed URI " + request.uri() + ": " + e.getMessage());
    }
  }

  /**
   * A request known only by its head, refused before routing (its body was too large, or it could not be
   * decoded): enough to answer it.
   */
  static RestRequest headOnly(HttpRequest request, HttpVersion version, boolean keepAlive) {
    String path = request.uri() == null ? "" : request.uri().split("\\?", 2)[0];
    return new RestRequest(request.method(), path, List.of(), Map.of(), new byte[0], version, keepAlive);
  }

  /** {@code GET /v1/overview}, for log lines and error messages. */
  String describe() {
    return method + " " + path;
  }
}
