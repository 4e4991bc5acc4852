package io.mesh4j.okhttp;

import io.mesh4j.Mesh;
import io.mesh4j.MeshSnapshot;
import io.mesh4j.cluster.Cluster;
import io.mesh4j.config.ClusterConfig;
import io.mesh4j.config.HeadersConfig;
import io.mesh4j.config.MirrorConfig;
import io.mesh4j.config.HedgeConfig;
import io.mesh4j.config.RetryConfig;
import io.mesh4j.endpoint.Endpoint;
import io.mesh4j.internal.fault.FaultInjector;
import io.mesh4j.internal.ClusterResilience;
import io.mesh4j.internal.MeshRuntime;
import io.mesh4j.internal.client.ClusterAttemptTarget;
import io.mesh4j.metrics.MeshMetricNames;
import io.mesh4j.internal.resilience.Backoff;
import io.mesh4j.internal.resilience.RetryBudget;
import io.mesh4j.internal.resilience.RetryDecision;
import io.mesh4j.internal.resilience.RetryPolicy;
import io.mesh4j.route.Route;
import io.mesh4j.route.RouteAction;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Tags;
import java.time.Duration;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Everything the interceptor needs per request, compiled once per {@link MeshSnapshot}: for each
 * cluster its runtime, resilience state, retry policy and timeout; for each route its retry
 * policy per target cluster (the route's {@code retry} override applied), timeout, fault injector,
 * mirror, header changes and meters. A request looks these up with one identity-hash lookup per
 * route and one hash lookup per cluster name; nothing is allocated. Immutable after construction
 * (the resilience objects it points to are themselves thread-safe).
 */
final class Plan {
  /** The route tag of a cluster's implicit route. */
  static final String IMPLICIT_ROUTE = "implicit";
  /** The cluster tag when no cluster was chosen. */
  static final String NO_CLUSTER = "none";

  final MeshSnapshot snapshot;
  final String service;
  private final Map<String, ClusterPlan> clusters;
  private final IdentityHashMap<Route, RoutePlan> routes;
  /** Meters of "no route" outcomes, by virtual host; filled on first use. */
  private final ConcurrentHashMap<String, ClientMeters.RouteMeters> noRoute = new ConcurrentHashMap<>();
  private final ClientMeters meters;

  Plan(
      MeshSnapshot snapshot,
      Mesh mesh,
      ClientMeters meters,
      MeshRuntime resilience) {
    this.snapshot = snapshot;
    this.meters = meters;
    this.service = snapshot.config().service();
    Map<String, ClusterPlan> cs = new HashMap<>();
    for (ClusterConfig cc : snapshot.config().clusters()) {
      Cluster cluster = snapshot.cluster(cc.name());
      // A plan for a snapshot older than the runtime's (a request racing a reload) may name a
      // cluster the runtime no longer has: such a cluster is left out, and the request finds no endpoint.
      ClusterResilience r = resilience.cluster(cc.name());
      if (cluster == null || r == null) continue;
      cs.put(cc.name(), new ClusterPlan(cluster, cc, r,
          cc.tls().enabled() ? io.mesh4j.internal.MeshInternals.tls(mesh).client(cc.name()) : null));
    }
    this.clusters = cs;
    this.routes = new IdentityHashMap<>();
    for (Route route : snapshot.outbound().routes()) {
      routes.put(route, new RoutePlan(route, this, resilience));
    }
    for (Route route : snapshot.inbound().routes()) {
      if (route.action() instanceof RouteAction.ClusterTarget) {
        routes.put(route, new RoutePlan(route, this, resilience, RoutePlan.inboundTag(route), false));
      }
    }
  }

  /** The plan of cluster {@code name}, or {@code null} when the snapshot has none of that name. */
  ClusterPlan cluster(String name) {
    return clusters.get(name);
  }

  /** The plan of {@code route} (a route of this plan's snapshot). */
  RoutePlan route(Route route) {
    RoutePlan p = routes.get(route);
    // A route object always comes from this snapshot's table; a foreign one (an inbound route of
    // a snapshot that a reload replaced while the request was in flight) is compiled on the fly.
    return p != null ? p : new RoutePlan(route, this, null);
  }

  /**
   * The plan of a route handed over in a {@link RouteTarget}: as {@link #route}, except that a
   * route of another snapshot (an inbound route matched just before a reload) is compiled with the
   * inbound metric tag.
   */
  RoutePlan targetRoute(Route route) {
    RoutePlan p = routes.get(route);
    return p != null ? p : new RoutePlan(route, this, null, RoutePlan.inboundTag(route), false);
  }

  ClientMeters.RouteMeters noRouteMeters(String virtualHost) {
    ClientMeters.RouteMeters m = noRoute.get(virtualHost);
    if (m == null) {
      m = noRoute.computeIfAbsent(virtualHost, vh -> meters.route(service, vh + "/", NO_CLUSTER));
    }
    return m;
  }

  static long nanos(Duration d) {
    return ClusterAttemptTarget.nanos(d);
  }

  /** A cluster as one snapshot sees it. */
  static final class ClusterPlan {
    final String name;
    final Cluster cluster;
    final ClusterConfig config;
    final ClusterResilience resilience;
    final RetryPolicy retry;
    final Backoff backoff;
    final long timeoutNanos;
    /** The cluster's client TLS, or {@code null} for plaintext. */
    final io.mesh4j.internal.tls.ClusterTls tls;

    ClusterPlan(Cluster cluster, ClusterConfig config, ClusterResilience resilience,
        io.mesh4j.internal.tls.ClusterTls tls) {
      this.tls = tls;
      this.name = config.name();
      this.cluster = cluster;
      this.config = config;
      this.resilience = resilience;
      this.retry = RetryPolicy.of(config.retry());
      this.backoff = Backoff.of(config.retry().backoff());
      this.timeoutNanos = nanos(config.timeout());
    }
  }

  /**
   * A route's view of one of its target clusters: what the attempt loop runs on. The shared part
   * (policy, budget, timeouts, hedging, cluster counters) is {@link ClusterAttemptTarget}'s; this
   * adds the client's per-route meters.
   */
  static final class Target extends ClusterAttemptTarget {
    final ClusterPlan cluster;
    final ClientMeters.RouteMeters meters;

    Target(ClusterPlan cluster, RetryPolicy retry, Backoff backoff, RetryBudget budget,
        long timeoutNanos, ClientMeters.RouteMeters meters, HedgeConfig hedge) {
      super(cluster.cluster, cluster.resilience, retry, backoff, budget, timeoutNanos, hedge);
      this.cluster = cluster;
      this.meters = meters;
    }

    @Override
    public void attempted(Endpoint endpoint) {
      meters.attempt(endpoint);
    }

    @Override
    public void retried(RetryDecision reason) {
      meters.retry(reason);
    }
  }

  /** A route as one snapshot sees it. */
  static final class RoutePlan {
    final Route route;
    final String tag;
    final FaultInjector fault;
    /** Counters of injected delays and aborts; null when the route injects no fault. */
    final Counter faultDelays;
    final Counter faultAborts;
    final MirrorConfig mirror;
    final HeadersConfig headers;
    final boolean changesHeaders;
    final String hostRewrite;
    /** The route's {@code verify}, checked on TLS connections; {@code null} when it has none. */
    final RouteVerify verify;
    /** Meters for outcomes without a cluster (direct responses, faults before a pick). */
    final ClientMeters.RouteMeters direct;
    /** The https form of the route's URLs, for attempts to TLS clusters. */
    final HttpsUrls httpsUrls = new HttpsUrls();
    private final Map<String, Target> targets;

    /**
     * @param resilience where a route-level {@code retry.budget} override keeps its budget across
     *     reloads; {@code null} to use the cluster's budget
     */
    RoutePlan(Route route, Plan plan, MeshRuntime resilience) {
      this(route, plan, resilience,
          route.isImplicit() ? IMPLICIT_ROUTE : route.virtualHost() + "/" + route.name(), true);
    }

    /**
     * As above, with the metric route tag given, and whether to inject the route's {@code fault}
     * (not for an inbound route: the servlet filter has injected it already).
     */
    RoutePlan(Route route, Plan plan, MeshRuntime resilience, String tag, boolean faults) {
      this.route = route;
      this.tag = tag;
      this.fault = faults ? FaultInjector.of(route.fault()) : FaultInjector.NONE;
      if (fault.isActive()) {
        Tags tags = Tags.of(MeshMetricNames.TAG_SERVICE, plan.service, MeshMetricNames.TAG_ROUTE, tag);
        this.faultDelays = plan.meters.counter(MeshMetricNames.CLIENT_FAULTS, "Injected faults",
            tags.and(MeshMetricNames.TAG_KIND, "delay"));
        this.faultAborts = plan.meters.counter(MeshMetricNames.CLIENT_FAULTS, "Injected faults",
            tags.and(MeshMetricNames.TAG_KIND, "abort"));
      } else {
        this.faultDelays = null;
        this.faultAborts = null;
      }
      this.mirror = route.mirror();
      this.headers = route.headers();
      this.changesHeaders = !headers.add().isEmpty() || !headers.remove().isEmpty();
      this.hostRewrite = route.hostRewrite();
      this.verify = RouteVerify.of(route.config().verify(), tag);
      this.direct = plan.meters.route(plan.service, tag, NO_CLUSTER);
      Map<String, Target> ts = new HashMap<>();
      if (route.action() instanceof RouteAction.ClusterTarget ct) {
        List<String> names = ct.clusters();
        for (String name : names) {
          ClusterPlan cp = plan.clusters.get(name);
          if (cp == null) continue;
          RetryPolicy policy = cp.retry;
          Backoff backoff = cp.backoff;
          RetryBudget budget = cp.resilience.budget;
          if (route.retry() != null) {
            RetryConfig merged = route.retry().applyTo(cp.config.retry());
            policy = RetryPolicy.of(merged);
            backoff = Backoff.of(merged.backoff());
            if (route.retry().budget() != null && resilience != null) {
              budget = resilience.routeBudget(tag, name, route.retry().budget());
            }
          }
          long timeout = route.timeout() != null ? nanos(route.timeout()) : cp.timeoutNanos;
          ts.put(name, new Target(cp, policy, backoff, budget, timeout,
              plan.meters.route(plan.service, tag, name), route.hedge()));
        }
      }
      this.targets = ts;
    }

    static String inboundTag(Route route) {
      return RouteTarget.INBOUND_TAG_PREFIX + route.virtualHost() + "/" + route.name();
    }

    /** The target for cluster {@code name}, or {@code null} when the snapshot lacks that cluster. */
    Target target(String name) {
      return targets.get(name);
    }
  }
}
