package io.mesh4j.identity;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.mesh4j.time.FakeTime;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PemFileIdentitySourceTest {
  static final TestPki.Held CA = TestPki.ca("test CA");

  @TempDir Path dir;

  private PemFileIdentitySource source(FakeTime time) {
    return PemFileIdentitySource.builder("workload")
        .certChain(dir.resolve("tls.crt")).privateKey(dir.resolve("tls.key"))
        .trustBundle(dir.resolve("ca.crt")).refresh(Duration.ofSeconds(5)).scheduler(time).build();
  }

  @Test
  void readsTheFilesWhenBuilt() {
    TestPki.Held leaf = TestPki.leaf(CA, "spiffe://corp.test/ns/prod/sa/web");
    TestPki.writeIdentity(dir, leaf, CA);
    try (PemFileIdentitySource s = source(new FakeTime())) {
      WorkloadIdentity id = s.current();
      assertThat(id.spiffeId()).isEqualTo("spiffe://corp.test/ns/prod/sa/web");
      assertThat(id.leaf()).isEqualTo(leaf.certificate());
      assertThat(id.trustBundle()).containsExactly(CA.certificate());
      assertThat(id.generation()).isEqualTo(1);
      assertThat(id.toString()).contains("spiffe://corp.test/ns/prod/sa/web")
          .doesNotContain(leaf.privateKeyPem().substring(30, 60));
      assertThat(s.lastError()).isNull();
    }
  }

  @Test
  void pollsAndPublishesARotation() {
    FakeTime time = new FakeTime();
    TestPki.writeIdentity(dir, TestPki.leaf(CA, "spiffe://corp.test/a"), CA);
    try (PemFileIdentitySource s = source(time)) {
      List<WorkloadIdentity> seen = new ArrayList<>();
      s.onChange(seen::add);
      time.advance(Duration.ofSeconds(5));
      assertThat(seen).isEmpty();
      TestPki.Held next = TestPki.leaf(CA, "spiffe://corp.test/b");
      TestPki.writeIdentity(dir, next, CA);
      assertThat(s.current().spiffeId()).isEqualTo("spiffe://corp.test/a");
      time.advance(Duration.ofSeconds(5));
      assertThat(s.current().leaf()).isEqualTo(next.certificate());
      assertThat(s.current().generation()).isEqualTo(2);
      assertThat(seen).containsExactly(s.current());
    }
  }

  @Test
  void aHalfWrittenRotationKeepsTheOldIdentityUntilTheFilesAgree() {
    FakeTime time = new FakeTime();
    TestPki.Held first = TestPki.leaf(CA, "spiffe://corp.test/a");
    TestPki.writeIdentity(dir, first, CA);
    try (PemFileIdentitySource s = source(time)) {
      TestPki.Held next = TestPki.leaf(CA, "spiffe://corp.test/b");
      TestPki.writeAtomically(dir.resolve("tls.key"), next.privateKeyPem()); // cert not yet
      time.advance(Duration.ofSeconds(5));
      assertThat(s.current().leaf()).isEqualTo(first.certificate());
      assertThat(s.lastError()).contains("private_key: does not belong");
      TestPki.writeAtomically(dir.resolve("tls.crt"), next.certificatePem());
      time.advance(Duration.ofSeconds(5));
      assertThat(s.current().leaf()).isEqualTo(next.certificate());
      assertThat(s.lastError()).isNull();
    }
  }

  @Test
  void aMissingFileFailsTheBuildNamingIt() {
    TestPki.writeIdentity(dir, TestPki.leaf(CA, "spiffe://corp.test/a"), CA);
    assertThatThrownBy(() -> PemFileIdentitySource.builder("workload")
        .certChain(dir.resolve("tls.crt")).privateKey(dir.resolve("missing.key"))
        .trustBundle(dir.resolve("ca.crt")).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("identity source workload: private_key: cannot read")
        .hasMessageContaining("missing.key");
  }

  @Test
  void aFileThatIsNotPemFailsTheBuildNamingIt() throws Exception {
    TestPki.writeIdentity(dir, TestPki.leaf(CA, "spiffe://corp.test/a"), CA);
    Files.writeString(dir.resolve("ca.crt"), "not a certificate");
    assertThatThrownBy(() -> source(new FakeTime()))
        .hasMessageContaining("trust_bundle " + dir.resolve("ca.crt") + ": no PEM CERTIFICATE block");
  }

  @Test
  void anEncryptedKeyIsRefusedWithAReason() throws Exception {
    TestPki.writeIdentity(dir, TestPki.leaf(CA, "spiffe://corp.test/a"), CA);
    Files.writeString(dir.resolve("tls.key"),
        "-----BEGIN ENCRYPTED PRIVATE KEY-----\nAAAA\n-----END ENCRYPTED PRIVATE KEY-----\n");
    assertThatThrownBy(() -> source(new FakeTime())).hasMessageContaining("an encrypted private key");
  }

  @Test
  void readsSec1EcKeys() throws Exception {
    TestPki.Held leaf = TestPki.leaf(CA, "spiffe://corp.test/a");
    TestPki.writeIdentity(dir, leaf, CA);
    // PKCS#8 of an EC key holds the SEC1 structure in its last OCTET STRING.
    byte[] pkcs8 = leaf.privateKey().getEncoded();
    byte[] sec1 = sec1Of(pkcs8);
    Files.writeString(dir.resolve("tls.key"), TestPki.pem("EC PRIVATE KEY", sec1));
    try (PemFileIdentitySource s = source(new FakeTime())) {
      assertThat(s.current().privateKey().getAlgorithm()).isEqualTo("EC");
    }
  }

  /** The SEC1 key inside a PKCS#8 EC key, with the curve added as SEC1 [0] parameters. */
  private static byte[] sec1Of(byte[] pkcs8) {
    // PKCS#8: SEQ { INT 0, SEQ { OID ecPublicKey, OID curve }, OCTET STRING { SEC1 } }
    int i = 2; // SEQ header (short length for P-256)
    if ((pkcs8[1] & 0x80) != 0) i = 2 + (pkcs8[1] & 0x7f);
    i += 3; // INT 0
    int algLen = pkcs8[i + 1];
    byte[] alg = java.util.Arrays.copyOfRange(pkcs8, i + 2, i + 2 + algLen);
    int curveStart = 2 + alg[1]; // skip the ecPublicKey OID
    byte[] curve = java.util.Arrays.copyOfRange(alg, curveStart, alg.length);
    i += 2 + algLen;
    int octLen = pkcs8[i + 1] & 0xff;
    int hdr = 2;
    if ((pkcs8[i + 1] & 0x80) != 0) {
      octLen = pkcs8[i + 2] & 0xff;
      hdr = 3;
    }
    byte[] inner = java.util.Arrays.copyOfRange(pkcs8, i + hdr, i + hdr + octLen);
    // inner: SEQ { INT 1, OCTET STRING key, [1] public key } ; insert [0] curve after the key
    int keyLen = inner[2 + 3 + 1];
    int afterKey = 2 + 3 + 2 + keyLen;
    java.io.ByteArrayOutputStream body = new java.io.ByteArrayOutputStream();
    body.write(inner, 2, afterKey - 2);
    body.write(0xA0);
    body.write(curve.length);
    body.writeBytes(curve);
    body.write(inner, afterKey, inner.length - afterKey);
    byte[] b = body.toByteArray();
    java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
    out.write(0x30);
    if (b.length >= 0x80) out.write(0x81);
    out.write(b.length);
    out.writeBytes(b);
    return out.toByteArray();
  }
}
