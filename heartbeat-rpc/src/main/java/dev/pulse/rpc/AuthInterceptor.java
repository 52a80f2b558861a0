package dev.pulse.rpc;

import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Refuses every call that does not carry the server's shared token, with {@code UNAUTHENTICATED}
 * and a description that says what to fix. {@link RpcServer} puts it in front of every service.
 *
 * <p>Thread-safe and stateless; runs on the transport's threads before the service sees the call.
 */
final class AuthInterceptor implements ServerInterceptor {

  private static final Logger LOG = LoggerFactory.getLogger(AuthInterceptor.class);

  static final String MISSING = "this server requires the shared token of " + RpcSecurityConfig.TOKEN_FILE
      + " and the call carried none; configure the same token file on the caller";
  static final String WRONG = "the call's token does not match this server's (" + RpcSecurityConfig.TOKEN_FILE
      + "); configure the same token file on the caller and this server";

  private final AuthToken token;

  AuthInterceptor(AuthToken token) {
    this.token = token;
  }

  @Override
  public <ReqT, RespT> ServerCall.Listener<ReqT> interceptCall(ServerCall<ReqT, RespT> call, Metadata headers,
      ServerCallHandler<ReqT, RespT> next) {
    String presented = headers.get(AuthToken.AUTHORIZATION);
    if (presented != null && token.matches(presented)) {
      return next.startCall(call, headers);
    }
    String problem = presented == null ? MISSING : WRONG;
    LOG.debug("Refused {} from {}: {}", call.getMethodDescriptor().getFullMethodName(),
        call.getAttributes().get(Grpc.TRANSPORT_ATTR_REMOTE_ADDR), problem);
    call.close(Status.UNAUTHENTICATED.withDescription(problem), new Metadata());
    return new ServerCall.Listener<>() {};
  }
}
