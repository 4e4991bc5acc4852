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
   * The value of the header with this name, or {@code null} when absent. {@code name} is
   * lower-case; implementations compare case-insensitively.
   *
   * <p>A header that occurs on several lines is one value: the lines' values joined with {@code
   * ","} in the order received, as Envoy does before matching. So {@code exact: prod} fails on two
   * lines {@code prod} and {@code dev}, and a client's own line can never win over one a proxy
   * appended; {@code contains} and {@code regex} see the joined value. Every decision that reads a
   * header goes through here (route and authz matching, {@code hash_on}, {@code propagate}).
   * Implementations return the single value itself, without allocating, when the header occurs
   * once; {@link #join} is the shared joining rule.
   */
  String header(String name);

  /**
   * Appends {@code next} to {@code joined} with Envoy's separator {@code ","}: the joining rule
   * of {@link #header} for adapters that read a repeated header line by line.
   */
  static String join(String joined, String next) {
    return joined == null ? next : joined + ',' + next;
  }

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
