package dev.pulse.rm.rest;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import java.nio.charset.StandardCharsets;

/** Turns a {@link RestResponse} into Netty's message. Stateless; call it on the connection's event loop. */
final class ResponseEncoder {

  private ResponseEncoder() {}

  /**
   * @param keepAlive whether the connection stays open after this response; sets {@code Connection} as
   *     {@code version} needs it
   * @throws IllegalStateException if the body cannot be written as JSON
   */
  static FullHttpResponse encode(HttpVersion version, RestResponse response, boolean keepAlive) {
    Object body = response.body();
    ByteBuf content;
    if (body == null) {
      content = Unpooled.EMPTY_BUFFER;
    } else if (body instanceof String text) {
      content = Unpooled.wrappedBuffer(text.getBytes(StandardCharsets.UTF_8));
    } else {
      content = Unpooled.wrappedBuffer(Json.write(body));
    }
    FullHttpResponse message = new DefaultFullHttpResponse(version, response.status(), content);
    if (response.contentType() != null) {
      message.headers().set(HttpHeaderNames.CONTENT_TYPE, response.contentType());
    }
    response.headers().forEach(message.headers()::set);
    HttpUtil.setContentLength(message, content.readableBytes());
    HttpUtil.setKeepAlive(message, keepAlive);
    return message;
  }
}
