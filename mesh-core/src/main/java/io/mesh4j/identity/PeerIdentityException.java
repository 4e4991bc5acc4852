package io.mesh4j.identity;

import java.security.cert.CertificateException;

/**
 * A peer's certificate chained to the trust bundle but its identity is not one the connection
 * allows (a server with another SPIFFE ID than the cluster's {@code verify} lists: a
 * man-in-the-middle holding a certificate of the same CA, or a misrouted endpoint). Thrown by
 * mesh4j's trust manager during the handshake, so the handshake fails and no request byte is
 * written; the OkHttp client reports it as {@code MeshException.Reason.PEER_IDENTITY_REFUSED}.
 */
public final class PeerIdentityException extends CertificateException {
  private static final long serialVersionUID = 1L;

  private final String presented;
  private final String expected;

  /**
   * @param presented the identity the peer's certificate asserts (SPIFFE ID, SANs or CN), or
   *     {@code null} when it asserts none
   * @param expected what the verification allows, for the message
   */
  public PeerIdentityException(String presented, String expected) {
    super("peer identity refused: " + (presented == null ? "none" : presented)
        + " (expected: " + expected + ")");
    this.presented = presented;
    this.expected = expected;
  }

  /** The identity the peer presented, or {@code null}. */
  public String presented() {
    return presented;
  }

  /** What the verification allows, in words ({@code SPIFFE ID spiffe://corp/ns/prod/sa/api}). */
  public String expected() {
    return expected;
  }

  /** The first {@link PeerIdentityException} in {@code t}'s cause chain, or {@code null}. */
  public static PeerIdentityException find(Throwable t) {
    for (int i = 0; t != null && i < 16; i++, t = t.getCause()) {
      if (t instanceof PeerIdentityException p) return p;
      for (Throwable s : t.getSuppressed()) {
        if (s instanceof PeerIdentityException p) return p;
      }
    }
    return null;
  }
}
