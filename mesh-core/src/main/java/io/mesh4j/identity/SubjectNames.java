package io.mesh4j.identity;

import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import javax.naming.InvalidNameException;
import javax.naming.ldap.LdapName;
import javax.naming.ldap.Rdn;
import javax.security.auth.x500.X500Principal;

/**
 * Reads the names a certificate asserts: its SPIFFE ID, its subject alternative names, its CN.
 * Stateless; never throws for a malformed extension (it reads as absent).
 */
public final class SubjectNames {
  private static final int DNS_SAN = 2;
  private static final int URI_SAN = 6;
  private static final int IP_SAN = 7;

  private SubjectNames() {}

  /** The first {@code spiffe://} URI SAN of {@code cert}, or {@code null}. */
  public static String spiffeId(X509Certificate cert) {
    for (String uri : uris(cert)) {
      if (uri.regionMatches(true, 0, "spiffe://", 0, 9)) return uri;
    }
    return null;
  }

  /**
   * The identity authz and verification see: the first URI SAN (a SPIFFE ID), else the most
   * specific subject CN, else {@code null}.
   */
  public static String identityOf(X509Certificate cert) {
    List<String> uris = uris(cert);
    if (!uris.isEmpty()) return uris.get(0);
    return commonName(cert.getSubjectX500Principal());
  }

  /** Every DNS, URI and IP subject alternative name of {@code cert}, in certificate order. */
  public static List<String> subjectAltNames(X509Certificate cert) {
    List<String> out = new ArrayList<>(4);
    for (List<?> san : sans(cert)) {
      if (san.size() >= 2 && san.get(0) instanceof Integer type
          && (type == DNS_SAN || type == URI_SAN || type == IP_SAN)
          && san.get(1) instanceof String v && !v.isEmpty()) {
        out.add(v);
      }
    }
    return out;
  }

  static List<String> uris(X509Certificate cert) {
    List<String> out = new ArrayList<>(1);
    for (List<?> san : sans(cert)) {
      if (san.size() >= 2 && san.get(0) instanceof Integer type && type == URI_SAN
          && san.get(1) instanceof String uri && !uri.isEmpty()) {
        out.add(uri);
      }
    }
    return out;
  }

  private static Collection<List<?>> sans(X509Certificate cert) {
    try {
      Collection<List<?>> s = cert.getSubjectAlternativeNames();
      return s == null ? List.of() : s;
    } catch (CertificateParsingException e) {
      return List.of();
    }
  }

  static String commonName(X500Principal subject) {
    if (subject == null) return null;
    try {
      List<Rdn> rdns = new LdapName(subject.getName(X500Principal.RFC2253)).getRdns();
      for (int i = rdns.size() - 1; i >= 0; i--) {
        Rdn rdn = rdns.get(i);
        if (rdn.getType().equalsIgnoreCase("CN") && rdn.getValue() instanceof String cn
            && !cn.isEmpty()) {
          return cn;
        }
      }
    } catch (InvalidNameException e) {
      return null;
    }
    return null;
  }
}
