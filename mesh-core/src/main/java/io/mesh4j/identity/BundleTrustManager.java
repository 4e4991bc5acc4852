package io.mesh4j.identity;

import java.net.Socket;
import java.security.GeneralSecurityException;
import java.security.cert.CertPath;
import java.security.cert.CertPathValidator;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.PKIXParameters;
import java.security.cert.TrustAnchor;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Date;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * A trust manager that validates the peer's chain (PKIX, at the injected clock's time) against the
 * source's current trust bundle, then its identity with a {@link PeerVerification}. Read on every
 * handshake, so a bundle change (a CA added, an old one removed) applies to the next connection.
 * No hostname check: identity is what is verified. Revocation is not checked (short-lived
 * certificates stand in for it, as in SPIFFE). Thread-safe.
 */
final class BundleTrustManager extends X509ExtendedTrustManager {
  private final IdentitySource source;
  private final PeerVerification verification;
  private final PeerObserver observer;
  private final Clock clock;
  private volatile Anchors anchors;

  BundleTrustManager(IdentitySource source, PeerVerification verification, PeerObserver observer,
      Clock clock) {
    this.source = source;
    this.verification = verification;
    this.observer = observer;
    this.clock = clock;
  }

  private record Anchors(WorkloadIdentity identity, Set<TrustAnchor> set,
      X509Certificate[] issuers) {}

  private Anchors anchors() {
    WorkloadIdentity id = source.current();
    Anchors a = anchors;
    if (a != null && a.identity == id) return a;
    Set<TrustAnchor> set = new HashSet<>();
    for (X509Certificate c : id.trustBundle()) set.add(new TrustAnchor(c, null));
    a = new Anchors(id, set, id.trustBundle().toArray(new X509Certificate[0]));
    anchors = a;
    return a;
  }

  private void check(X509Certificate[] chain) throws CertificateException {
    if (chain == null || chain.length == 0) {
      CertificateException e = new CertificateException("peer presented no certificate");
      observer.refused(null, e.getMessage());
      throw e;
    }
    Anchors a = anchors();
    List<X509Certificate> path = new ArrayList<>(Arrays.asList(chain));
    // A chain may end with the root itself; PKIX wants the path without its anchor.
    while (path.size() > 1 && isAnchor(a, path.get(path.size() - 1))) path.remove(path.size() - 1);
    try {
      CertPath certPath = CertificateFactory.getInstance("X.509").generateCertPath(path);
      PKIXParameters params = new PKIXParameters(a.set);
      params.setRevocationEnabled(false);
      params.setDate(Date.from(clock.instant()));
      CertPathValidator.getInstance("PKIX").validate(certPath, params);
    } catch (GeneralSecurityException e) {
      String who = SubjectNames.identityOf(chain[0]);
      String why = "chain of " + (who == null ? chain[0].getSubjectX500Principal().getName() : who)
          + " not trusted: " + e.getMessage();
      observer.refused(who, why);
      throw new CertificateException(why, e);
    }
    String verified;
    try {
      verified = verification.verify(chain[0]);
    } catch (PeerIdentityException e) {
      observer.refused(e.presented(), e.getMessage());
      throw e;
    }
    observer.verified(verified);
  }

  private static boolean isAnchor(Anchors a, X509Certificate c) {
    for (X509Certificate i : a.issuers) {
      if (i.equals(c)) return true;
    }
    return false;
  }

  @Override
  public void checkClientTrusted(X509Certificate[] chain, String authType)
      throws CertificateException {
    check(chain);
  }

  @Override
  public void checkServerTrusted(X509Certificate[] chain, String authType)
      throws CertificateException {
    check(chain);
  }

  @Override
  public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket)
      throws CertificateException {
    check(chain);
  }

  @Override
  public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket)
      throws CertificateException {
    check(chain);
  }

  @Override
  public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
      throws CertificateException {
    check(chain);
  }

  @Override
  public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
      throws CertificateException {
    check(chain);
  }

  @Override
  public X509Certificate[] getAcceptedIssuers() {
    return anchors().issuers.clone();
  }
}
