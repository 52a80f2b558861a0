package dev.pulse.rm.rest;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http.FullHttpMessage;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;

/**
 * Netty's {@link HttpObjectAggregator} with the REST API's answers to bodies over the limit: 413 with an
 * {@code {"error"}} body instead of an empty one.
 *
 * <p>A request found too large by its {@code Content-Length} or while its body arrives is not answered here
 * but passed on as a {@link TooLarge}, so that its 413 is written in turn, after the answers to requests
 * before it on the same connection. The aggregator discards the rest of its body. Whether the connection
 * stays open afterwards follows Netty's rule: it closes if the body had started arriving or the client
 * neither keeps the connection nor waits for a {@code 100 Continue}. A request that asked for
 * {@code 100 Continue} is refused at once (no body has been sent yet) and the connection closed.
 *
 * <p>Confined to the connection's event loop, like every channel handler.
 */
final class BodyLimit extends HttpObjectAggregator {

  /** Stands in for a request whose body exceeded the limit. */
  record TooLarge(RestRequest request, int maxBytes) {
    RestResponse response() {
      RestResponse r = RestResponse.error(HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE,
          "the request body is larger than " + maxBytes + " bytes");
      return request.keepAlive() ? r : r.closingConnection();
    }
  }

  private final int maxBytes;

  BodyLimit(int maxBytes) {
    super(maxBytes, true);
    this.maxBytes = maxBytes;
  }

  @Override
  protected void handleOversizedMessage(ChannelHandlerContext ctx, HttpMessage oversized) throws Exception {
    if (!(oversized instanceof HttpRequest request)) {
      super.handleOversizedMessage(ctx, oversized);
      return;
    }
    boolean keepOpen = !(oversized instanceof FullHttpMessage)
        && (HttpUtil.is100ContinueExpected(oversized) || HttpUtil.isKeepAlive(oversized));
    ctx.fireChannelRead(new TooLarge(RestRequest.headOnly(request, request.protocolVersion(), keepOpen), maxBytes));
  }

  @Override
  protected Object newContinueResponse(HttpMessage start, int maxContentLength, ChannelPipeline pipeline) {
    String expect = start.headers().get(HttpHeaderNames.EXPECT);
    Object response = super.newContinueResponse(start, maxContentLength, pipeline);
    if (response instanceof FullHttpResponse refusal && refusal.status().code() >= 400) {
      HttpResponseStatus status = refusal.status();
      refusal.release();
      String message = status.code() == 413
          ? "the request body is larger than " + maxBytes + " bytes"
          : "unsupported expectation 'Expect: " + expect + "'";
      // closeOnExpectationFailed (see the constructor) closes the connection after this answer.
      return ResponseEncoder.encode(start.protocolVersion(), RestResponse.error(status, message), false);
    }
    return response;
  }
}
