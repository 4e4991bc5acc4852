package io.mesh4j.route;

import io.mesh4j.config.ActionConfig;
import io.mesh4j.config.FaultConfig;
import io.mesh4j.config.HedgeConfig;
import io.mesh4j.config.HeadersConfig;
import io.mesh4j.config.MatchConfig;
import io.mesh4j.config.MirrorConfig;
import io.mesh4j.config.RateLimitConfig;
import io.mesh4j.config.RetryOverride;
import io.mesh4j.config.RouteConfig;
import io.mesh4j.config.RewriteConfig;
import io.mesh4j.policy.PolicyChain;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.random.RandomGenerator;

/**
 * One compiled route: its conditions, its {@link RouteAction} and the modifiers the adapters
 * apply (rewrite, headers, timeout, retry override, mirror, fault, rate limit). Immutable and
 * thread-safe (a split action's cursor is the only moving part). Obtained from {@link
 * RouteMatch#route()} or {@link RouteTable#routes()}.
 *
 * <p>An <em>implicit</em> route is the catch-all an outbound table makes for each cluster: a
 * request whose host names the cluster, and that no virtual host claims, is forwarded to it
 * unchanged. It has no name and no virtual host.
 */
public final class Route {
  private static final HeadersConfig NO_HEADERS = new HeadersConfig(Map.of(), List.of());

  private final String name;
  private final String virtualHost;
  private final boolean implicit;
  private final RouteConfig config;
  private final RequestMatcher matcher;
  private final RouteAction action;
  private final String prefixRewrite;
  private final RegexRewrite regexRewrite;
  private final RouteMatch result;
  private final PolicyChain policies;

  private Route(
      String name, String virtualHost, boolean implicit, RouteConfig config,
      boolean hostMatchedConfig, RandomGenerator random, RouteMatcher custom,
      PolicyChain policies) {
    this.name = name;
    this.virtualHost = virtualHost;
    this.implicit = implicit;
    this.config = config;
    this.policies = policies;
    this.matcher = RequestMatcher.compile(config.match(), custom);
    this.action = compileAction(config.action(), matcher.pathCondition(), hostMatchedConfig, random);
    RewriteConfig rewrite = config.rewrite();
    this.prefixRewrite = rewrite == null ? null : rewrite.prefix();
    this.regexRewrite = rewrite == null || rewrite.regex() == null
        ? null
        : new RegexRewrite(rewrite.regex(), rewrite.substitution() == null ? "" : rewrite.substitution());
    this.result = RouteMatch.routed(this);
  }

  static Route configured(
      String virtualHost, int index, RouteConfig config, boolean hostMatchedConfig,
      RandomGenerator random) {
    return configured(virtualHost, index, config, hostMatchedConfig, random, null,
        PolicyChain.EMPTY);
  }

  static Route configured(
      String virtualHost, int index, RouteConfig config, boolean hostMatchedConfig,
      RandomGenerator random, RouteMatcher custom, PolicyChain policies) {
    String name = config.name() != null ? config.name() : "routes[" + index + "]";
    return new Route(name, virtualHost, false, config, hostMatchedConfig, random, custom, policies);
  }

  static Route implicit(String cluster, RandomGenerator random, PolicyChain policies) {
    RouteConfig config = new RouteConfig(
        null, MatchConfig.ANY, new ActionConfig.Forward(cluster),
        null, null, null, null, null, null, null, null, null, null);
    return new Route(null, null, true, config, false, random, null, policies);
  }

  private static RouteAction compileAction(
      ActionConfig action, PathCondition path, boolean hostMatchedConfig, RandomGenerator random) {
    if (action instanceof ActionConfig.Forward f) return new RouteAction.Forward(f.cluster());
    if (action instanceof ActionConfig.Split s) return new RouteAction.Split(s, random);
    if (action instanceof ActionConfig.Redirect r) {
      return new RouteAction.Redirect(r, path, hostMatchedConfig);
    }
    if (action instanceof ActionConfig.Respond r) return new RouteAction.Respond(r);
    if (action instanceof ActionConfig.Pass || action == null) return RouteAction.Pass.INSTANCE;
    throw new IllegalArgumentException("unknown action: " + action);
  }

  RequestMatcher matcher() {
    return matcher;
  }

  RouteMatch result() {
    return result;
  }

  /**
   * The route's name: as configured, {@code routes[i]} when the config gave none, {@code null}
   * for an implicit route.
   */
  public String name() {
    return name;
  }

  /** The virtual host's name; {@code null} for an implicit route. */
  public String virtualHost() {
    return virtualHost;
  }

  /** Whether this is an implicit per-cluster route (outbound only). */
  public boolean isImplicit() {
    return implicit;
  }

  /**
   * The request policies that run around requests on this route, on this table's side, in order
   * (global, virtual host, route); {@link PolicyChain#EMPTY} when there are none. Compiled once per
   * snapshot.
   */
  public PolicyChain policies() {
    return policies;
  }

  /** The config this was compiled from (synthesized for an implicit route). */
  public RouteConfig config() {
    return config;
  }

  /** The compiled action; never {@code null}. */
  public RouteAction action() {
    return action;
  }

  /** Whether {@link #rewritePath} can change a path (a prefix or regex rewrite is configured). */
  public boolean rewritesPath() {
    return prefixRewrite != null || regexRewrite != null;
  }

  /**
   * The path to send upstream for a request this route matched (without the query).
   *
   * <p>A prefix rewrite replaces what the route's path condition matched: the prefix for {@code
   * prefix}, the prefix without trailing slashes for {@code path_separated_prefix} (a rewrite
   * ending with {@code /} then absorbs the following {@code /}: {@code /api} → {@code /} maps
   * {@code /api/x} to {@code /x}), the whole path for {@code path} and {@code regex}, nothing (the
   * rewrite is prepended) without a path condition. A regex rewrite replaces every match of the regex ({@code \1} groups, see
   * CONFIG.md). When both are configured only the prefix rewrite applies (the validator rejects
   * that). Without a rewrite the request path is returned as is. A rewritten path is made
   * canonical again ({@link RequestPath#DEFAULT} here); {@code null} when it is rejected there or when a prefix
   * rewrite's result is not within the rewrite's target (the caller answers 400). Allocates only
   * when it rewrites; never throws.
   */
  public String rewritePath(RequestView request) {
    return rewritePath(request, RequestPath.DEFAULT);
  }

  /**
   * {@link #rewritePath(RequestView)} with the rewritten path made canonical by {@code rules}
   * (the snapshot's {@link io.mesh4j.MeshSnapshot#requestPath()}): the same rules the request's
   * own path was decided on.
   */
  public String rewritePath(RequestView request, RequestPath rules) {
    String path = RequestMatcher.pathOf(request);
    if (prefixRewrite != null) {
      PathCondition p = matcher.pathCondition();
      String rewritten = rules.canonical(
          p == null ? prefixRewrite.concat(path) : p.replacePrefix(path, prefixRewrite));
      // A prefix rewrite may never leave its target ("/box/" -> "/sandbox/" must not let
      // "/box../x" become "/sandbox/../x" = "/x"), even after normalisation.
      return rewritten != null && (rewritten.startsWith(prefixRewrite)
          || RequestPath.isWithin(rewritten, prefixRewrite)) ? rewritten : null;
    }
    if (regexRewrite != null) return rules.canonical(regexRewrite.apply(path));
    return path;
  }

  /** The authority to send upstream instead of the request's, or {@code null} to keep it. */
  public String hostRewrite() {
    return config.rewrite() == null ? null : config.rewrite().host();
  }

  /** Request header changes (remove, then add); never {@code null}, empty when none. */
  public HeadersConfig headers() {
    return config.headers() == null ? NO_HEADERS : config.headers();
  }

  /** The whole-request timeout overriding the cluster's, or {@code null}. */
  public Duration timeout() {
    return config.timeout();
  }

  /** Retry fields overriding the cluster's, or {@code null}. */
  public RetryOverride retry() {
    return config.retry();
  }

  /** Shadow traffic, or {@code null}. */
  public MirrorConfig mirror() {
    return config.mirror();
  }

  /** Hedged requests, or {@code null}. */
  public HedgeConfig hedge() {
    return config.hedge();
  }

  /** Fault injection, or {@code null}. */
  public FaultConfig fault() {
    return config.fault();
  }

  /** The route's token bucket settings, or {@code null}. */
  public RateLimitConfig rateLimit() {
    return config.rateLimit();
  }

  @Override
  public String toString() {
    return implicit
        ? "Route{implicit -> " + action + "}"
        : "Route{" + virtualHost + "/" + name + " -> " + action + "}";
  }
}
