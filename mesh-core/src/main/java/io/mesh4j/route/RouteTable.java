package io.mesh4j.route;

import io.mesh4j.config.ExtensionRef;
import io.mesh4j.config.InboundConfig;
import io.mesh4j.config.OutboundConfig;
import io.mesh4j.config.RouteConfig;
import io.mesh4j.config.VirtualHostConfig;
import io.mesh4j.policy.CompiledPolicy;
import io.mesh4j.policy.PolicyChain;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ThreadLocalRandom;
import java.util.random.RandomGenerator;

/**
 * The compiled routing rules of one direction (outbound: the calls this service makes; inbound:
 * the requests it receives). Built once per config and shared; immutable and thread-safe.
 *
 * <p>A request is routed in two steps:
 *
 * <ol>
 *   <li>The virtual host is chosen by the request authority with its port removed ({@code
 *       [v6]:port} keeps the bracketed literal), ignoring case: an exact domain first, then the
 *       longest {@code *.suffix} wildcard, then the longest {@code prefix.*} wildcard, then
 *       {@code *}. Outbound, when no virtual host matches but the host names a cluster, an
 *       implicit route forwards to that cluster; when neither, the result is {@link
 *       RouteMatch#NOT_MESH}.
 *   <li>Within the virtual host, routes are tried in order and the first whose every condition
 *       holds ({@link RequestMatcher}) wins; none gives a {@link RouteMatch.Outcome#NO_ROUTE}
 *       result for that virtual host.
 * </ol>
 *
 * <p>{@link #match} is the hot path: it never throws for any request (null authority or path
 * count as empty), takes no lock and allocates nothing for exact/prefix/path/header/query-exact
 * routes, returning preallocated {@link RouteMatch} objects. Regex conditions may allocate.
 * {@link #explain} says in words why a request went where it did, and allocates.
 *
 * <pre>{@code
 * RouteTable table = RouteTable.outbound(config.outbound(), clusterNames);
 * RouteMatch m = table.match(view);
 * if (m.isRouted() && m.route().action() instanceof RouteAction.ClusterTarget t) {
 *   String cluster = t.pickCluster();
 * }
 * }</pre>
 */
public final class RouteTable {

  /** Which side of the service a table routes. */
  public enum Direction { OUTBOUND, INBOUND }

  private final Direction direction;
  private final List<VirtualHost> hosts;
  private final VirtualHostSelector selector;
  private final HostTable<Route> implicitRoutes;
  private final List<Route> routes;
  private final PolicyChain globalPolicies;

  private RouteTable(
      Direction direction, List<VirtualHostConfig> configs, Set<String> clusters,
      RandomGenerator random) {
    this(direction, configs, clusters, random, List.of(), null);
  }

  private RouteTable(
      Direction direction, List<VirtualHostConfig> configs, Set<String> clusters,
      RandomGenerator random, List<ExtensionRef> globalRefs, RouteExtensions ext) {
    this.direction = direction;
    if (ext == null && hasCustomMatcher(configs)) ext = RouteExtensions.discovered();
    List<CompiledPolicy> global = ext == null ? List.of() : ext.policies(globalRefs);
    this.globalPolicies = ext == null
        ? PolicyChain.EMPTY
        : PolicyChain.of(direction, global, ext.ticker());
    List<VirtualHost> hs = new ArrayList<>();
    List<Route> all = new ArrayList<>();
    for (VirtualHostConfig c : configs) {
      VirtualHost h = ext == null
          ? new VirtualHost(c, random)
          : new VirtualHost(c, random, ext, global, direction);
      hs.add(h);
      Collections.addAll(all, h.routes);
    }
    this.hosts = List.copyOf(hs);
    this.selector = new VirtualHostSelector(hosts);
    if (direction == Direction.OUTBOUND) {
      Map<String, Route> implicit = new LinkedHashMap<>();
      for (String cluster : new TreeSet<>(clusters)) {
        Route r = Route.implicit(cluster, random, globalPolicies);
        implicit.put(cluster, r);
        all.add(r);
      }
      this.implicitRoutes = new HostTable<>(implicit);
    } else {
      this.implicitRoutes = null;
    }
    this.routes = List.copyOf(all);
  }

  /**
   * Compiles the outbound rules. Split cursors start at offsets drawn from a fresh random source.
   *
   * @param clusterNames every cluster of the config: a request to one of these hosts that no
   *     virtual host claims is forwarded to that cluster
   * @throws IllegalArgumentException if the config did not pass validation (a regex that does not
   *     compile, a substitution naming a missing group, split weights summing to 0)
   */
  public static RouteTable outbound(OutboundConfig config, Set<String> clusterNames) {
    return outbound(config, clusterNames, ThreadLocalRandom.current());
  }

  /**
   * Compiles the outbound rules, drawing each split's starting offset from {@code random} (seed
   * it for reproducible tests; it is used only while compiling).
   *
   * @throws IllegalArgumentException as {@link #outbound(OutboundConfig, Set)}
   */
  public static RouteTable outbound(
      OutboundConfig config, Set<String> clusterNames, RandomGenerator random) {
    Objects.requireNonNull(config, "config");
    Objects.requireNonNull(clusterNames, "clusterNames");
    Objects.requireNonNull(random, "random");
    return new RouteTable(Direction.OUTBOUND, config.virtualHosts(), clusterNames, random);
  }

  /**
   * Compiles the inbound rules (no implicit routes).
   *
   * @throws IllegalArgumentException as {@link #outbound(OutboundConfig, Set)}
   */
  public static RouteTable inbound(InboundConfig config) {
    return inbound(config, ThreadLocalRandom.current());
  }

  /**
   * Compiles the inbound rules, drawing split offsets from {@code random}.
   *
   * @throws IllegalArgumentException as {@link #outbound(OutboundConfig, Set)}
   */
  public static RouteTable inbound(InboundConfig config, RandomGenerator random) {
    Objects.requireNonNull(config, "config");
    Objects.requireNonNull(random, "random");
    return new RouteTable(Direction.INBOUND, config.virtualHosts(), Set.of(), random);
  }

  private static boolean hasCustomMatcher(List<VirtualHostConfig> configs) {
    for (VirtualHostConfig c : configs) {
      for (RouteConfig r : c.routes()) {
        if (r.match().custom() != null) return true;
      }
    }
    return false;
  }

  /**
   * Compiles the outbound rules with extensions: custom matchers and request policies made by
   * {@code extensions}, each route's policy chain being {@code globalPolicies}, then its virtual
   * host's, then its own (those declared for the outbound side). Implicit routes get the global
   * ones.
   *
   * @throws IllegalArgumentException as {@link #outbound(OutboundConfig, Set)}, or when an
   *     extension cannot be made
   */
  public static RouteTable outbound(
      OutboundConfig config, Set<String> clusterNames, RandomGenerator random,
      List<ExtensionRef> globalPolicies, RouteExtensions extensions) {
    Objects.requireNonNull(config, "config");
    Objects.requireNonNull(clusterNames, "clusterNames");
    Objects.requireNonNull(random, "random");
    Objects.requireNonNull(globalPolicies, "globalPolicies");
    Objects.requireNonNull(extensions, "extensions");
    return new RouteTable(Direction.OUTBOUND, config.virtualHosts(), clusterNames, random,
        globalPolicies, extensions);
  }

  /**
   * Compiles the inbound rules with extensions, as {@link #outbound(OutboundConfig, Set,
   * RandomGenerator, List, RouteExtensions)} does; a request no route matches runs {@link
   * #policies()}.
   *
   * @throws IllegalArgumentException as {@link #outbound(OutboundConfig, Set)}, or when an
   *     extension cannot be made
   */
  public static RouteTable inbound(
      InboundConfig config, RandomGenerator random, List<ExtensionRef> globalPolicies,
      RouteExtensions extensions) {
    Objects.requireNonNull(config, "config");
    Objects.requireNonNull(random, "random");
    Objects.requireNonNull(globalPolicies, "globalPolicies");
    Objects.requireNonNull(extensions, "extensions");
    return new RouteTable(Direction.INBOUND, config.virtualHosts(), Set.of(), random,
        globalPolicies, extensions);
  }

  /**
   * The global policies of this side: what runs for a request that matched no route (inbound,
   * where it passes to the application). {@link PolicyChain#EMPTY} for a table compiled without
   * extensions.
   */
  public PolicyChain policies() {
    return globalPolicies;
  }

  /** Which direction this table routes. */
  public Direction direction() {
    return direction;
  }

  /**
   * Every compiled route: each virtual host's in order, then (outbound) the implicit per-cluster
   * routes sorted by cluster name. Immutable; for building per-route state (meters, rate limiters)
   * once.
   */
  public List<Route> routes() {
    return routes;
  }

  /** Routes {@code request}. Never {@code null}; never throws; see the class doc. */
  public RouteMatch match(RequestView request) {
    String authority = request.authority();
    if (authority == null) authority = "";
    int hostEnd = Authorities.hostEnd(authority);
    VirtualHostSelector.Domain domain = selector.select(authority, hostEnd);
    if (domain == null) {
      if (implicitRoutes != null) {
        Route r = implicitRoutes.get(authority, 0, hostEnd);
        if (r != null) return r.result();
      }
      return RouteMatch.NOT_MESH;
    }
    Route r = domain.host.select(request, RequestMatcher.pathOf(request));
    return r == null ? domain.host.noRoute : r.result();
  }

  /** {@link #match} by testing every route in order, without the index (test reference). */
  RouteMatch matchLinear(RequestView request) {
    String authority = request.authority();
    if (authority == null) authority = "";
    int hostEnd = Authorities.hostEnd(authority);
    VirtualHostSelector.Domain domain = selector.select(authority, hostEnd);
    if (domain == null) {
      if (implicitRoutes != null) {
        Route r = implicitRoutes.get(authority, 0, hostEnd);
        if (r != null) return r.result();
      }
      return RouteMatch.NOT_MESH;
    }
    Route r = domain.host.selectLinear(request, RequestMatcher.pathOf(request));
    return r == null ? domain.host.noRoute : r.result();
  }

  /**
   * Explains how {@code request} is routed under the default path rules ({@link
   * RequestPath#DEFAULT}); see {@link #explain(RequestView, RequestPath)}.
   */
  public Explanation explain(RequestView request) {
    return explain(request, RequestPath.DEFAULT);
  }

  /**
   * Explains how {@code request} is routed: its path made canonical by {@code rules} (the
   * snapshot's {@link io.mesh4j.MeshSnapshot#requestPath()}; a refused path is explained as such,
   * with no route consulted), the virtual host and why, the first failing condition of every route
   * tried before the winner, the winner and its action. Agrees with {@link #match} on the outcome
   * for the canonical path (what the adapters route on), but never advances a split's cycle.
   * Allocates; never throws.
   */
  public Explanation explain(RequestView request, RequestPath rules) {
    String raw = request.path();
    String canonical = raw == null ? null : rules.canonical(raw);
    if (canonical == null) {
      String target = raw == null ? null : rules.redirect(raw);
      if (target != null) return Explanation.pathRedirect(direction, target, request);
      PathRefusal why = raw == null ? PathRefusal.NOT_ABSOLUTE : rules.refusal(raw);
      return Explanation.pathRefused(direction, raw,
          why == null ? PathRefusal.NOT_ABSOLUTE : why);
    }
    return explainCanonical(rules.canonicalView(request));
  }

  private Explanation explainCanonical(RequestView request) {
    String authority = request.authority();
    if (authority == null) authority = "";
    int hostEnd = Authorities.hostEnd(authority);
    String host = authority.substring(0, hostEnd);
    VirtualHostSelector.Domain domain = selector.select(authority, hostEnd);
    if (domain == null) {
      String why = "host " + Describe.quote(host) + " matches no virtual host's domains";
      Route implicit = implicitRoutes == null ? null : implicitRoutes.get(authority, 0, hostEnd);
      if (implicit != null) {
        return Explanation.routed(direction, null, why + "; it names cluster "
            + ((RouteAction.Forward) implicit.action()).cluster(), List.of(), implicit, request);
      }
      String then = direction == Direction.OUTBOUND
          ? " and names no cluster: not a mesh call, sent untouched"
          : ": the request passes to the application";
      return Explanation.unrouted(direction, RouteMatch.Outcome.NOT_MESH, null, why + then,
          List.of(), request.path());
    }
    String why = "host " + Describe.quote(host) + " matched "
        + switch (domain.kind) {
          case EXACT -> "exact domain ";
          case SUFFIX -> "suffix wildcard ";
          case PREFIX -> "prefix wildcard ";
          case ANY -> "catch-all domain ";
        }
        + Describe.quote(domain.domain);
    String path = RequestMatcher.pathOf(request);
    List<Explanation.RejectedRoute> rejected = new ArrayList<>();
    for (Route r : domain.host.routes) {
      String failure = r.matcher().firstFailure(request, path);
      if (failure == null) {
        return Explanation.routed(direction, domain.host.name, why, rejected, r, request);
      }
      rejected.add(new Explanation.RejectedRoute(r.name(), failure));
    }
    return Explanation.unrouted(direction, RouteMatch.Outcome.NO_ROUTE, domain.host.name, why,
        rejected, path);
  }

  @Override
  public String toString() {
    return "RouteTable{" + direction + ", virtualHosts=" + hosts.size() + ", routes="
        + routes.size() + "}";
  }
}
