package io.mesh4j.route;

/**
 * The result of {@link RouteTable#match}: a route, "no route" in a virtual host, or "not a mesh
 * request". Immutable; the table preallocates every instance, so matching allocates nothing.
 *
 * <p>What the adapters do with each outcome:
 *
 * <ul>
 *   <li>{@link Outcome#ROUTED}: apply {@link #route()}.
 *   <li>{@link Outcome#NO_ROUTE}: a virtual host matched but none of its routes did. Outbound,
 *       the call fails with a clear "no route" error; inbound, the request passes to the
 *       application.
 *   <li>{@link Outcome#NOT_MESH}: no virtual host matched (and, outbound, the host names no
 *       cluster). Outbound, the call is not a mesh call and passes through untouched; inbound, the
 *       request passes to the application.
 * </ul>
 */
public final class RouteMatch {

  /** The three outcomes of a match. */
  public enum Outcome { ROUTED, NO_ROUTE, NOT_MESH }

  /** No virtual host (and no cluster) matched the request's authority. */
  public static final RouteMatch NOT_MESH = new RouteMatch(Outcome.NOT_MESH, null, null);

  private final Outcome outcome;
  private final String virtualHost;
  private final Route route;

  private RouteMatch(Outcome outcome, String virtualHost, Route route) {
    this.outcome = outcome;
    this.virtualHost = virtualHost;
    this.route = route;
  }

  static RouteMatch routed(Route route) {
    return new RouteMatch(Outcome.ROUTED, route.virtualHost(), route);
  }

  static RouteMatch noRoute(String virtualHost) {
    return new RouteMatch(Outcome.NO_ROUTE, virtualHost, null);
  }

  /** Which outcome this is. */
  public Outcome outcome() {
    return outcome;
  }

  /** Whether a route matched ({@link Outcome#ROUTED}). */
  public boolean isRouted() {
    return outcome == Outcome.ROUTED;
  }

  /**
   * The matched route.
   *
   * @throws IllegalStateException unless {@link #isRouted()}
   */
  public Route route() {
    if (route == null) throw new IllegalStateException("no route matched: " + this);
    return route;
  }

  /**
   * The name of the chosen virtual host; {@code null} for {@link Outcome#NOT_MESH} and for an
   * implicit cluster route.
   */
  public String virtualHost() {
    return virtualHost;
  }

  @Override
  public String toString() {
    return switch (outcome) {
      case ROUTED -> "RouteMatch{" + route + "}";
      case NO_ROUTE -> "RouteMatch{no route in virtual host " + virtualHost + "}";
      case NOT_MESH -> "RouteMatch{not mesh}";
    };
  }
}
