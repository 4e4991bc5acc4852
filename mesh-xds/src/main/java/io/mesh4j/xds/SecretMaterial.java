package io.mesh4j.xds;

import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Message;
import io.envoyproxy.envoy.config.core.v3.DataSource;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.CertificateValidationContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.Secret;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.TlsCertificate;
import io.mesh4j.identity.WorkloadIdentity;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The certificate material of an SDS {@code Secret}: a {@code tls_certificate} (certificate chain
 * and private key, checked to belong together) or a {@code validation_context} (the trusted CA
 * certificates). Data sources may be {@code inline_bytes}, {@code inline_string} or a {@code
 * filename} (read once, when the secret arrives). Certificates are PEM or DER; the key is PEM
 * {@code PRIVATE KEY} (PKCS#8: RSA, EC, Ed25519) or {@code RSA PRIVATE KEY} (PKCS#1), or DER
 * PKCS#8. A secret that cannot be used throws {@link IllegalArgumentException} with a message
 * naming the field, never containing key bytes. Stateless.
 */
final class SecretMaterial {
  private static final Pattern BLOCK = Pattern.compile(
      "-----BEGIN ([A-Z0-9 ]+)-----\\s*([A-Za-z0-9+/=\\s]*?)-----END \\1-----");
  private static final byte[] RSA_ALGORITHM = der(0x30, der(0x06, new byte[] {
      0x2a, (byte) 0x86, 0x48, (byte) 0x86, (byte) 0xf7, 0x0d, 0x01, 0x01, 0x01}),
      new byte[] {0x05, 0x00});

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
    List<X509Certificate> chain = certificates(
        bytes(t.getCertificateChain(), "tls_certificate.certificate_chain"),
        "tls_certificate.certificate_chain");
    byte[] keyBytes = bytes(t.getPrivateKey(), "tls_certificate.private_key");
    PrivateKey key;
    try {
      key = privateKey(keyBytes, "tls_certificate.private_key");
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
    return certificates(bytes(v.getTrustedCa(), "validation_context.trusted_ca"),
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

  private static List<X509Certificate> certificates(byte[] data, String what) {
    List<X509Certificate> out = new ArrayList<>();
    try {
      CertificateFactory f = CertificateFactory.getInstance("X.509");
      for (Certificate c : f.generateCertificates(new ByteArrayInputStream(data))) {
        out.add((X509Certificate) c);
      }
    } catch (CertificateException e) {
      throw new IllegalArgumentException(what + ": not PEM or DER X.509 certificates ("
          + e.getMessage() + ")");
    }
    if (out.isEmpty()) throw new IllegalArgumentException(what + ": no certificate");
    return out;
  }

  private static PrivateKey privateKey(byte[] data, String what) {
    String text = new String(data, StandardCharsets.US_ASCII);
    Matcher m = BLOCK.matcher(text);
    while (m.find()) {
      switch (m.group(1)) {
        case "PRIVATE KEY" -> {
          return pkcs8(decode(m.group(2), what), what);
        }
        case "RSA PRIVATE KEY" -> {
          byte[] pkcs1 = decode(m.group(2), what);
          return pkcs8(der(0x30, new byte[] {0x02, 0x01, 0x00}, RSA_ALGORITHM, der(0x04, pkcs1)),
              what);
        }
        case "EC PRIVATE KEY" -> throw new IllegalArgumentException(what + ": a SEC1 EC PRIVATE"
            + " KEY (expected PKCS#8 PRIVATE KEY; convert with openssl pkcs8 -topk8 -nocrypt)");
        case "ENCRYPTED PRIVATE KEY" -> throw new IllegalArgumentException(what
            + ": an encrypted private key (expected an unencrypted PKCS#8 PRIVATE KEY)");
        default -> {
          // another block (a certificate next to the key): skip
        }
      }
    }
    if (text.contains("-----BEGIN")) {
      throw new IllegalArgumentException(what + ": no PEM PRIVATE KEY or RSA PRIVATE KEY block");
    }
    return pkcs8(data, what); // DER
  }

  private static PrivateKey pkcs8(byte[] der, String what) {
    PKCS8EncodedKeySpec spec = new PKCS8EncodedKeySpec(der);
    for (String alg : new String[] {"EC", "RSA", "Ed25519", "Ed448"}) {
      try {
        return KeyFactory.getInstance(alg).generatePrivate(spec);
      } catch (GeneralSecurityException | IllegalArgumentException e) {
        // try the next algorithm
      }
    }
    throw new IllegalArgumentException(what + ": not a PKCS#8 RSA, EC or Ed25519 private key");
  }

  private static byte[] decode(String base64, String what) {
    try {
      return Base64.getMimeDecoder().decode(base64.getBytes(StandardCharsets.US_ASCII));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(what + ": bad base64 in a PEM block");
    }
  }

  private static byte[] der(int tag, byte[]... parts) {
    ByteArrayOutputStream content = new ByteArrayOutputStream();
    for (byte[] p : parts) content.writeBytes(p);
    byte[] c = content.toByteArray();
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write(tag);
    int n = c.length;
    if (n < 0x80) {
      out.write(n);
    } else if (n < 0x100) {
      out.write(0x81);
      out.write(n);
    } else if (n < 0x10000) {
      out.write(0x82);
      out.write(n >> 8);
      out.write(n & 0xff);
    } else {
      out.write(0x83);
      out.write(n >> 16);
      out.write((n >> 8) & 0xff);
      out.write(n & 0xff);
    }
    out.writeBytes(c);
    return out.toByteArray();
  }
}
