package io.mesh4j.servlet;

import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import javax.naming.InvalidNameException;
import javax.naming.ldap.LdapName;
import javax.naming.ldap.Rdn;
import javax.security.auth.x500.X500Principal;

/**
 * The identity of a client certificate's holder, as authz {@code principals} see it: the first
 * URI subject alternative name (a SPIFFE ID such as {@code spiffe://corp/ns/prod/sa/web}) when the
 * certificate has one, else the most specific common name (CN) of its subject, else none.
 *
 * <p>The certificate is the first of the chain the container exposes as {@code
 * jakarta.servlet.request.X509Certificate}; the container has verified it (the filter trusts the
 * container's TLS configuration, e.g. Jetty's {@code needClientAuth} with a trust store).
 *
 * <p>Answers are remembered per certificate (up to {@value #MAX_CACHED} of them; the memo is
 * emptied when full), so after a peer's first request its principal costs one lock-free map
 * lookup. Thread-safe.
 */
final class PeerIdentities {
  static final String CERTIFICATES_ATTRIBUTE = "jakarta.servlet.request.X509Certificate";
  static final int MAX_CACHED = 4096;
  private static final int URI_SAN = 6;
  private static final String NONE = new String("");

  private final Map<X509Certificate, String> cache = new ConcurrentHashMap<>();

  /** The principal of the request's client certificate, or null when there is none. */
  String principal(Object certificatesAttribute) {
    if (!(certificatesAttribute instanceof X509Certificate[] chain) || chain.length == 0
        || chain[0] == null) {
      return null;
    }
    X509Certificate leaf = chain[0];
    String cached = cache.get(leaf);
    if (cached == null) {
      String p = identityOf(leaf);
      cached = p == null ? NONE : p;
      if (cache.size() >= MAX_CACHED) cache.clear();
      cache.put(leaf, cached);
    }
    return cached == NONE ? null : cached;
  }

  /** The first URI SAN, else the most specific subject CN, else null. Never throws. */
  static String identityOf(X509Certificate certificate) {
    try {
      Collection<List<?>> sans = certificate.getSubjectAlternativeNames();
      if (sans != null) {
        for (List<?> san : sans) {
          if (san.size() >= 2 && san.get(0) instanceof Integer type && type == URI_SAN
              && san.get(1) instanceof String uri && !uri.isEmpty()) {
            return uri;
          }
        }
      }
    } catch (CertificateParsingException e) {
      // A malformed SAN extension: fall back to the subject.
    }
    return commonName(certificate.getSubjectX500Principal());
  }

  private static String commonName(X500Principal subject) {
    if (subject == null) return null;
    try {
      List<Rdn> rdns = new LdapName(subject.getName(X500Principal.RFC2253)).getRdns();
      // getRdns() lists the least specific first; the last CN is the most specific one.
      for (int i = rdns.size() - 1; i >= 0; i--) {
        Rdn rdn = rdns.get(i);
        if (rdn.getType().equalsIgnoreCase("CN") && rdn.getValue() instanceof String cn
            && !cn.isEmpty()) {
          return cn;
        }
      }
    } catch (InvalidNameException | IllegalArgumentException e) {
      return null;
    }
    return null;
  }
}
