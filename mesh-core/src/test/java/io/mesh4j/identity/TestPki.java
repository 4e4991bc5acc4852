package io.mesh4j.identity;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.Signature;
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
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import javax.security.auth.x500.X500Principal;

/**
 * A test PKI, JDK only: EC P-256 CAs and leaf certificates with SPIFFE IDs (URI SANs) and DNS/IP
 * SANs, any validity window, written as PEM files the way cert-manager rotates them (write to a
 * temporary file, then an atomic rename).
 */
public final class TestPki {
  private static final String ECDSA_WITH_SHA256 = "1.2.840.10045.4.3.2";
  private static final String SUBJECT_ALT_NAME = "2.5.29.17";
  private static final String BASIC_CONSTRAINTS = "2.5.29.19";
  private static final AtomicLong SERIAL = new AtomicLong(System.nanoTime() & 0xffffffL);

  private TestPki() {}

  /** A certificate with its key pair. */
  public record Held(X509Certificate certificate, KeyPair keys) {
    public PrivateKey privateKey() {
      return keys.getPrivate();
    }

    /** The certificate as PEM. */
    public String certificatePem() {
      return pem("CERTIFICATE", encoded(certificate));
    }

    /** The private key as PKCS#8 PEM. */
    public String privateKeyPem() {
      return pem("PRIVATE KEY", keys.getPrivate().getEncoded());
    }
  }

  /** A CA valid from an hour ago for a day. */
  public static Held ca(String name) {
    Instant now = Instant.now().truncatedTo(ChronoUnit.SECONDS);
    KeyPair keys = keys();
    return new Held(sign(keys, new X500Principal("CN=" + name), keys.getPublic().getEncoded(),
        new X500Principal("CN=" + name), now.minus(Duration.ofHours(1)), now.plus(Duration.ofDays(1)),
        List.of(), List.of(), false, true), keys);
  }

  /** A leaf with SPIFFE ID {@code spiffeId} (and 127.0.0.1, localhost SANs) valid for a day. */
  public static Held leaf(Held ca, String spiffeId) {
    Instant now = Instant.now().truncatedTo(ChronoUnit.SECONDS);
    return leaf(ca, spiffeId, now.minus(Duration.ofHours(1)), now.plus(Duration.ofDays(1)));
  }

  /** A leaf with SPIFFE ID {@code spiffeId} (may be null) valid from {@code from} to {@code to}. */
  public static Held leaf(Held ca, String spiffeId, Instant from, Instant to) {
    KeyPair keys = keys();
    List<String> uris = spiffeId == null ? List.of() : List.of(spiffeId);
    String cn = spiffeId == null ? "workload" : spiffeId.substring(spiffeId.lastIndexOf('/') + 1);
    return new Held(sign(ca.keys(), ca.certificate().getSubjectX500Principal(),
        keys.getPublic().getEncoded(), new X500Principal("CN=" + cn), from, to, uris,
        List.of("localhost"), true, false), keys);
  }

  /**
   * A leaf for {@code subject} (an X.500 name such as {@code CN=web,O=corp}) with exactly these URI
   * and DNS SANs (none at all: no SAN extension), signed by {@code ca}, valid for a day.
   */
  public static Held signed(Held ca, String subject, List<String> uris, List<String> dnsNames) {
    Instant now = Instant.now().truncatedTo(ChronoUnit.SECONDS);
    KeyPair keys = keys();
    return new Held(sign(ca.keys(), ca.certificate().getSubjectX500Principal(),
        keys.getPublic().getEncoded(), new X500Principal(subject), now.minus(Duration.ofHours(1)),
        now.plus(Duration.ofDays(1)), uris, dnsNames, false, false), keys);
  }

  /** Writes {@code content} to {@code file} atomically (temporary file, then rename). */
  public static void writeAtomically(Path file, String content) {
    try {
      Path tmp = Files.createTempFile(file.getParent(), ".tmp-", ".pem");
      Files.writeString(tmp, content, StandardCharsets.US_ASCII);
      Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  /** Writes cert chain, key and bundle files into {@code dir} ({@code tls.crt}, {@code tls.key}, {@code ca.crt}). */
  public static void writeIdentity(Path dir, Held leaf, Held... bundle) {
    StringBuilder b = new StringBuilder();
    for (Held ca : bundle) b.append(ca.certificatePem());
    // Key first, then the certificate: a poll between the two writes sees a mismatched pair.
    writeAtomically(dir.resolve("ca.crt"), b.toString());
    writeAtomically(dir.resolve("tls.key"), leaf.privateKeyPem());
    writeAtomically(dir.resolve("tls.crt"), leaf.certificatePem());
  }

  /**
   * A PEM-file identity source, named after {@code dir}, over the files {@link #writeIdentity}
   * wrote there, polling on {@code scheduler}.
   */
  public static PemFileIdentitySource source(Path dir, io.mesh4j.time.Scheduler scheduler) {
    return PemFileIdentitySource.builder(dir.getFileName().toString())
        .certChain(dir.resolve("tls.crt")).privateKey(dir.resolve("tls.key"))
        .trustBundle(dir.resolve("ca.crt")).scheduler(scheduler).build();
  }

  static KeyPair keys() {
    try {
      KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
      g.initialize(new ECGenParameterSpec("secp256r1"));
      return g.generateKeyPair();
    } catch (GeneralSecurityException e) {
      throw new AssertionError(e);
    }
  }

  private static X509Certificate sign(KeyPair issuerKeys, X500Principal issuer, byte[] publicKey,
      X500Principal subject, Instant from, Instant to, List<String> uris, List<String> dnsNames,
      boolean loopbackIp, boolean ca) {
    try {
      List<byte[]> names = new ArrayList<>();
      for (String dns : dnsNames) names.add(KeyMaterial.der(0x82, dns.getBytes(StandardCharsets.US_ASCII)));
      if (loopbackIp) names.add(KeyMaterial.der(0x87, new byte[] {127, 0, 0, 1}));
      for (String uri : uris) names.add(KeyMaterial.der(0x86, uri.getBytes(StandardCharsets.US_ASCII)));
      List<byte[]> exts = new ArrayList<>();
      if (ca) {
        exts.add(seq(oid(BASIC_CONSTRAINTS), new byte[] {0x01, 0x01, (byte) 0xff},
            KeyMaterial.der(0x04, seq(new byte[] {0x01, 0x01, (byte) 0xff}))));
      }
      if (!names.isEmpty()) {
        exts.add(seq(oid(SUBJECT_ALT_NAME), KeyMaterial.der(0x04, seq(names.toArray(new byte[0][])))));
      }
      List<byte[]> tbs = new ArrayList<>(List.of(
          KeyMaterial.der(0xA0, integer(BigInteger.TWO)),
          integer(BigInteger.valueOf(SERIAL.incrementAndGet())),
          seq(oid(ECDSA_WITH_SHA256)),
          issuer.getEncoded(),
          seq(utcTime(from), utcTime(to)),
          subject.getEncoded(),
          publicKey));
      if (!exts.isEmpty()) tbs.add(KeyMaterial.der(0xA3, seq(exts.toArray(new byte[0][]))));
      byte[] tbsDer = seq(tbs.toArray(new byte[0][]));
      Signature s = Signature.getInstance("SHA256withECDSA");
      s.initSign(issuerKeys.getPrivate());
      s.update(tbsDer);
      byte[] cert = seq(tbsDer, seq(oid(ECDSA_WITH_SHA256)), bitString(s.sign()));
      X509Certificate x509 = (X509Certificate) CertificateFactory.getInstance("X.509")
          .generateCertificate(new ByteArrayInputStream(cert));
      x509.verify(issuerKeys.getPublic());
      return x509;
    } catch (GeneralSecurityException e) {
      throw new AssertionError(e);
    }
  }

  private static byte[] encoded(X509Certificate c) {
    try {
      return c.getEncoded();
    } catch (GeneralSecurityException e) {
      throw new AssertionError(e);
    }
  }

  static String pem(String type, byte[] der) {
    return "-----BEGIN " + type + "-----\n"
        + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(der)
        + "\n-----END " + type + "-----\n";
  }


  private static byte[] seq(byte[]... parts) {
    return KeyMaterial.der(0x30, parts);
  }

  private static byte[] integer(BigInteger v) {
    return KeyMaterial.der(0x02, v.toByteArray());
  }

  private static byte[] bitString(byte[] bits) {
    byte[] b = new byte[bits.length + 1];
    System.arraycopy(bits, 0, b, 1, bits.length);
    return KeyMaterial.der(0x03, b);
  }

  private static byte[] utcTime(Instant t) {
    String s = DateTimeFormatter.ofPattern("yyMMddHHmmss'Z'").withZone(ZoneOffset.UTC).format(t);
    return KeyMaterial.der(0x17, s.getBytes(StandardCharsets.US_ASCII));
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
    return KeyMaterial.der(0x06, out.toByteArray());
  }
}
