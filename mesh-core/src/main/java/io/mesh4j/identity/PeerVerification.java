package io.mesh4j.identity;

import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Objects;

/**
 * Which peer identities a TLS connection accepts once the peer's chain is trusted: SPIFFE IDs
 * (each exact, or a prefix ending with {@code *}, as {@code authz.principals}), or subject
 * alternative names (exact DNS, URI or IP SANs), or any identity the trust bundle vouches for.
 * Hostname verification against the address dialled is never the check: in a mesh, the
 * endpoint's IP says nothing about who should answer. Immutable and thread-safe.
 */
public final class PeerVerification {
  private static final PeerVerification ANY = new PeerVerification(Kind.ANY, List.of());

  private enum Kind { ANY, SPIFFE_IDS, SUBJECT_ALT_NAMES }

  private final Kind kind;
  private final List<String> allowed;

  private PeerVerification(Kind kind, List<String> allowed) {
    this.kind = kind;
    this.allowed = allowed;
  }

  /** Any peer whose chain ends at the trust bundle. */
  public static PeerVerification anyTrusted() {
    return ANY;
  }

  /**
   * A peer whose SPIFFE ID is one of {@code ids}: exact, or a prefix ending with {@code *}
   * ({@code spiffe://corp/ns/prod/*}).
   *
   * @throws IllegalArgumentException when {@code ids} is empty
   */
  public static PeerVerification spiffeIds(List<String> ids) {
    if (ids.isEmpty()) throw new IllegalArgumentException("spiffe_ids: empty");
    return new PeerVerification(Kind.SPIFFE_IDS, List.copyOf(ids));
  }

  /**
   * A peer whose certificate has one of these DNS, URI or IP subject alternative names (exact;
   * DNS names case-insensitively).
   *
   * @throws IllegalArgumentException when {@code names} is empty
   */
  public static PeerVerification subjectAltNames(List<String> names) {
    if (names.isEmpty()) throw new IllegalArgumentException("subject_alt_names: empty");
    return new PeerVerification(Kind.SUBJECT_ALT_NAMES, List.copyOf(names));
  }

  /**
   * Checks the peer's leaf certificate; its chain must already be trusted.
   *
   * @return the identity verified (the SPIFFE ID, the matching SAN, or the leaf's identity)
   * @throws PeerIdentityException when the identity is not allowed
   */
  public String verify(X509Certificate leaf) throws PeerIdentityException {
    switch (kind) {
      case ANY -> {
        String id = SubjectNames.identityOf(leaf);
        return id != null ? id : leaf.getSubjectX500Principal().getName();
      }
      case SPIFFE_IDS -> {
        String id = SubjectNames.spiffeId(leaf);
        if (id != null) {
          for (String a : allowed) {
            if (a.endsWith("*") ? id.startsWith(a.substring(0, a.length() - 1)) : id.equals(a)) {
              return id;
            }
          }
        }
        throw new PeerIdentityException(id != null ? id : SubjectNames.identityOf(leaf),
            "SPIFFE ID " + String.join(" or ", allowed));
      }
      default -> {
        List<String> sans = SubjectNames.subjectAltNames(leaf);
        for (String san : sans) {
          for (String a : allowed) {
            if (san.equalsIgnoreCase(a)) return san;
          }
        }
        throw new PeerIdentityException(sans.isEmpty() ? SubjectNames.identityOf(leaf)
            : String.join(", ", sans), "subject alt name " + String.join(" or ", allowed));
      }
    }
  }

  /** {@code any identity}, {@code spiffe_ids [...]} or {@code subject_alt_names [...]}. */
  public String describe() {
    return switch (kind) {
      case ANY -> "any identity the trust bundle vouches for";
      case SPIFFE_IDS -> "spiffe_ids " + allowed;
      case SUBJECT_ALT_NAMES -> "subject_alt_names " + allowed;
    };
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof PeerVerification p && p.kind == kind && p.allowed.equals(allowed);
  }

  @Override
  public int hashCode() {
    return Objects.hash(kind, allowed);
  }

  @Override
  public String toString() {
    return "PeerVerification{" + describe() + "}";
  }
}
