package dev.pulse.rm.rest;

import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Serves one HTTP/1.1 connection: checks each request's token ({@link BearerAuth}), hands it to the
 * {@link Router} and writes the answers in the order the requests came (pipelining), one request at a time.
 *
 * <p>Threading: confined to the connection's event loop. The router's futures may complete on another
 * thread (the resource manager's main thread); their results hop back onto the event loop before this
 * handler's state is touched, and are encoded there. Nothing here blocks.
 *
 * <ul>
 *   <li>Requests that arrive while one is being answered wait in a queue; reading pauses while
 *       {@value #MAX_QUEUED} wait.
 *   <li>A request the resource manager has not answered within the response timeout gets 503; a late
 *       answer is dropped.
 *   <li>The connection stays open unless the client asked otherwise or the request could not be read
 *       (malformed HTTP: 400, request line too long: 414, headers too large: 431).
 *   <li>A connection with no request in progress is closed when the {@code IdleStateHandler} before this
 *       handler reports it idle.
 * </ul>
 */
final class RestHandler extends ChannelInboundHandlerAdapter {

  private static final Logger LOG = LoggerFactory.getLogger(RestHandler.class);

  /** Requests waiting on one connection before reading pauses. */
  static final int MAX_QUEUED = 16;

  /** A request to answer, possibly already refused. */
  private record Queued(RestRequest request, RestResponse refusal) {}

  private final Router router;
  private final BearerAuth auth;
  private final Failures failures;
  private final Duration responseTimeout;
  private final ArrayDeque<Queued> queue = new ArrayDeque<>();
  private Queued current;
  private long generation;
  private ScheduledFuture<?> timeout;
  private boolean closing;

  RestHandler(Router router, BearerAuth auth, Failures failures, Duration responseTimeout) {
    this.router = router;
    this.auth = auth;
    this.failures = failures;
    this.responseTimeout = responseTimeout;
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    try {
      if (msg instanceof FullHttpRequest request) {
        enqueue(ctx, read(request));
      } else if (msg instanceof BodyLimit.TooLarge tooLarge) {
        enqueue(ctx, new Queued(tooLarge.request(), tooLarge.response()));
      }
      // Anything else is left-over content of a refused request: dropped.
    } finally {
      ReferenceCountUtil.release(msg);
    }
  }

  @Override
  public void userEventTriggered(ChannelHandlerContext ctx, Object event) {
    if (event instanceof IdleStateEvent) {
      if (current == null && queue.isEmpty()) {
        LOG.debug("Closing idle REST connection {}", ctx.channel());
        ctx.close();
      }
      return;
    }
    ctx.fireUserEventTriggered(event);
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    closing = true;
    queue.clear();
    cancelTimeout();
    ctx.fireChannelInactive();
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    if (cause instanceof IOException || isTlsFailure(cause)) {
      LOG.debug("REST connection {} failed: {}", ctx.channel(), cause.toString());
    } else {
      LOG.warn("REST connection {} failed; closing it", ctx.channel(), cause);
    }
    ctx.close();
  }

  /** The client spoke plain HTTP to HTTPS, or refused the certificate: its problem, not this server's. */
  private static boolean isTlsFailure(Throwable cause) {
    return cause instanceof DecoderException && cause.getCause() instanceof SSLException;
  }

  private Queued read(FullHttpRequest request) {
    DecoderResult decoded = request.decoderResult();
    if (decoded.isFailure()) {
      // The decoder cannot find where the next request starts: answer, then close. The version the client
      // spoke is unknown, so the answer is HTTP/1.1 with an explicit "Connection: close".
      return new Queued(RestRequest.headOnly(request, HttpVersion.HTTP_1_1, false), unreadable(decoded.cause()));
    }
    try {
      RestRequest rest = RestRequest.of(request);
      return new Queued(rest, auth.refusal(rest, request.headers().get(HttpHeaderNames.AUTHORIZATION)));
    } catch (HttpError e) {
      return new Queued(RestRequest.headOnly(request, request.protocolVersion(), HttpUtil.isKeepAlive(request)),
          e.toResponse());
    }
  }

  private static RestResponse unreadable(Throwable cause) {
    if (cause instanceof TooLongHttpLineException) {
      return RestResponse.error(HttpResponseStatus.REQUEST_URI_TOO_LONG, "request line too long: " + cause.getMessage());
    }
    if (cause instanceof TooLongHttpHeaderException) {
      return RestResponse.error(HttpResponseStatus.REQUEST_HEADER_FIELDS_TOO_LARGE,
          "request headers too large: " + cause.getMessage());
    }
    return RestResponse.error(HttpResponseStatus.BAD_REQUEST, "malformed HTTP request: " + cause.getMessage());
  }

  private void enqueue(ChannelHandlerContext ctx, Queued queued) {
    if (closing) {
      return;
    }
    queue.add(queued);
    if (queue.size() >= MAX_QUEUED) {
      ctx.channel().config().setAutoRead(false);
    }
    serveQueued(ctx);
  }

  /** Starts queued requests until one is in progress or none is left. */
  private void serveQueued(ChannelHandlerContext ctx) {
    while (current == null && !closing && !queue.isEmpty()) {
      start(ctx, queue.poll());
    }
    if (!closing && queue.size() < MAX_QUEUED && !ctx.channel().config().isAutoRead()) {
      ctx.channel().config().setAutoRead(true);
    }
  }

  private void start(ChannelHandlerContext ctx, Queued queued) {
    current = queued;
    long id = ++generation;
    RestRequest request = queued.request();
    CompletableFuture<RestResponse> answer = queued.refusal() != null
        ? CompletableFuture.completedFuture(queued.refusal())
        : router.dispatch(request);
    if (answer.isDone()) {
      finish(ctx, id, answer.handle((response, failure) -> outcome(request, response, failure)).join());
      return;
    }
    timeout = ctx.executor().schedule(() -> {
      finish(ctx, id, failures.timedOut(request, responseTimeout));
      serveQueued(ctx);
    }, responseTimeout.toNanos(), TimeUnit.NANOSECONDS);
    // If the event loop is already shut down (server closing), the hop is refused and the answer dropped.
    answer.whenCompleteAsync((response, failure) -> {
      finish(ctx, id, outcome(request, response, failure));
      serveQueued(ctx);
    }, ctx.executor());
  }

  private RestResponse outcome(RestRequest request, RestResponse response, Throwable failure) {
    return failure == null ? response : failures.toResponse(request, failure);
  }

  /** Writes the answer to request {@code id}, unless it was answered already (timed out) or the connection closed. */
  private void finish(ChannelHandlerContext ctx, long id, RestResponse response) {
    if (current == null || id != generation) {
      return;
    }
    RestRequest request = current.request();
    current = null;
    cancelTimeout();
    if (closing) {
      return;
    }
    boolean keepAlive = request.keepAlive() && !response.closeConnection();
    LOG.debug("{} -> {}", request.describe(), response.status());
    ChannelFuture written = ctx.writeAndFlush(encode(request, response, keepAlive));
    if (!keepAlive) {
      closing = true;
      queue.clear();
      written.addListener(ChannelFutureListener.CLOSE);
    }
  }

  private static FullHttpResponse encode(RestRequest request, RestResponse response, boolean keepAlive) {
    try {
      return ResponseEncoder.encode(request.version(), response, keepAlive);
    } catch (RuntimeException e) {
      LOG.error("Could not encode the answer to {}", request.describe(), e);
      return ResponseEncoder.encode(request.version(), RestResponse.error(HttpResponseStatus.INTERNAL_SERVER_ERROR,
          "internal error: the answer could not be encoded; the resource manager's log has the details"), keepAlive);
    }
  }

  private void cancelTimeout() {
    if (timeout != null) {
      timeout.cancel(false);
      timeout = null;
    }
  }
}
