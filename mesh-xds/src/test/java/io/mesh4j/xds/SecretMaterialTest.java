package io.mesh4j.xds;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import io.envoyproxy.envoy.config.core.v3.DataSource;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.CertificateValidationContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.Secret;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.TlsCertificate;
import io.envoyproxy.envoy.type.matcher.v3.StringMatcher;
import java.nio.file.Files;
import java.nio.file.Path;
import okhttp3.tls.HeldCertificate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What an SDS Secret may hold, and the messages for what it may not. */
class SecretMaterialTest {
  static final HeldCertificate EC = new HeldCertificate.Builder().commonName("ec").ecdsa256().build();
  static final HeldCertificate RSA = new HeldCertificate.Builder().commonName("rsa").rsa2048().build();

  @TempDir Path tmp;

  static Secret tls(DataSource chain, DataSource key) {
    return Secret.newBuilder().setName("default").setTlsCertificate(
        TlsCertificate.newBuilder().setCertificateChain(chain).setPrivateKey(key)).build();
  }

  static DataSource text(String s) {
    return DataSource.newBuilder().setInlineString(s).build();
  }

  @Test
  void pkcs8AndPkcs1PemDerBytesAndFilesAreRead() throws Exception {
    assertThat(SecretMaterial.keyPair(tls(text(EC.certificatePem()), text(EC.privateKeyPkcs8Pem())))
        .chain()).containsExactly(EC.certificate());
    assertThat(SecretMaterial.keyPair(tls(text(RSA.certificatePem()), text(RSA.privateKeyPkcs1Pem())))
        .key().getAlgorithm()).isEqualTo("RSA");
    DataSource der = DataSource.newBuilder()
        .setInlineBytes(ByteString.copyFrom(EC.keyPair().getPrivate().getEncoded())).build();
    DataSource derCert = DataSource.newBuilder()
        .setInlineBytes(ByteString.copyFrom(EC.certificate().getEncoded())).build();
    assertThat(SecretMaterial.keyPair(tls(derCert, der)).chain()).containsExactly(EC.certificate());
    Path crt = Files.writeString(tmp.resolve("tls.crt"), EC.certificatePem());
    Path key = Files.writeString(tmp.resolve("tls.key"), EC.privateKeyPkcs8Pem());
    assertThat(SecretMaterial.keyPair(tls(DataSource.newBuilder().setFilename(crt.toString()).build(),
        DataSource.newBuilder().setFilename(key.toString()).build())).chain())
        .containsExactly(EC.certificate());
  }

  @Test
  void unusableCertificateSecretsAreRefusedNamingTheFieldAndNeverTheKey() {
    String sec1 = "-----BEGIN EC PRIVATE KEY-----\nMHcCAQEE\n-----END EC PRIVATE KEY-----\n";
    assertThatThrownBy(() -> SecretMaterial.keyPair(tls(text(EC.certificatePem()), text(sec1))))
        .hasMessage("tls_certificate.private_key: EC PRIVATE KEY without its named curve"
            + " (expected: PKCS#8 PRIVATE KEY, or SEC1 with the curve parameters)");
    assertThatThrownBy(() -> SecretMaterial.keyPair(
        tls(text(EC.certificatePem()), text(RSA.privateKeyPkcs8Pem()))))
        .hasMessageStartingWith("tls_certificate.private_key: does not belong to the first"
            + " certificate of certificate_chain (CN=ec)")
        .hasMessageNotContaining("PRIVATE KEY-----");
    assertThatThrownBy(() -> SecretMaterial.keyPair(tls(text("junk"), text(EC.privateKeyPkcs8Pem()))))
        .hasMessageStartingWith("tls_certificate.certificate_chain: ");
    assertThatThrownBy(() -> SecretMaterial.keyPair(tls(text(EC.certificatePem()),
        DataSource.newBuilder().setEnvironmentVariable("KEY").build())))
        .hasMessage("tls_certificate.private_key.environment_variable: not supported by mesh4j"
            + " (expected inline_bytes, inline_string or filename)");
    assertThatThrownBy(() -> SecretMaterial.keyPair(tls(text(EC.certificatePem()),
        DataSource.newBuilder().setFilename(tmp.resolve("missing.key").toString()).build())))
        .hasMessage("tls_certificate.private_key.filename: cannot read "
            + tmp.resolve("missing.key") + " (NoSuchFileException)");
    Secret withPassword = tls(text(EC.certificatePem()), text(EC.privateKeyPkcs8Pem())).toBuilder()
        .setTlsCertificate(tls(text(EC.certificatePem()), text(EC.privateKeyPkcs8Pem()))
            .getTlsCertificate().toBuilder().setPassword(text("secret"))).build();
    assertThatThrownBy(() -> SecretMaterial.keyPair(withPassword))
        .hasMessage("tls_certificate.password: not supported by mesh4j");
    assertThatThrownBy(() -> SecretMaterial.keyPair(Secret.newBuilder().setName("ROOTCA")
        .setValidationContext(CertificateValidationContext.getDefaultInstance()).build()))
        .hasMessage("a validation_context secret (expected a tls_certificate secret)");
  }

  @Test
  void aValidationSecretHoldsTrustedCasOnly() {
    Secret ca = Secret.newBuilder().setName("ROOTCA").setValidationContext(
        CertificateValidationContext.newBuilder().setTrustedCa(text(EC.certificatePem()))).build();
    assertThat(SecretMaterial.trustedCa(ca)).containsExactly(EC.certificate());

    Secret sans = ca.toBuilder().setValidationContext(ca.getValidationContext().toBuilder()
        .addMatchSubjectAltNames(StringMatcher.newBuilder().setExact("spiffe://x/y"))).build();
    assertThatThrownBy(() -> SecretMaterial.trustedCa(sans))
        .hasMessage("validation_context.match_subject_alt_names: not supported in a secret (put"
            + " subject alt name matchers in the cluster's"
            + " combined_validation_context.default_validation_context)");
    Secret crl = ca.toBuilder().setValidationContext(ca.getValidationContext().toBuilder()
        .setCrl(text("crl"))).build();
    assertThatThrownBy(() -> SecretMaterial.trustedCa(crl))
        .hasMessage("validation_context.crl: not supported by mesh4j");
    assertThatThrownBy(() -> SecretMaterial.trustedCa(Secret.newBuilder().setName("x")
        .setValidationContext(CertificateValidationContext.getDefaultInstance()).build()))
        .hasMessage("validation_context.trusted_ca: missing");
    assertThatThrownBy(() -> SecretMaterial.trustedCa(tls(text("a"), text("b"))))
        .hasMessage("a tls_certificate secret (expected a validation_context secret)");
  }
}
