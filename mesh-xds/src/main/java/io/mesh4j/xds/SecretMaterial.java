package io.mesh4j.xds;

import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Message;
import io.envoyproxy.envoy.config.core.v3.DataSource;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.CertificateValidationContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.Secret;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.TlsCertificate;
import io.mesh4j.identity.KeyMaterial;
import io.mesh4j.identity.WorkloadIdentity;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.Arrays;
import java.util.List;
import java.util.Set;

/**
 * The certificate material of an SDS {@code Secret}: a {@code tls_certificate} (certificate chain
 * and private key, checked to belong together) or a {@code validation_context} (the trusted CA
 * certificates). Data sources may be {@code inline_bytes}, {@code inline_string} or a {@code
 * filename} (read once, when the secret arrives), parsed by {@link KeyMaterial}: PEM or DER
 * certificates, and a PEM PKCS#8, PKCS#1 RSA or SEC1 EC key, or DER PKCS#8. A secret that cannot be used throws {@link IllegalArgumentException} with a message
 * naming the field, never containing key bytes. Stateless.
 */
final class SecretMaterial {
  private SecretMaterial() {}

  /** A certificate chain (leaf first) and the leaf's key. */
  record KeyPair(List<X509Certificate> chain, PrivateKey key) {
    @Override
    public String toString() {
      return "KeyPair{" + chain.get(0).getSubjectX500Principal() + "}";
    }
  }

  /**
   * The chain and key of a {@code tls_certificate} secret.
   *
   * @throws IllegalArgumentException when it is another kind of secret, uses fields mesh4j does not
   *     support, cannot be read, or the key does not belong to the first certificate
   */
  static KeyPair keyPair(Secret s) {
    if (!s.hasTlsCertificate()) {
      throw new IllegalArgumentException(kind(s) + " (expected a tls_certificate secret)");
    }
    TlsCertificate t = s.getTlsCertificate();
    onlyFields(t, "tls_certificate", Set.of("certificate_chain", "private_key"));
    if (!t.hasCertificateChain()) {
      throw new IllegalArgumentException("tls_certificate.certificate_chain: missing");
    }
    if (!t.hasPrivateKey()) {
      throw new IllegalArgumentException("tls_certificate.private_key: missing");
    }
    List<X509Certificate> chain = KeyMaterial.certificates(
        bytes(t.getCertificateChain(), "tls_certificate.certificate_chain"),
        "tls_certificate.certificate_chain");
    byte[] keyBytes = bytes(t.getPrivateKey(), "tls_certificate.private_key");
    PrivateKey key;
    try {
      key = KeyMaterial.privateKey(keyBytes, "tls_certificate.private_key");
    } finally {
      Arrays.fill(keyBytes, (byte) 0);
    }
    try {
      // Checks that the key belongs to the leaf (the bundle here is only a placeholder).
      WorkloadIdentity.of(chain, key, chain);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("tls_certificate." + e.getMessage()
          .replace("cert_chain", "certificate_chain"), e);
    }
    return new KeyPair(chain, key);
  }

  /**
   * The trusted CA certificates of a {@code validation_context} secret.
   *
   * @throws IllegalArgumentException when it is another kind of secret, sets anything but {@code
   *     trusted_ca}, or holds no certificate
   */
  static List<X509Certificate> trustedCa(Secret s) {
    if (!s.hasValidationContext()) {
      throw new IllegalArgumentException(kind(s) + " (expected a validation_context secret)");
    }
    CertificateValidationContext v = s.getValidationContext();
    for (FieldDescriptor f : v.getAllFields().keySet()) {
      String n = f.getName();
      if (n.equals("trusted_ca")) continue;
      if (n.equals("match_typed_subject_alt_names") || n.equals("match_subject_alt_names")) {
        throw new IllegalArgumentException("validation_context." + n + ": not supported in a"
            + " secret (put subject alt name matchers in the cluster's"
            + " combined_validation_context.default_validation_context)");
      }
      throw new IllegalArgumentException("validation_context." + n + ": not supported by mesh4j");
    }
    if (!v.hasTrustedCa()) {
      throw new IllegalArgumentException("validation_context.trusted_ca: missing");
    }
    return KeyMaterial.certificates(bytes(v.getTrustedCa(), "validation_context.trusted_ca"),
        "validation_context.trusted_ca");
  }

  private static String kind(Secret s) {
    return switch (s.getTypeCase()) {
      case TLS_CERTIFICATE -> "a tls_certificate secret";
      case VALIDATION_CONTEXT -> "a validation_context secret";
      case SESSION_TICKET_KEYS -> "a session_ticket_keys secret";
      case GENERIC_SECRET -> "a generic_secret";
      default -> "an empty secret";
    };
  }

  private static void onlyFields(Message m, String path, Set<String> allowed) {
    for (FieldDescriptor f : m.getAllFields().keySet()) {
      if (!allowed.contains(f.getName())) {
        throw new IllegalArgumentException(path + "." + f.getName() + ": not supported by mesh4j");
      }
    }
  }

  private static byte[] bytes(DataSource d, String what) {
    return switch (d.getSpecifierCase()) {
      case INLINE_BYTES -> d.getInlineBytes().toByteArray();
      case INLINE_STRING -> d.getInlineString().getBytes(StandardCharsets.UTF_8);
      case FILENAME -> {
        try {
          yield Files.readAllBytes(Path.of(d.getFilename()));
        } catch (IOException | InvalidPathException e) {
          throw new IllegalArgumentException(what + ".filename: cannot read " + d.getFilename()
              + " (" + e.getClass().getSimpleName() + ")");
        }
      }
      case ENVIRONMENT_VARIABLE -> throw new IllegalArgumentException(what
          + ".environment_variable: not supported by mesh4j (expected inline_bytes, inline_string"
          + " or filename)");
      default -> throw new IllegalArgumentException(what + ": empty");
    };
  }
}
