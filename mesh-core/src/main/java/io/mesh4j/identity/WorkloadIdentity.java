package io.mesh4j.identity;

import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * One version of a workload's TLS material: its certificate chain (leaf first), the private key of
 * the leaf, and the trust bundle (the CA certificates whose chains it accepts from peers). An
 * {@link IdentitySource} hands out a new instance each time any of the three changes; an instance
 * never changes.
 *
 * <p>{@link #of} checks that the chain is non-empty, that the key belongs to the leaf (by signing
 * and verifying a probe), and that the bundle is non-empty, so a half-rotated pair (a new
 * certificate next to the old key) is refused rather than served. {@link #toString()} shows the
 * identity, serial and validity, never the key. Immutable and thread-safe.
 */
public final class WorkloadIdentity {
  private final List<X509Certificate> chain;
  private final PrivateKey privateKey;
  private final List<X509Certificate> trustBundle;
  private final String spiffeId;
  private final long generation;

  private WorkloadIdentity(List<X509Certificate> chain, PrivateKey privateKey,
      List<X509Certificate> trustBundle, long generation) {
    this.chain = chain;
    this.privateKey = privateKey;
    this.trustBundle = trustBundle;
    this.spiffeId = SubjectNames.spiffeId(chain.get(0));
    this.generation = generation;
  }

  /**
   * The material, checked.
   *
   * @param chain the workload's certificate chain, leaf first (intermediates may follow)
   * @param privateKey the leaf's private key
   * @param trustBundle the CA certificates peers' chains must end at
   * @throws IllegalArgumentException when the chain or bundle is empty or the key does not belong
   *     to the leaf certificate
   */
  public static WorkloadIdentity of(List<X509Certificate> chain, PrivateKey privateKey,
      List<X509Certificate> trustBundle) {
    return of(chain, privateKey, trustBundle, 0);
  }

  static WorkloadIdentity of(List<X509Certificate> chain, PrivateKey privateKey,
      List<X509Certificate> trustBundle, long generation) {
    Objects.requireNonNull(privateKey, "privateKey");
    List<X509Certificate> c = List.copyOf(chain);
    List<X509Certificate> b = List.copyOf(trustBundle);
    if (c.isEmpty()) throw new IllegalArgumentException("cert_chain: no certificate");
    if (b.isEmpty()) throw new IllegalArgumentException("trust_bundle: no certificate");
    if (!matches(privateKey, c.get(0).getPublicKey())) {
      throw new IllegalArgumentException("private_key: does not belong to the first certificate"
          + " of cert_chain (" + c.get(0).getSubjectX500Principal().getName() + ")");
    }
    return new WorkloadIdentity(c, privateKey, b, generation);
  }

  /**
   * This material with another generation number: {@link RotatingIdentitySource} numbers the
   * versions it serves 1, 2, 3... so TLS key managers can tell them apart (and forget old ones).
   *
   * @throws IllegalArgumentException when {@code g} is negative
   */
  WorkloadIdentity withGeneration(long g) {
    if (g < 0) throw new IllegalArgumentException("generation: " + g + " (expected: >= 0)");
    return new WorkloadIdentity(chain, privateKey, trustBundle, g);
  }

  private static boolean matches(PrivateKey key, PublicKey pub) {
    if (!key.getAlgorithm().equals(pub.getAlgorithm())) return false;
    String alg = switch (key.getAlgorithm()) {
      case "EC" -> "SHA256withECDSA";
      case "RSA" -> "SHA256withRSA";
      case "Ed25519", "EdDSA" -> "Ed25519";
      case "Ed448" -> "Ed448";
      default -> null;
    };
    if (alg == null) return false;
    try {
      byte[] probe = "mesh4j key check".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
      Signature s = Signature.getInstance(alg);
      s.initSign(key);
      s.update(probe);
      byte[] sig = s.sign();
      Signature v = Signature.getInstance(alg);
      v.initVerify(pub);
      v.update(probe);
      return v.verify(sig);
    } catch (GeneralSecurityException e) {
      return false;
    }
  }

  /** The certificate chain, leaf first; unmodifiable. */
  public List<X509Certificate> certificateChain() {
    return chain;
  }

  /** The leaf certificate. */
  public X509Certificate leaf() {
    return chain.get(0);
  }

  /** The leaf's private key. Never logged or shown by mesh4j. */
  public PrivateKey privateKey() {
    return privateKey;
  }

  /** The CA certificates trusted for peers; unmodifiable. */
  public List<X509Certificate> trustBundle() {
    return trustBundle;
  }

  /** The leaf's SPIFFE ID (its {@code spiffe://} URI SAN), or {@code null} when it has none. */
  public String spiffeId() {
    return spiffeId;
  }

  /** The leaf's identity as peers see it: the SPIFFE ID, else the subject's CN, else its DN. */
  public String name() {
    String n = SubjectNames.identityOf(leaf());
    return n != null ? n : leaf().getSubjectX500Principal().getName();
  }

  /** When the leaf stops being valid. */
  public Instant notAfter() {
    return leaf().getNotAfter().toInstant();
  }

  /** When the leaf became valid. */
  public Instant notBefore() {
    return leaf().getNotBefore().toInstant();
  }

  /** The leaf's serial number in hex. */
  public String serial() {
    return leaf().getSerialNumber().toString(16);
  }

  /** Counts versions within one source: 1 for the first loaded, +1 per change; 0 when unset. */
  public long generation() {
    return generation;
  }

  @Override
  public String toString() {
    return "WorkloadIdentity{" + name() + ", serial " + serial() + ", valid " + notBefore()
        + " to " + notAfter() + ", chain " + chain.size() + ", bundle " + trustBundle.size()
        + ", generation " + generation + "}";
  }
}
