package io.mesh4j.identity;

/**
 * Told of each peer certificate a mesh4j trust manager accepts or refuses, during the handshake.
 * Implementations must be fast and must not throw. Thread-safe implementations only.
 */
public interface PeerObserver {
  /** Observes nothing. */
  PeerObserver NONE = new PeerObserver() {
    @Override
    public void verified(String identity) {}

    @Override
    public void refused(String identity, String reason) {}
  };

  /** A peer chained to the bundle and its identity ({@code identity}) was allowed. */
  void verified(String identity);

  /**
   * A peer was refused: its chain is not trusted (expired, another CA, none) or its identity is
   * not allowed.
   *
   * @param identity what the peer's certificate asserts, or {@code null}
   * @param reason why, for logs and the admin page
   */
  void refused(String identity, String reason);
}
