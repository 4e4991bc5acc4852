package io.mesh4j.examples.boot;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.CertificateEncodingException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import javax.security.auth.x500.X500Principal;

/**
 * <b>Demo only: never use these certificates outside this example.</b> Makes a throw-away PKI at
 * startup, with the JDK alone: a CA and one SPIFFE identity per service (EC P-256, valid for a
 * day), written as the PEM files a real deployment gets from cert-manager, SPIRE's spiffe-helper or
 * a Vault agent: {@code <dir>/<service>/tls.crt}, {@code tls.key}, {@code ca.crt}. The directory is
 * deleted when the JVM exits.
 */
public final class DemoPki {
  /** The example's trust domain. */
  public static final String TRUST_DOMAIN = "spiffe://example.mesh4j.io";

  private DemoPki() {}

  /** The SPIFFE ID of {@code service}. */
  public static String spiffeId(String service) {
    return TRUST_DOMAIN + "/ns/shop/sa/" + service;
  }

  /** Generates a CA and an identity for each of {@code services} in a new temporary directory. */
  public static Path generate(String... services) {
    try {
      Path dir = Files.createTempDirectory("mesh4j-example-pki");
      Runtime.getRuntime().addShutdownHook(new Thread(() -> delete(dir)));
      KeyPair caKeys = keys();
      X500Principal caName = new X500Principal("CN=mesh4j example CA (demo only)");
      X509Certificate ca = sign(caKeys, caName, caKeys.getPublic().getEncoded(), caName, null);
      for (String service : services) {
        KeyPair keys = keys();
        X509Certificate leaf = sign(caKeys, caName, keys.getPublic().getEncoded(),
            new X500Principal("CN=" + service), spiffeId(service));
        Path d = Files.createDirectories(dir.resolve(service));
        Files.writeString(d.resolve("ca.crt"), pem("CERTIFICATE", ca.getEncoded()));
        Files.writeString(d.resolve("tls.key"), pem("PRIVATE KEY", keys.getPrivate().getEncoded()));
        Files.writeString(d.resolve("tls.crt"), pem("CERTIFICATE", leaf.getEncoded()));
      }
      return dir;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (CertificateEncodingException e) {
      throw new IllegalStateException(e);
    }
  }

  private static void delete(Path dir) {
    try (Stream<Path> files = Files.walk(dir)) {
      for (Path p : files.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
    } catch (IOException ignored) {
      // a temporary directory; the OS cleans up the rest
    }
  }

  private static KeyPair keys() {
    try {
      KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
      g.initialize(new ECGenParameterSpec("secp256r1"));
      return g.generateKeyPair();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  /** An X.509 v3 certificate: a CA when {@code spiffeId} is null, else a leaf with that URI SAN. */
  private static X509Certificate sign(KeyPair issuerKeys, X500Principal issuer, byte[] publicKey,
      X500Principal subject, String spiffeId) {
    try {
      String ecdsaWithSha256 = "1.2.840.10045.4.3.2";
      Instant now = Instant.now().truncatedTo(ChronoUnit.SECONDS);
      byte[] extension = spiffeId == null
          // basicConstraints, critical, cA=true
          ? seq(oid("2.5.29.19"), new byte[] {0x01, 0x01, (byte) 0xff},
              tlv(0x04, seq(new byte[] {0x01, 0x01, (byte) 0xff})))
          // subjectAltName: uniformResourceIdentifier
          : seq(oid("2.5.29.17"),
              tlv(0x04, seq(tlv(0x86, spiffeId.getBytes(StandardCharsets.US_ASCII)))));
      List<byte[]> tbs = new ArrayList<>(List.of(
          tlv(0xA0, integer(BigInteger.TWO)),
          integer(new BigInteger(63, new SecureRandom())),
          seq(oid(ecdsaWithSha256)),
          issuer.getEncoded(),
          seq(utcTime(now.minus(Duration.ofMinutes(5))), utcTime(now.plus(Duration.ofDays(1)))),
          subject.getEncoded(),
          publicKey,
          tlv(0xA3, seq(extension))));
      byte[] tbsDer = seq(tbs.toArray(new byte[0][]));
      Signature s = Signature.getInstance("SHA256withECDSA");
      s.initSign(issuerKeys.getPrivate());
      s.update(tbsDer);
      byte[] der = seq(tbsDer, seq(oid(ecdsaWithSha256)), bitString(s.sign()));
      X509Certificate cert = (X509Certificate) CertificateFactory.getInstance("X.509")
          .generateCertificate(new ByteArrayInputStream(der));
      cert.verify(issuerKeys.getPublic());
      return cert;
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  private static String pem(String type, byte[] der) {
    return "-----BEGIN " + type + "-----\n"
        + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(der)
        + "\n-----END " + type + "-----\n";
  }

  // DER, just enough for the certificates above.
  private static byte[] tlv(int tag, byte[]... parts) {
    ByteArrayOutputStream content = new ByteArrayOutputStream();
    for (byte[] p : parts) content.writeBytes(p);
    int n = content.size();
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write(tag);
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
    out.writeBytes(content.toByteArray());
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
