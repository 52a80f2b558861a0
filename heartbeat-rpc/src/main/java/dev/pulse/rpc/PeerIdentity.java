package dev.pulse.rpc;

import dev.pulse.config.Echo;
import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import java.security.cert.Certificate;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import javax.naming.InvalidNameException;
import javax.naming.ldap.LdapName;
import javax.naming.ldap.Rdn;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;

/**
 * Under mutual TLS, the caller is who its client certificate names: a task executor may act only as a
 * resource id that its certificate names. Without mutual TLS there is no per-caller identity and the
 * shared token is the only credential; then every check here passes.
 *
 * <p>A certificate names an id when the id equals its subject's CN, one of its DNS subject
 * alternative names, or the last segment (after the last {@code '/'} or {@code ':'}) of one of its URI
 * subject alternative names, e.g. {@code spiffe://pulse/te/te-0} or {@code urn:pulse:te-0} names
 * {@code te-0}. Comparison is exact (ids are case-sensitive).
 *
 * <pre>{@code
 * // in a service method, on the thread gRPC calls it on:
 * WireValidation.check(request);
 * PeerIdentity.checkResourceId("task_executor.resource_id", request.getTaskExecutor().getResourceId());
 * }</pre>
 *
 * <p>{@link RpcServer} puts the {@link #interceptor()} in front of every service when TLS is mutual;
 * it puts the call's TLS session in the gRPC {@link Context}, where {@link #checkResourceId} finds it.
 * Stateless and thread-safe.
 */
public final class PeerIdentity {

  private static final Context.Key<SSLSession> SESSION = Context.key("pulse-peer-tls-session");
  private static final int SAN_DNS = 2;
  private static final int SAN_URI = 6;

  private PeerIdentity() {}

  /**
   * Refuses the current call unless its caller may act as {@code resourceId}: passes when the call
   * carries no client certificate (TLS not mutual), or when the certificate names {@code resourceId}.
   * Must run on the thread gRPC calls the service method on, where the call's {@link Context} is current.
   *
   * @param field the request's field that holds the id, for the description
   * @throws io.grpc.StatusRuntimeException {@code PERMISSION_DENIED} naming both the id asked for and
   *     the ids the certificate names
   */
  public static void checkResourceId(String field, String resourceId) {
    SSLSession session = SESSION.get();
    if (session == null) {
      return;
    }
    X509Certificate certificate = leaf(session);
    if (certificate == null) {
      return;
    }
    Set<String> names = names(certificate);
    if (names.contains(resourceId)) {
      return;
    }
    List<String> quoted = new ArrayList<>();
    names.forEach(n -> quoted.add(Echo.quote(n)));
    throw Status.PERMISSION_DENIED.withDescription(field + ": " + Echo.quote(resourceId) + " is not named in the"
        + " caller's client certificate, which names " + (quoted.isEmpty() ? "no id" : String.join(", ", quoted))
        + "; under mutual TLS a task executor may act only as the resource id its certificate names (CN, or a"
        + " DNS or URI subject alternative name)").asRuntimeException();
  }

  /** Puts each call's TLS session, if any, in the call's {@link Context}. */
  static ServerInterceptor interceptor() {
    return new ServerInterceptor() {
      @Override
      public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
          ServerCallHandler<Q, R> next) {
        SSLSession session = call.getAttributes().get(Grpc.TRANSPORT_ATTR_SSL_SESSION);
        if (session == null) {
          return next.startCall(call, headers);
        }
        return Contexts.interceptCall(Context.current().withValue(SESSION, session), call, headers, next);
      }
    };
  }

  /**
   * The ids {@code certificate} names, in order: its subject's CN, then its DNS and URI subject
   * alternative names (URIs by their last segment).
   */
  static Set<String> names(X509Certificate certificate) {
    Set<String> names = new LinkedHashSet<>();
    try {
      for (Rdn rdn : new LdapName(certificate.getSubjectX500Principal().getName()).getRdns()) {
        if (rdn.getType().equalsIgnoreCase("CN")) {
          names.add(String.valueOf(rdn.getValue()));
        }
      }
    } catch (InvalidNameException e) {
      // a subject the JDK itself printed is a valid name; without a CN the SANs still count
    }
    try {
      Collection<List<?>> alternatives = certificate.getSubjectAlternativeNames();
      if (alternatives != null) {
        for (List<?> san : alternatives) {
          int type = (Integer) san.get(0);
          if (type == SAN_DNS) {
            names.add(String.valueOf(san.get(1)));
          } else if (type == SAN_URI) {
            String uri = String.valueOf(san.get(1));
            names.add(uri.substring(Math.max(uri.lastIndexOf('/'), uri.lastIndexOf(':')) + 1));
          }
        }
      }
    } catch (CertificateParsingException e) {
      // an unreadable extension names nothing; the CN still counts
    }
    return names;
  }

  private static X509Certificate leaf(SSLSession session) {
    try {
      Certificate[] chain = session.getPeerCertificates();
      return chain.length > 0 && chain[0] instanceof X509Certificate x ? x : null;
    } catch (SSLPeerUnverifiedException noClientCertificate) {
      return null;
    }
  }
}
