package io.mesh4j.identity;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collection;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads the certificates and private keys identity sources receive, PEM or DER: {@code
 * CERTIFICATE} blocks or DER X.509, and one private key as {@code PRIVATE KEY} (PKCS#8: RSA, EC,
 * Ed25519), {@code RSA PRIVATE KEY} (PKCS#1, cert-manager's default for RSA), {@code EC PRIVATE KEY}
 * (SEC1 with its named curve) or DER PKCS#8. Encrypted keys are refused with a message saying so.
 * Every error is an {@link IllegalArgumentException} whose message starts with the caller's
 * {@code what} (a file or field name) and never contains key bytes. For identity sources outside
 * this package (xDS SDS, the SPIFFE Workload API); stateless.
 */
public final class KeyMaterial {
  private static final Pattern BLOCK = Pattern.compile(
      "-----BEGIN ([A-Z0-9 ]+)-----\\s*([A-Za-z0-9+/=\\s]*?)-----END \\1-----");
  private static final byte[] RSA_ALGORITHM = der(0x30, der(0x06, new byte[] {
      0x2a, (byte) 0x86, 0x48, (byte) 0x86, (byte) 0xf7, 0x0d, 0x01, 0x01, 0x01}), new byte[] {0x05, 0x00});
  private static final byte[] EC_PUBLIC_KEY_OID = der(0x06, new byte[] {
      0x2a, (byte) 0x86, 0x48, (byte) 0xce, 0x3d, 0x02, 0x01});

  private KeyMaterial() {}

  /**
   * The certificates in {@code data}, in order: PEM {@code CERTIFICATE} blocks when it is PEM
   * text, else DER X.509 (one or more concatenated).
   *
   * @throws IllegalArgumentException naming {@code what} when there is no valid certificate
   */
  public static List<X509Certificate> certificates(byte[] data, String what) {
    if (isPem(data)) return certificates(new String(data, StandardCharsets.US_ASCII), what);
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

  /**
   * The private key in {@code data}: a PEM key block when it is PEM text, else DER PKCS#8.
   *
   * @throws IllegalArgumentException naming {@code what} when there is no usable key
   */
  public static PrivateKey privateKey(byte[] data, String what) {
    if (isPem(data)) return privateKey(new String(data, StandardCharsets.US_ASCII), what);
    if (data.length == 0) throw new IllegalArgumentException(what + ": empty");
    return pkcs8(data, what);
  }

  private static boolean isPem(byte[] data) {
    String head = new String(data, 0, Math.min(data.length, 4096), StandardCharsets.US_ASCII);
    return head.contains("-----BEGIN ");
  }

  /** The certificates in PEM {@code text}, in order. */
  static List<X509Certificate> certificates(String text, String what) {
    List<X509Certificate> out = new ArrayList<>();
    Matcher m = BLOCK.matcher(text);
    try {
      CertificateFactory f = CertificateFactory.getInstance("X.509");
      while (m.find()) {
        if (!m.group(1).equals("CERTIFICATE")) continue;
        byte[] der = decode(m.group(2), what);
        Collection<? extends Certificate> certs =
            f.generateCertificates(new ByteArrayInputStream(der));
        for (Certificate c : certs) out.add((X509Certificate) c);
      }
    } catch (CertificateException e) {
      throw new IllegalArgumentException(what + ": not a valid X.509 certificate ("
          + e.getMessage() + ")");
    }
    if (out.isEmpty()) {
      throw new IllegalArgumentException(what + ": no PEM CERTIFICATE block");
    }
    return out;
  }

  /** The one private key in PEM {@code text}. */
  static PrivateKey privateKey(String text, String what) {
    Matcher m = BLOCK.matcher(text);
    while (m.find()) {
      String type = m.group(1);
      switch (type) {
        case "PRIVATE KEY" -> {
          return pkcs8(decode(m.group(2), what), what);
        }
        case "RSA PRIVATE KEY" -> {
          byte[] pkcs1 = decode(m.group(2), what);
          return pkcs8(der(0x30, new byte[] {0x02, 0x01, 0x00}, RSA_ALGORITHM, der(0x04, pkcs1)), what);
        }
        case "EC PRIVATE KEY" -> {
          byte[] sec1 = decode(m.group(2), what);
          byte[] curve = sec1Curve(sec1);
          if (curve == null) {
            throw new IllegalArgumentException(what + ": EC PRIVATE KEY without its named curve"
                + " (expected: PKCS#8 PRIVATE KEY, or SEC1 with the curve parameters)");
          }
          return pkcs8(der(0x30, new byte[] {0x02, 0x01, 0x00},
              der(0x30, EC_PUBLIC_KEY_OID, curve), der(0x04, sec1)), what);
        }
        case "ENCRYPTED PRIVATE KEY" -> throw new IllegalArgumentException(what
            + ": an encrypted private key (expected: an unencrypted PEM PRIVATE KEY, as"
            + " cert-manager and SPIFFE helpers write; protect the file with permissions)");
        default -> {
          // skip other blocks (a certificate concatenated with the key)
        }
      }
    }
    throw new IllegalArgumentException(what + ": no PEM PRIVATE KEY, RSA PRIVATE KEY or"
        + " EC PRIVATE KEY block");
  }

  private static PrivateKey pkcs8(byte[] der, String what) {
    PKCS8EncodedKeySpec spec = new PKCS8EncodedKeySpec(der);
    for (String alg : new String[] {"EC", "RSA", "Ed25519", "Ed448", "RSASSA-PSS"}) {
      try {
        return KeyFactory.getInstance(alg).generatePrivate(spec);
      } catch (GeneralSecurityException | IllegalArgumentException e) {
        // try the next algorithm
      }
    }
    throw new IllegalArgumentException(what + ": not an RSA, EC or Ed25519 private key");
  }

  private static byte[] decode(String base64, String what) {
    try {
      return Base64.getMimeDecoder().decode(base64.getBytes(StandardCharsets.US_ASCII));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(what + ": bad base64 in a PEM block");
    }
  }

  /** The named-curve OID (as a DER OID) of a SEC1 ECPrivateKey, or null. */
  private static byte[] sec1Curve(byte[] sec1) {
    // ECPrivateKey ::= SEQUENCE { version INTEGER, privateKey OCTET STRING,
    //     parameters [0] ECParameters OPTIONAL, publicKey [1] BIT STRING OPTIONAL }
    try {
      int[] pos = {0};
      if ((sec1[pos[0]++] & 0xff) != 0x30) return null;
      length(sec1, pos);
      while (pos[0] < sec1.length) {
        int tag = sec1[pos[0]++] & 0xff;
        int len = length(sec1, pos);
        if (tag == 0xA0) {
          int start = pos[0];
          if ((sec1[start] & 0xff) != 0x06) return null;
          int[] p = {start + 1};
          int oidLen = length(sec1, p);
          byte[] oid = new byte[p[0] + oidLen - start];
          System.arraycopy(sec1, start, oid, 0, oid.length);
          return oid;
        }
        pos[0] += len;
      }
    } catch (ArrayIndexOutOfBoundsException e) {
      return null;
    }
    return null;
  }

  private static int length(byte[] b, int[] pos) {
    int first = b[pos[0]++] & 0xff;
    if (first < 0x80) return first;
    int n = first & 0x7f;
    int len = 0;
    for (int i = 0; i < n; i++) len = (len << 8) | (b[pos[0]++] & 0xff);
    return len;
  }

  /** A DER element: {@code tag}, the definite length, then {@code parts} concatenated. */
  static byte[] der(int tag, byte[]... parts) {
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
