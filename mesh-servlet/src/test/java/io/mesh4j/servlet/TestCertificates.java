package io.mesh4j.servlet;

import io.mesh4j.identity.TestPki;
import java.util.List;
import okhttp3.tls.HeldCertificate;

/**
 * Test certificates as okhttp-tls {@link HeldCertificate}s, including ones with URI subject
 * alternative names (SPIFFE IDs), which {@link HeldCertificate.Builder} cannot make: those are
 * written by mesh-core's {@link TestPki} and signed by a {@link HeldCertificate} CA (EC P-256).
 */
final class TestCertificates {
  private TestCertificates() {}

  /** A CA for the tests. */
  static HeldCertificate ca() {
    return new HeldCertificate.Builder().certificateAuthority(0).commonName("mesh4j test CA").build();
  }

  /** A server certificate for 127.0.0.1 signed by {@code ca}. */
  static HeldCertificate server(HeldCertificate ca) {
    return new HeldCertificate.Builder().commonName("server").addSubjectAlternativeName("127.0.0.1")
        .signedBy(ca).build();
  }

  /**
   * A certificate for {@code subject} (an X.500 name such as {@code CN=web,O=corp}) with these URI
   * SANs (none: no SAN extension) and these DNS SANs, signed by {@code ca}.
   */
  static HeldCertificate signed(HeldCertificate ca, String subject, List<String> uris, List<String> dnsNames) {
    TestPki.Held held = TestPki.signed(
        new TestPki.Held(ca.certificate(), ca.keyPair()), subject, uris, dnsNames);
    return new HeldCertificate(held.keys(), held.certificate());
  }
}
