package io.mesh4j.servlet;

import static org.assertj.core.api.Assertions.assertThat;

import java.security.cert.X509Certificate;
import java.util.List;
import okhttp3.tls.HeldCertificate;
import org.junit.jupiter.api.Test;

class PeerIdentitiesTest {
  static final HeldCertificate CA = TestCertificates.ca();

  private static X509Certificate cert(String subject, List<String> uris, List<String> dns) {
    return TestCertificates.signed(CA, subject, uris, dns).certificate();
  }

  @Test
  void theFirstUriSanIsThePrincipalEvenWhenThereIsACommonName() {
    X509Certificate c = cert("CN=frontend,O=corp", List.of("spiffe://corp.test/ns/prod/sa/frontend",
        "https://other.example/id"), List.of("frontend.internal"));

    assertThat(PeerIdentities.identityOf(c)).isEqualTo("spiffe://corp.test/ns/prod/sa/frontend");
  }

  @Test
  void withoutAUriSanTheMostSpecificCommonNameIsThePrincipal() {
    assertThat(PeerIdentities.identityOf(cert("CN=billing-worker,OU=jobs,O=corp", List.of(),
        List.of("billing.internal")))).isEqualTo("billing-worker");
    assertThat(PeerIdentities.identityOf(cert("CN=leaf,OU=unit,CN=outer,O=corp", List.of(), List.of())))
        .isEqualTo("leaf");
    assertThat(PeerIdentities.identityOf(cert("CN=with\\, comma,O=corp", List.of(), List.of())))
        .isEqualTo("with, comma");
  }

  @Test
  void aCertificateWithNeitherHasNoPrincipal() {
    assertThat(PeerIdentities.identityOf(cert("O=only an org", List.of(), List.of("dns.only")))).isNull();
  }

  @Test
  void theRequestAttributeYieldsTheLeafsPrincipalAndAnythingElseNone() {
    PeerIdentities ids = new PeerIdentities();
    X509Certificate leaf = cert("CN=a", List.of("spiffe://corp.test/a"), List.of());
    X509Certificate none = cert("O=x", List.of(), List.of());

    assertThat(ids.principal(new X509Certificate[] {leaf, CA.certificate()})).isEqualTo("spiffe://corp.test/a");
    assertThat(ids.principal(new X509Certificate[] {leaf})).as("remembered").isEqualTo("spiffe://corp.test/a");
    assertThat(ids.principal(new X509Certificate[] {none})).isNull();
    assertThat(ids.principal(new X509Certificate[] {none})).as("remembered as none").isNull();
    assertThat(ids.principal(new X509Certificate[0])).isNull();
    assertThat(ids.principal(null)).isNull();
    assertThat(ids.principal("not certificates")).isNull();
  }
}
