package io.mesh4j.servlet;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import javax.security.auth.x500.X500Principal;
import okhttp3.tls.HeldCertificate;

/**
 * Test certificates with URI subject alternative names (SPIFFE IDs), which okhttp-tls's {@link
 * HeldCertificate.Builder} cannot make: a minimal DER writer for an X.509 v3 certificate with an
 * EC P-256 key, signed with ECDSA-SHA256 by a {@link HeldCertificate} CA.
 */
final class TestCertificates {
  private static final String ECDSA_WITH_SHA256 = "1.2.840.10045.4.3.2";
  private static final String SUBJECT_ALT_NAME = "2.5.29.17";
  private static final AtomicLong SERIAL = new AtomicLong(1000);

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
    try {
      KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
      g.initialize(new ECGenParameterSpec("secp256r1"));
      KeyPair keys = g.generateKeyPair();
      Instant now = Instant.now().truncatedTo(ChronoUnit.SECONDS);
      List<byte[]> names = new ArrayList<>();
      for (String dns : dnsNames) names.add(tlv(0x82, dns.getBytes(StandardCharsets.US_ASCII)));
      for (String uri : uris) names.add(tlv(0x86, uri.getBytes(StandardCharsets.US_ASCII)));
      List<byte[]> tbs = new ArrayList<>(List.of(
          tlv(0xA0, integer(BigInteger.TWO)),
          integer(BigInteger.valueOf(SERIAL.incrementAndGet())),
          seq(oid(ECDSA_WITH_SHA256)),
          ca.certificate().getSubjectX500Principal().getEncoded(),
          seq(utcTime(now.minus(1, ChronoUnit.HOURS)), utcTime(now.plus(1, ChronoUnit.DAYS))),
          new X500Principal(subject).getEncoded(),
          keys.getPublic().getEncoded()));
      if (!names.isEmpty()) {
        byte[] san = seq(oid(SUBJECT_ALT_NAME), tlv(0x04, seq(names.toArray(new byte[0][]))));
        tbs.add(tlv(0xA3, seq(san)));
      }
      byte[] tbsDer = seq(tbs.toArray(new byte[0][]));
      byte[] signature = sign(ca.keyPair().getPrivate(), tbsDer);
      byte[] cert = seq(tbsDer, seq(oid(ECDSA_WITH_SHA256)), bitString(signature));
      X509Certificate x509 = (X509Certificate) CertificateFactory.getInstance("X.509")
          .generateCertificate(new ByteArrayInputStream(cert));
      x509.verify(ca.keyPair().getPublic());
      return new HeldCertificate(keys, x509);
    } catch (GeneralSecurityException e) {
      throw new AssertionError(e);
    }
  }

  private static byte[] sign(PrivateKey key, byte[] data) throws GeneralSecurityException {
    Signature s = Signature.getInstance("SHA256withECDSA");
    s.initSign(key);
    s.update(data);
    return s.sign();
  }

  private static byte[] tlv(int tag, byte[]... parts) {
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
    } else {
      out.write(0x82);
      out.write(n >> 8);
      out.write(n & 0xff);
    }
    out.writeBytes(c);
    return out.toByteArray();
  }

  private static byte[] seq(byte[]... parts) {
    return tlv(0x30, parts);
  }

  private static byte[] integer(BigInteger v) {
    return tlv(0x02, v.toByteArray());
  }

  private static byte[] bitString(byte[] bits) {
    byte[] b = new byte[bits.length + 1];
    System.arraycopy(bits, 0, b, 1, bits.length);
    return tlv(0x03, b);
  }

  private static byte[] utcTime(Instant t) {
    String s = DateTimeFormatter.ofPattern("yyMMddHHmmss'Z'").withZone(ZoneOffset.UTC).format(t);
    return tlv(0x17, s.getBytes(StandardCharsets.US_ASCII));
  }

  private static byte[] oid(String dotted) {
    String[] parts = dotted.split("\\.");
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write(Integer.parseInt(parts[0]) * 40 + Integer.parseInt(parts[1]));
    for (int i = 2; i < parts.length; i++) {
      long v = Long.parseLong(parts[i]);
      byte[] tmp = new byte[10];
      int n = 0;
      do {
        tmp[n++] = (byte) (v & 0x7f);
        v >>>= 7;
      } while (v != 0);
      for (int j = n - 1; j >= 0; j--) out.write(tmp[j] | (j > 0 ? 0x80 : 0));
    }
    return tlv(0x06, out.toByteArray());
  }
}
