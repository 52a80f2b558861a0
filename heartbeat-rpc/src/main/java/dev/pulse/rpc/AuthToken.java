package dev.pulse.rpc;

import dev.pulse.config.ConfigException;
import io.grpc.CallCredentials;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.concurrent.Executor;

/**
 * The shared secret of {@code security.auth.token-file}: sent by clients as
 * {@code authorization: Bearer <token>} on every call, compared by servers in constant time.
 *
 * <p>Public so that the other entry points of a process (the resource manager's REST API, and the
 * harness's REST client) read the same file by the same rules and compare the same way; the gRPC
 * plumbing stays package-private.
 *
 * <p>Immutable and thread-safe. The token never appears in {@link #toString()} or in error messages.
 */
public final class AuthToken {

  static final Metadata.Key<String> AUTHORIZATION = Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);
  static final String SCHEME = "Bearer ";

  /** Shorter secrets are guessable; 16 characters of hex are 64 bits. */
  static final int MIN_LENGTH = 16;

  private final String headerValue;
  private final byte[] headerBytes;
  private final CallCredentials callCredentials;

  private AuthToken(String token) {
    this.headerValue = SCHEME + token;
    this.headerBytes = headerValue.getBytes(StandardCharsets.US_ASCII);
    this.callCredentials = new TokenCredentials(headerValue);
  }

  /**
   * Reads the token: the file's content without surrounding whitespace.
   *
   * @throws ConfigException naming {@code security.auth.token-file} if the file cannot be read or
   *     does not hold a usable token
   */
  public static AuthToken read(Path file) {
    String key = RpcSecurityConfig.TOKEN_FILE;
    String token;
    try {
      token = Files.readString(file, StandardCharsets.US_ASCII).strip();
    } catch (IOException | RuntimeException e) {
      throw new ConfigException(key, "cannot read '" + file + "': " + e);
    }
    if (token.isEmpty()) {
      throw new ConfigException(key, "'" + file + "' is empty; put a random secret in it, e.g. the output of"
          + " 'openssl rand -hex 32'");
    }
    if (token.length() < MIN_LENGTH) {
      throw new ConfigException(key, "the token in '" + file + "' has " + token.length() + " characters, at least "
          + MIN_LENGTH + " are required; e.g. use the output of 'openssl rand -hex 32'");
    }
    for (int i = 0; i < token.length(); i++) {
      char c = token.charAt(i);
      if (c < 0x21 || c > 0x7e) {
        throw new ConfigException(key, "the token in '" + file + "' may contain only printable ASCII characters"
            + " without spaces (it travels in an HTTP/2 header); character " + (i + 1) + " is not one");
      }
    }
    return new AuthToken(token);
  }

  /** For tests: a token given directly. */
  static AuthToken of(String token) {
    return new AuthToken(token);
  }

  /**
   * Whether {@code presented}, the value of a call's {@code authorization} header, carries this token.
   * Takes the same time whatever the position of the first differing character.
   */
  public boolean matches(String presented) {
    // MessageDigest.isEqual walks the whole of its first argument without an early exit, so the time
    // depends on the presented length only, never on the secret's content.
    return MessageDigest.isEqual(presented.getBytes(StandardCharsets.US_ASCII), headerBytes);
  }

  /** {@code Bearer <token>}: the value of the {@code authorization} header that carries this token. */
  public String headerValue() {
    return headerValue;
  }

  /** Credentials that put this token on a call. */
  CallCredentials callCredentials() {
    return callCredentials;
  }

  /** A channel interceptor that puts this token on every call that carries no other credentials. */
  ClientInterceptor clientInterceptor() {
    return new ClientInterceptor() {
      @Override
      public <ReqT, RespT> ClientCall<ReqT, RespT> interceptCall(MethodDescriptor<ReqT, RespT> method,
          CallOptions callOptions, Channel next) {
        CallOptions options = callOptions.getCredentials() == null
            ? callOptions.withCallCredentials(callCredentials) : callOptions;
        return next.newCall(method, options);
      }
    };
  }

  @Override
  public String toString() {
    return "AuthToken{****}";
  }

  /** Applies the header inline: nothing to fetch or refresh. */
  private static final class TokenCredentials extends CallCredentials {
    private final String headerValue;

    TokenCredentials(String headerValue) {
      this.headerValue = headerValue;
    }

    @Override
    public void applyRequestMetadata(RequestInfo requestInfo, Executor appExecutor, MetadataApplier applier) {
      Metadata headers = new Metadata();
      headers.put(AUTHORIZATION, headerValue);
      applier.apply(headers);
    }
  }
}
