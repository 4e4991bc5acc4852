package io.mesh4j.okhttp;

import io.mesh4j.route.Route;
import io.mesh4j.route.RouteAction;
import java.util.Objects;

/**
 * A request tag that hands the mesh interceptor a route already matched elsewhere and the cluster
 * already chosen for it, so the call skips the outbound route table and goes straight to the
 * attempt loop: picking, retries (same idempotency rules), circuit breaking, outcome reporting,
 * the route's {@code rewrite}, {@code headers}, {@code timeout}, {@code retry} and {@code mirror},
 * and the client metrics (route tag {@code inbound/<virtual host>/<route>} for inbound routes).
 *
 * <pre>{@code
 * Request r = new Request.Builder()
 *     .url("http://" + cluster + path)
 *     .tag(RouteTarget.class, RouteTarget.of(route, cluster))
 *     .build();
 * meshClient.newCall(r).enqueue(callback);   // a client made by MeshOkHttp.wrap
 * }</pre>
 *
 * <p>This is how {@code mesh-gateway} forwards inbound requests through the client path. The
 * request's URL authority becomes the upstream {@code Host} (unless the route rewrites the host),
 * exactly as for an outbound call to that cluster. Immutable and thread-safe.
 */
public final class RouteTarget {
  /** The metric route tag prefix of inbound routes run through a {@link RouteTarget}. */
  public static final String INBOUND_TAG_PREFIX = "inbound/";

  private final Route route;
  private final String cluster;

  private RouteTarget(Route route, String cluster) {
    this.route = route;
    this.cluster = cluster;
  }

  /**
   * A target running {@code route}'s forwarding rules against {@code cluster}.
   *
   * @throws IllegalArgumentException when the route does not forward ({@code to} or {@code split})
   *     or {@code cluster} is not one of its clusters
   */
  public static RouteTarget of(Route route, String cluster) {
    Objects.requireNonNull(route, "route");
    Objects.requireNonNull(cluster, "cluster");
    if (!(route.action() instanceof RouteAction.ClusterTarget ct)) {
      throw new IllegalArgumentException("route " + route.name() + " does not forward: "
          + route.action());
    }
    if (!ct.clusters().contains(cluster)) {
      throw new IllegalArgumentException("cluster " + cluster + " is not a target of route "
          + route.name() + " (" + ct.clusters() + ")");
    }
    return new RouteTarget(route, cluster);
  }

  /** The matched route. */
  public Route route() {
    return route;
  }

  /** The chosen cluster. */
  public String cluster() {
    return cluster;
  }

  @Override
  public String toString() {
    return "RouteTarget{" + route.virtualHost() + "/" + route.name() + " -> " + cluster + "}";
  }
}
