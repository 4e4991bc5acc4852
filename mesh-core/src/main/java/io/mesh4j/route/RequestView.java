package io.mesh4j.route;

/**
 * A read-only view of one HTTP request, implemented by each adapter over its own request type
 * without copying (an OkHttp {@code Request}, an {@code HttpServletRequest}).
 *
 * <p>Implementations must be cheap: the router calls these methods on the hot path, possibly
 * several times per request. They are called on the thread handling the request only.
 */
public interface RequestView {

  /** The method, upper-case ({@code GET}). */
  String method();

  /** {@code http} or {@code https}. */
  String scheme();

  /** The authority as the client addressed it: {@code host} or {@code host:port}. */
  String authority();

  /** The path as sent on the wire (percent-encoded, never empty, without the query). */
  String path();

  /** The raw query string without the {@code ?}, or {@code null} when there is none. */
  String query();

  /**
   * The first value of the header with this name, or {@code null}. {@code name} is lower-case;
   * implementations compare case-insensitively.
   */
  String header(String name);

  /**
   * The source address as an IP literal: the (trusted) peer on the server side, the local address
   * on the client side; {@code null} when unknown.
   */
  String sourceAddress();

  /**
   * The verified identity of the peer (URI SAN such as a SPIFFE ID, or subject CN) when the
   * connection presented a client certificate; {@code null} otherwise.
   */
  default String principal() {
    return null;
  }
}
