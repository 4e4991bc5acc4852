package io.mesh4j.okhttp;

import io.mesh4j.config.TlsConfig;
import io.mesh4j.identity.PeerIdentityException;
import io.mesh4j.identity.PeerVerification;
import io.mesh4j.internal.tls.MeshTls;
import java.io.IOException;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.concurrent.atomic.AtomicReferenceArray;
import javax.net.ssl.SSLPeerUnverifiedException;
import okhttp3.Connection;
import okhttp3.Handshake;
import okhttp3.Interceptor;
import okhttp3.Request;
import okhttp3.Response;

/**
 * An outbound route's {@code verify}: the server identities a request on that route accepts, on
 * top of its cluster's {@code tls.verify} (which the trust manager already checked during the
 * handshake). Carried as the tag of each upstream request of the route; {@link #CHECK}, a network
 * interceptor on every TLS attempt client, reads it and checks the identity of the connection
 * OkHttp picked, after the connection was acquired and before a request byte is written. A
 * refused connection fails the attempt with {@link Refused} (an {@link SSLPeerUnverifiedException}
 * whose cause is the {@link PeerIdentityException}): never sent, and the endpoint is not tried
 * again for that call.
 *
 * <p>Pooled connections stay shared: the interceptor is on the cluster's TLS client, so requests
 * with and without a route {@code verify} use the same pool entries. A request without the tag
 * costs one tag lookup; a cluster without TLS never sees the interceptor. Accepted leaf
 * certificates are remembered (a few, by identity), so a warm connection costs an identity
 * comparison. Immutable apart from that cache; thread-safe.
 */
final class RouteVerify {
  private static final int CACHE = 8;

  /** The route's tag in meters and refusals ({@code route <virtual host>/<route>}). */
  final String by;
  private final PeerVerification verification;
  private final AtomicReferenceArray<X509Certificate> accepted = new AtomicReferenceArray<>(CACHE);

  private RouteVerify(String by, PeerVerification verification) {
    this.by = by;
    this.verification = verification;
  }

  /** The check of a route's {@code verify}, or {@code null} when it has none. */
  static RouteVerify of(TlsConfig.Verify verify, String routeTag) {
    if (verify == null) return null;
    PeerVerification v = MeshTls.verification(verify);
    if (v.equals(PeerVerification.anyTrusted())) return null;
    return new RouteVerify("route " + routeTag, v);
  }

  /** What the route allows, in words. */
  String describe() {
    return verification.describe();
  }

  /** Checks the server's leaf certificate. */
  void check(X509Certificate leaf) throws PeerIdentityException {
    int slot = System.identityHashCode(leaf) & (CACHE - 1);
    if (accepted.get(slot) == leaf) return;
    verification.verify(leaf);
    accepted.set(slot, leaf);
  }

  /** Checks a request's route {@code verify} against the connection it is about to use. */
  static final Interceptor CHECK = new Interceptor() {
    @Override
    public Response intercept(Chain chain) throws IOException {
      Request request = chain.request();
      RouteVerify rv = request.tag(RouteVerify.class);
      if (rv != null) rv.check(chain.connection());
      return chain.proceed(request);
    }
  };

  private void check(Connection connection) throws Refused {
    Handshake h = connection == null ? null : connection.handshake();
    List<Certificate> peer = h == null ? List.of() : h.peerCertificates();
    if (peer.isEmpty() || !(peer.get(0) instanceof X509Certificate leaf)) {
      throw new Refused(by, new PeerIdentityException(null, verification.describe()));
    }
    try {
      check(leaf);
    } catch (PeerIdentityException e) {
      throw new Refused(by, e);
    }
  }

  /** The first {@link Refused} in {@code t}'s cause chain, or {@code null}. */
  static Refused find(Throwable t) {
    for (int i = 0; t != null && i < 16; i++, t = t.getCause()) {
      if (t instanceof Refused r) return r;
    }
    return null;
  }

  /** A connection whose server identity a route's {@code verify} refused; nothing was sent. */
  static final class Refused extends SSLPeerUnverifiedException {
    private static final long serialVersionUID = 1L;

    /** {@code route <virtual host>/<route>}. */
    final String by;

    Refused(String by, PeerIdentityException cause) {
      super(cause.getMessage() + " by " + by);
      this.by = by;
      initCause(cause);
    }
  }
}
