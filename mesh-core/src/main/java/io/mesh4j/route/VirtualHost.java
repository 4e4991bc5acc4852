package io.mesh4j.route;

import io.mesh4j.config.RouteConfig;
import io.mesh4j.config.VirtualHostConfig;
import io.mesh4j.policy.CompiledPolicy;
import io.mesh4j.policy.PolicyChain;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.random.RandomGenerator;

/** A compiled virtual host: its domains, its routes in order and their index. Immutable. */
final class VirtualHost {
  final String name;
  final List<String> domains;
  final Route[] routes;
  final RouteMatch noRoute;
  private final PathIndex index;

  VirtualHost(VirtualHostConfig config, RandomGenerator random) {
    this(config, random, null, null, null);
  }

  /**
   * With extensions: custom matchers compiled by {@code ext}, and each route's policy chain made
   * of {@code global}, this host's and the route's own policies, on {@code side}.
   */
  VirtualHost(
      VirtualHostConfig config, RandomGenerator random, RouteExtensions ext,
      List<CompiledPolicy> global, RouteTable.Direction side) {
    this.name = config.name();
    List<String> ds = config.domains().isEmpty() ? List.of(config.name()) : config.domains();
    this.domains = ds.stream().map(d -> d.toLowerCase(Locale.ROOT)).toList();
    List<RouteConfig> rs = config.routes();
    this.routes = new Route[rs.size()];
    // Without "*", a request reaches these routes only when its host matched a configured
    // domain, so a redirect may name that host; with "*", any host can, so it may not.
    boolean hostMatchedConfig = !domains.contains("*");
    // This host's own policies, compiled once for all its routes.
    List<CompiledPolicy> hostPolicies = ext == null ? List.of() : ext.policies(config.policies());
    for (int i = 0; i < routes.length; i++) {
      if (ext == null) {
        routes[i] = Route.configured(name, i, rs.get(i), hostMatchedConfig, random);
        continue;
      }
      RouteConfig rc = rs.get(i);
      RouteMatcher custom = rc.match().custom() == null ? null : ext.matcher(rc.match().custom());
      List<CompiledPolicy> chain = new ArrayList<>(global);
      chain.addAll(hostPolicies);
      chain.addAll(ext.policies(rc.policies()));
      routes[i] = Route.configured(name, i, rc, hostMatchedConfig, random, custom,
          PolicyChain.of(side, chain, ext.ticker()));
    }
    this.noRoute = RouteMatch.noRoute(name);
    this.index = new PathIndex(routes);
  }

  /** The first route whose every condition holds, or {@code null}. */
  Route select(RequestView request, String path) {
    return index.select(routes, request, path);
  }

  /** The same as {@link #select}, by testing every route in order (the reference for tests). */
  Route selectLinear(RequestView request, String path) {
    for (Route r : routes) {
      if (r.matcher().matches(request, path)) return r;
    }
    return null;
  }
}
