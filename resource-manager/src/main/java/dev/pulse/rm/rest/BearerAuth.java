package dev.pulse.rm.rest;

import dev.pulse.rpc.AuthToken;
import dev.pulse.rpc.RpcSecurityConfig;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.util.List;

/**
 * The token check of the REST API (SPEC 13), taken before a request is routed, so that a refused request
 * reaches no endpoint and changes nothing.
 *
 * <ul>
 *   <li>Without a token, every request passes.
 *   <li>With one, a request that may change something (any method but {@code GET} and {@code HEAD}) must
 *       carry {@code Authorization: Bearer <token>}; so must every read when {@code rest.auth.read} is on.
 *   <li>{@code /healthz} is always open: load balancers and supervisors probe it without a secret, and it
 *       tells nothing but "up".
 *   <li>Reads of the dashboard's files ({@code GET /}, {@code /ui/...}) are open too: they hold no data, and the
 *       page must load to ask the operator for the token it then sends with every request for data.
 *   <li>A refusal is 401 with {@code {"error": ...}} and a {@code WWW-Authenticate: Bearer} challenge
 *       (RFC 6750: {@code error="invalid_token"} when a wrong token was sent).
 * </ul>
 *
 * <p>The token is compared in constant time ({@link AuthToken#matches}); the scheme name is
 * case-insensitive, as HTTP says. Immutable and thread-safe; called on the connection's event loop.
 */
final class BearerAuth {

  static final String MISSING = "this request needs the shared token of " + RpcSecurityConfig.TOKEN_FILE
      + "; send it as 'Authorization: Bearer <token>'";
  static final String WRONG = "the token sent does not match this resource manager's ("
      + RpcSecurityConfig.TOKEN_FILE + ")";

  private static final String SCHEME = "Bearer ";
  private static final String CHALLENGE = "Bearer realm=\"pulse\"";

  private final AuthToken token;
  private final boolean reads;

  /**
   * @param token the token to require, or {@code null} to let every request pass
   * @param reads whether reads need it too
   */
  BearerAuth(AuthToken token, boolean reads) {
    this.token = token;
    this.reads = reads;
  }

  /**
   * @param authorization the request's {@code Authorization} header, {@code null} if it has none
   * @return {@code null} if the request may go on, otherwise the 401 to answer with
   */
  RestResponse refusal(RestRequest request, String authorization) {
    if (token == null || isHealthCheck(request.segments()) || (!reads && isRead(request.method()))
        || (isRead(request.method()) && DashboardAssets.isAsset(request.segments()))) {
      return null;
    }
    if (authorization == null) {
      return unauthorized(MISSING, CHALLENGE);
    }
    if (!token.matches(withCanonicalScheme(authorization))) {
      return unauthorized(WRONG, CHALLENGE + ", error=\"invalid_token\"");
    }
    return null;
  }

  private static boolean isRead(HttpMethod method) {
    return HttpMethod.GET.equals(method) || HttpMethod.HEAD.equals(method);
  }

  private static boolean isHealthCheck(List<String> segments) {
    return segments.size() == 1 && segments.get(0).equals("healthz");
  }

  /** {@code bearer x} and {@code BEARER x} are {@code Bearer x}: the token itself stays as sent. */
  private static String withCanonicalScheme(String authorization) {
    return authorization.regionMatches(true, 0, SCHEME, 0, SCHEME.length()) && !authorization.startsWith(SCHEME)
        ? SCHEME + authorization.substring(SCHEME.length()) : authorization;
  }

  private static RestResponse unauthorized(String message, String challenge) {
    return RestResponse.error(HttpResponseStatus.UNAUTHORIZED, message)
        .withHeader(HttpHeaderNames.WWW_AUTHENTICATE.toString(), challenge);
  }
}
