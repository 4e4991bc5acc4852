package io.mesh4j.xds.translate;

import static io.mesh4j.xds.translate.Fields.index;
import static io.mesh4j.xds.translate.Fields.join;

import com.google.protobuf.Any;
import io.envoyproxy.envoy.config.core.v3.HeaderValueOption;
import io.envoyproxy.envoy.config.core.v3.RoutingPriority;
import io.envoyproxy.envoy.config.route.v3.DirectResponseAction;
import io.envoyproxy.envoy.config.route.v3.FilterConfig;
import io.envoyproxy.envoy.config.route.v3.HeaderMatcher;
import io.envoyproxy.envoy.config.route.v3.QueryParameterMatcher;
import io.envoyproxy.envoy.config.route.v3.RedirectAction;
import io.envoyproxy.envoy.config.route.v3.RetryPolicy;
import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.config.route.v3.RouteAction;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.config.route.v3.RouteMatch;
import io.envoyproxy.envoy.config.route.v3.VirtualHost;
import io.envoyproxy.envoy.config.route.v3.WeightedCluster;
import io.envoyproxy.envoy.extensions.filters.http.fault.v3.HTTPFault;
import io.envoyproxy.envoy.type.matcher.v3.RegexMatcher;
import io.envoyproxy.envoy.type.matcher.v3.StringMatcher;
import io.mesh4j.config.ActionConfig;
import io.mesh4j.config.FaultConfig;
import io.mesh4j.config.HashOnConfig;
import io.mesh4j.config.HeaderMatchConfig;
import io.mesh4j.config.HeadersConfig;
import io.mesh4j.config.MatchConfig;
import io.mesh4j.config.MatchConfig.PathMatchKind;
import io.mesh4j.config.MirrorConfig;
import io.mesh4j.config.QueryMatchConfig;
import io.mesh4j.config.RetryConfig;
import io.mesh4j.config.RetryOn;
import io.mesh4j.config.RetryOverride;
import io.mesh4j.config.RewriteConfig;
import io.mesh4j.config.Secrets;
import io.mesh4j.config.RouteConfig;
import io.mesh4j.config.VirtualHostConfig;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Envoy {@code RouteConfiguration} → mesh4j virtual hosts, for one direction. One instance per
 * translation run; not thread-safe.
 */
final class RouteTranslator {
  /** Envoy's route timeout when a route sets none. */
  static final Duration ENVOY_ROUTE_TIMEOUT = Duration.ofSeconds(15);
  /** Envoy's retry back-off base interval when a retry policy sets none. */
  static final Duration ENVOY_BACKOFF_BASE = Duration.ofMillis(25);

  private static final String COSMETIC = "cosmetic (names, statistics, tracing, metadata)";
  private static final String BUFFERING = "mesh4j does not buffer requests in the proxy's way";
  /** The Envoy fault filter's name, the usual typed_per_filter_config key. */
  static final String FAULT_FILTER = "envoy.filters.http.fault";

  /** A fault setting inherited by a route: none, a fault, or "the filter is disabled here". */
  record FaultSetting(FaultConfig fault, boolean disabled) {
    static final FaultSetting NONE = new FaultSetting(null, false);
  }

  /** What a listener's HTTP connection manager contributes to its routes. */
  record ListenerContext(boolean faultFilter, FaultSetting faultDefault) {
    /** A route configuration bound by name: assume the fault filter is installed, no default. */
    static final ListenerContext DIRECT = new ListenerContext(true, FaultSetting.NONE);
  }

  private final Issues issues;
  private final Map<String, String> clusterNames; // Envoy name → mesh4j name
  private final boolean inbound;
  /** Hash policies asked of each mesh4j cluster, with where they were asked. */
  final Map<String, HashOnConfig> hashOn = new LinkedHashMap<>();
  final Map<String, String> hashOnWhere = new HashMap<>();
  /** Every domain of this direction → "virtual host X of Y", for duplicate detection. */
  private final Map<String, String> domainOwners = new HashMap<>();
  private final Set<String> vhostNames = new HashSet<>();
  /** Whether the route configuration being translated requires its clusters to exist. */
  private boolean validateClusters = true;

  RouteTranslator(Issues issues, Map<String, String> clusterNames, boolean inbound) {
    this.issues = issues;
    this.clusterNames = clusterNames;
    this.inbound = inbound;
  }

  /**
   * Translates {@code rc} into virtual hosts.
   *
   * @param s the resource issues are reported against (a Listener for an inline route config)
   * @param p the route configuration's field path in that resource
   */
  List<VirtualHostConfig> translate(Issues.Scope s, String p, RouteConfiguration rc,
      ListenerContext listener) {
    Fields.walk(s, p, rc, Set.of("name", "virtual_hosts", "request_headers_to_add",
        "request_headers_to_remove", "typed_per_filter_config", "validate_clusters"), Map.of(
        "max_direct_response_body_size_bytes", "mesh4j has no such limit",
        "metadata", COSMETIC));
    // Envoy: a static (inline) route table must name defined clusters; one from RDS need not.
    validateClusters = rc.hasValidateClusters() ? rc.getValidateClusters().getValue() : !p.isEmpty();
    FaultSetting rcFault = faultFromConfigs(s, join(p, "typed_per_filter_config"),
        rc.getTypedPerFilterConfigMap(), listener, listener.faultDefault());
    List<Level> rcLevel = List.of(new Level(p, rc.getRequestHeadersToAddList(),
        rc.getRequestHeadersToRemoveList()));
    List<VirtualHostConfig> out = new ArrayList<>();
    for (int i = 0; i < rc.getVirtualHostsCount(); i++) {
      VirtualHostConfig vh = virtualHost(s, index(p, "virtual_hosts", i), rc.getVirtualHosts(i),
          listener, rcFault, rcLevel);
      if (vh != null) out.add(vh);
    }
    return out;
  }

  /** One level of request header changes (route, virtual host, route configuration). */
  private record Level(String path, List<HeaderValueOption> add, List<String> remove) {}

  private VirtualHostConfig virtualHost(Issues.Scope s, String p, VirtualHost v,
      ListenerContext listener, FaultSetting inherited, List<Level> outer) {
    Fields.walk(s, p, v, Set.of("name", "domains", "routes", "request_headers_to_add",
        "request_headers_to_remove", "retry_policy", "request_mirror_policies",
        "typed_per_filter_config", "require_tls"), Map.of(
        "virtual_clusters", COSMETIC,
        "include_request_attempt_count", COSMETIC,
        "include_attempt_count_in_response", COSMETIC,
        "per_request_buffer_limit_bytes", BUFFERING,
        "request_body_buffer_limit", BUFFERING,
        "metadata", COSMETIC));
    if (v.getRequireTls() != VirtualHost.TlsRequirementType.NONE) {
      s.reject(join(p, "require_tls"), v.getRequireTls() + ": " + Fields.NOT_SUPPORTED);
    }
    String name = uniqueVhostName(v.getName());
    if (!name.equals(v.getName())) {
      s.ignore(join(p, "name"), "\"" + v.getName() + "\" is written as \"" + name
          + "\" (mesh4j virtual host names: letters, digits and . _ - | :, unique per direction)");
    }
    List<String> domains = new ArrayList<>();
    for (int i = 0; i < v.getDomainsCount(); i++) {
      String dp = index(p, "domains", i);
      String d = domain(s, dp, v.getDomains(i), v.getDomainsList());
      if (d == null || domains.contains(d)) continue;
      String owner = domainOwners.putIfAbsent(d, "virtual host " + v.getName() + " (" + s.type()
          + " " + s.name() + ")");
      if (owner != null) {
        s.reject(dp, "\"" + d + "\" is also a domain of " + owner + "; mesh4j has one route table "
            + "per direction, where a domain belongs to one virtual host");
        continue;
      }
      domains.add(d);
    }
    if (domains.isEmpty()) {
      s.reject(join(p, "domains"), "no domain mesh4j can match");
      return null;
    }
    FaultSetting vhFault = faultFromConfigs(s, join(p, "typed_per_filter_config"),
        v.getTypedPerFilterConfigMap(), listener, inherited);
    List<Level> levels = new ArrayList<>();
    levels.add(new Level(p, v.getRequestHeadersToAddList(), v.getRequestHeadersToRemoveList()));
    levels.addAll(outer);
    RetryPolicy vhRetry = v.hasRetryPolicy() ? v.getRetryPolicy() : null;
    String vhRetryPath = join(p, "retry_policy");
    List<RouteAction.RequestMirrorPolicy> vhMirrors = v.getRequestMirrorPoliciesList();
    List<RouteConfig> routes = new ArrayList<>();
    Set<String> routeNames = new HashSet<>();
    for (int i = 0; i < v.getRoutesCount(); i++) {
      RouteConfig r = route(s, index(p, "routes", i), i, v.getRoutes(i), listener, vhFault, levels,
          vhRetry, vhRetryPath, vhMirrors, join(p, "request_mirror_policies"), routeNames);
      if (r != null) routes.add(r);
    }
    return new VirtualHostConfig(name, domains, routes, null);
  }

  private String uniqueVhostName(String envoyName) {
    String base = Protos.meshName(envoyName);
    String name = base;
    for (int n = 2; !vhostNames.add(name); n++) name = base + "-" + n;
    return name;
  }

  /** A virtual host domain as mesh4j matches it (lower-case, no port), or null if it cannot. */
  private static String domain(Issues.Scope s, String p, String domain, List<String> all) {
    String d = Protos.lower(domain);
    int colon = d.lastIndexOf(':');
    boolean bracketed = d.startsWith("[");
    if (colon > 0 && (!bracketed || d.lastIndexOf(']') < colon)
        && (bracketed || d.indexOf(':') == colon)) {
      String port = d.substring(colon + 1);
      if (!port.isEmpty() && port.chars().allMatch(ch -> ch >= '0' && ch <= '9')) {
        String host = d.substring(0, colon);
        boolean listed = all.stream().anyMatch(x -> Protos.lower(x).equals(host));
        if (!listed) {
          s.ignore(p, "\"" + domain + "\": the port is dropped (mesh4j matches the host without "
              + "its port), so it matches \"" + host + "\" on any port");
        }
        d = host;
      }
    }
    if (bracketed && d.endsWith("]")) d = d.substring(1, d.length() - 1);
    if (!d.equals("*") && ((d.startsWith("*") && !d.startsWith("*."))
        || (d.endsWith("*") && !d.endsWith(".*")) || d.indexOf('*', 1) > 0 && d.indexOf('*', 1) < d.length() - 1)) {
      s.reject(p, "\"" + domain + "\": mesh4j wildcards are whole labels (*.suffix, prefix.* or *)");
      return null;
    }
    return d;
  }

  private RouteConfig route(Issues.Scope s, String p, int index, Route r, ListenerContext listener,
      FaultSetting inherited, List<Level> outer, RetryPolicy vhRetry, String vhRetryPath,
      List<RouteAction.RequestMirrorPolicy> vhMirrors, String vhMirrorPath, Set<String> names) {
    Fields.walk(s, p, r, Set.of("name", "match", "route", "redirect", "direct_response",
        "request_headers_to_add", "request_headers_to_remove", "typed_per_filter_config",
        "response_headers_to_add"), Map.of(
        "metadata", COSMETIC,
        "decorator", COSMETIC,
        "tracing", COSMETIC,
        "stat_prefix", COSMETIC,
        "per_request_buffer_limit_bytes", BUFFERING,
        "request_body_buffer_limit", BUFFERING));
    // As the config loader does: an unnamed (or duplicate-named) route is "routes[i]".
    String name = "routes[" + index + "]";
    if (!r.getName().isEmpty() && r.getName().indexOf('\r') < 0 && r.getName().indexOf('\n') < 0
        && r.getName().indexOf('\0') < 0 && names.add(r.getName())) {
      name = r.getName();
    }
    MatchConfig match = match(s, join(p, "match"), r.getMatch());

    List<Level> levels = new ArrayList<>();
    levels.add(new Level(p, r.getRequestHeadersToAddList(), r.getRequestHeadersToRemoveList()));
    levels.addAll(outer);
    HeadersConfig headers = headers(s, levels);

    FaultSetting fault = faultFromConfigs(s, join(p, "typed_per_filter_config"),
        r.getTypedPerFilterConfigMap(), listener, inherited);
    FaultConfig faultConfig = fault.disabled() ? null : fault.fault();

    if (r.getResponseHeadersToAddCount() > 0 && !r.hasDirectResponse()) {
      s.reject(join(p, "response_headers_to_add"), "mesh4j does not change response headers "
          + "(only a direct_response's own headers)");
    }

    ActionConfig action;
    RewriteConfig rewrite = null;
    Duration timeout = null;
    RetryOverride retry = null;
    MirrorConfig mirror = null;
    if (r.hasRoute()) {
      RouteAction a = r.getRoute();
      String ap = join(p, "route");
      action = forward(s, ap, a);
      if (action == null) return null;
      if (action instanceof ActionConfig.Respond) {
        // The cluster does not exist (yet): Envoy answers cluster_not_found_response_code.
      } else if (inbound) {
        inboundRouteAction(s, ap, a);
        action = ActionConfig.Pass.INSTANCE;
      } else {
        rewrite = rewrite(s, ap, a, match);
        timeout = a.hasTimeout() ? Protos.duration(a.getTimeout()) : ENVOY_ROUTE_TIMEOUT;
        if (timeout.isZero()) timeout = Protos.MAX_DURATION; // Envoy: 0s disables the timeout
        if (a.hasRetryPolicy()) {
          retry = retry(s, join(ap, "retry_policy"), a.getRetryPolicy());
        } else if (vhRetry != null) {
          retry = retry(s, vhRetryPath, vhRetry);
        } else {
          retry = new RetryOverride(1, null, null, null, null, null, null); // Envoy: no retries
        }
        if (a.getRequestMirrorPoliciesCount() > 0) {
          mirror = mirror(s, join(ap, "request_mirror_policies"), a.getRequestMirrorPoliciesList());
        } else if (!vhMirrors.isEmpty()) {
          mirror = mirror(s, vhMirrorPath, vhMirrors);
        }
        hashPolicy(s, ap, a, action);
      }
    } else if (r.hasRedirect()) {
      action = redirect(s, join(p, "redirect"), r.getRedirect(), match);
      if (action == null) return null;
    } else if (r.hasDirectResponse()) {
      action = directResponse(s, p, r);
      if (action == null) return null;
    } else {
      s.reject(p, "no route, redirect or direct_response action (filter and non-forwarding "
          + "actions are not supported)");
      return null;
    }
    return new RouteConfig(name, match, action, rewrite, headers, timeout, retry, mirror,
        faultConfig, null, null, null, null);
  }

  // ------------------------------------------------------------------ match

  private MatchConfig match(Issues.Scope s, String p, RouteMatch m) {
    Fields.walk(s, p, m, Set.of("prefix", "path", "safe_regex", "path_separated_prefix",
        "case_sensitive", "headers", "query_parameters", "grpc"), Map.of());
    PathMatchKind kind = null;
    String value = null;
    boolean caseSensitive = !m.hasCaseSensitive() || m.getCaseSensitive().getValue();
    switch (m.getPathSpecifierCase()) {
      case PREFIX -> {
        if (!m.getPrefix().isEmpty()) {
          kind = PathMatchKind.PREFIX;
          value = path(s, join(p, "prefix"), m.getPrefix());
        }
      }
      case PATH -> {
        kind = PathMatchKind.PATH;
        value = path(s, join(p, "path"), m.getPath());
      }
      case PATH_SEPARATED_PREFIX -> {
        kind = PathMatchKind.PATH_SEPARATED_PREFIX;
        value = path(s, join(p, "path_separated_prefix"), m.getPathSeparatedPrefix());
      }
      case SAFE_REGEX -> {
        kind = PathMatchKind.REGEX;
        value = regex(s, join(p, "safe_regex"), m.getSafeRegex());
        caseSensitive = true; // Envoy: case_sensitive has no effect on safe_regex
      }
      default -> { } // connect_matcher, path_match_policy: rejected by the walk
    }
    if (kind != null && value == null) kind = null;
    List<HeaderMatchConfig> headers = new ArrayList<>();
    Set<String> methods = Set.of();
    int methodMatchers = 0;
    for (HeaderMatcher h : m.getHeadersList()) {
      if (h.getName().equals(":method")) methodMatchers++;
    }
    for (int i = 0; i < m.getHeadersCount(); i++) {
      HeaderMatchConfig h = header(s, index(p, "headers", i), m.getHeaders(i));
      if (h == null) continue;
      if (methodMatchers == 1 && h.name().equals(":method") && h.kind() == HeaderMatchConfig.Kind.EXACT
          && !h.invert() && isToken(h.value())) {
        methods = Set.of(h.value()); // the same condition, shown as a method by explain
      } else {
        headers.add(h);
      }
    }
    if (m.hasGrpc()) {
      Fields.walk(s, join(p, "grpc"), m.getGrpc(), Set.of(), Map.of());
      headers.add(new HeaderMatchConfig("content-type", HeaderMatchConfig.Kind.PREFIX,
          "application/grpc", false, false));
    }
    List<QueryMatchConfig> query = new ArrayList<>();
    for (int i = 0; i < m.getQueryParametersCount(); i++) {
      QueryMatchConfig q = query(s, index(p, "query_parameters", i), m.getQueryParameters(i));
      if (q != null) query.add(q);
    }
    return new MatchConfig(kind, value, caseSensitive, methods, headers, query, List.of(), List.of(), null);
  }

  private static boolean isToken(String s) {
    if (s.isEmpty()) return false;
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (!((c >= 'A' && c <= 'Z') || c == '-' || c == '_')) return false;
    }
    return true;
  }

  private static String path(Issues.Scope s, String p, String path) {
    if (!path.startsWith("/")) {
      s.reject(p, "\"" + path + "\": mesh4j paths start with /");
      return null;
    }
    return path;
  }

  private static String regex(Issues.Scope s, String p, RegexMatcher r) {
    return regex(s, p, r, null);
  }

  /**
   * @param matched the header or query parameter the regex is matched against, or {@code null}; a
   *     credential-like name ({@link Secrets#isSecretHeader}) masks the pattern in the issue
   */
  private static String regex(Issues.Scope s, String p, RegexMatcher r, String matched) {
    Fields.walk(s, p, r, Set.of("regex"), Map.of("google_re2", "mesh4j uses java.util.regex"));
    String java = Protos.javaRegex(r.getRegex());
    if (java == null) {
      s.reject(join(p, "regex"), "\"" + Secrets.headerValue(matched, r.getRegex())
          + "\": not a valid java.util.regex pattern");
    }
    return java;
  }

  // Reads deprecated Envoy fields on purpose: control planes still send them.
  @SuppressWarnings("deprecation")
  private static HeaderMatchConfig header(Issues.Scope s, String p, HeaderMatcher h) {
    Fields.walk(s, p, h, Set.of("name", "exact_match", "safe_regex_match", "present_match",
        "prefix_match", "suffix_match", "contains_match", "string_match", "invert_match"), Map.of());
    String name = Protos.lower(h.getName());
    boolean invert = h.getInvertMatch();
    return switch (h.getHeaderMatchSpecifierCase()) {
      case EXACT_MATCH -> new HeaderMatchConfig(name, HeaderMatchConfig.Kind.EXACT,
          h.getExactMatch(), false, invert);
      case PREFIX_MATCH -> new HeaderMatchConfig(name, HeaderMatchConfig.Kind.PREFIX,
          h.getPrefixMatch(), false, invert);
      case SUFFIX_MATCH -> new HeaderMatchConfig(name, HeaderMatchConfig.Kind.SUFFIX,
          h.getSuffixMatch(), false, invert);
      case CONTAINS_MATCH -> new HeaderMatchConfig(name, HeaderMatchConfig.Kind.CONTAINS,
          h.getContainsMatch(), false, invert);
      case SAFE_REGEX_MATCH -> {
        String re = regex(s, join(p, "safe_regex_match"), h.getSafeRegexMatch(), h.getName());
        yield re == null ? null
            : new HeaderMatchConfig(name, HeaderMatchConfig.Kind.REGEX, re, false, invert);
      }
      case PRESENT_MATCH -> new HeaderMatchConfig(name, HeaderMatchConfig.Kind.PRESENT, null,
          h.getPresentMatch(), invert);
      case STRING_MATCH -> {
        StringCondition c =
            string(s, join(p, "string_match"), h.getStringMatch(), true, h.getName());
        yield c == null ? null : new HeaderMatchConfig(name, c.headerKind(), c.value(), false, invert);
      }
      // Envoy: a matcher with no specifier matches when the header is present.
      default -> h.hasRangeMatch() ? null
          : new HeaderMatchConfig(name, HeaderMatchConfig.Kind.PRESENT, null, true, invert);
    };
  }

  private static QueryMatchConfig query(Issues.Scope s, String p, QueryParameterMatcher q) {
    Fields.walk(s, p, q, Set.of("name", "string_match", "present_match"), Map.of());
    return switch (q.getQueryParameterMatchSpecifierCase()) {
      case STRING_MATCH -> {
        StringCondition c = string(s, join(p, "string_match"), q.getStringMatch(), false,
            q.getName());
        if (c == null) yield null;
        yield c.headerKind() == HeaderMatchConfig.Kind.EXACT
            ? new QueryMatchConfig(q.getName(), QueryMatchConfig.Kind.EXACT, c.value(), false)
            : new QueryMatchConfig(q.getName(), QueryMatchConfig.Kind.REGEX, c.asRegex(), false);
      }
      case PRESENT_MATCH -> new QueryMatchConfig(q.getName(), QueryMatchConfig.Kind.PRESENT, null,
          q.getPresentMatch());
      // Envoy: a query matcher with no specifier matches when the parameter is present.
      default -> new QueryMatchConfig(q.getName(), QueryMatchConfig.Kind.PRESENT, null, true);
    };
  }

  /** A string condition as a mesh4j header kind and operand. */
  private record StringCondition(HeaderMatchConfig.Kind headerKind, String value) {
    String asRegex() {
      return switch (headerKind) {
        case EXACT -> Pattern.quote(value);
        case PREFIX -> Pattern.quote(value) + ".*";
        case SUFFIX -> ".*" + Pattern.quote(value);
        case CONTAINS -> ".*" + Pattern.quote(value) + ".*";
        default -> value;
      };
    }
  }

  /**
   * An Envoy StringMatcher; {@code ignore_case} becomes a case-insensitive regex (for query
   * parameters, prefix/suffix/contains become regexes too, as mesh4j's query conditions are exact,
   * regex or present). {@code matched} is the header or parameter name, for masking.
   */
  private static StringCondition string(Issues.Scope s, String p, StringMatcher m, boolean header,
      String matched) {
    Fields.walk(s, p, m, Set.of("exact", "prefix", "suffix", "contains", "safe_regex",
        "ignore_case"), Map.of());
    StringCondition c = switch (m.getMatchPatternCase()) {
      case EXACT -> new StringCondition(HeaderMatchConfig.Kind.EXACT, m.getExact());
      case PREFIX -> new StringCondition(HeaderMatchConfig.Kind.PREFIX, m.getPrefix());
      case SUFFIX -> new StringCondition(HeaderMatchConfig.Kind.SUFFIX, m.getSuffix());
      case CONTAINS -> new StringCondition(HeaderMatchConfig.Kind.CONTAINS, m.getContains());
      case SAFE_REGEX -> {
        String re = regex(s, join(p, "safe_regex"), m.getSafeRegex(), matched);
        yield re == null ? null : new StringCondition(HeaderMatchConfig.Kind.REGEX, re);
      }
      default -> null; // custom: rejected by the walk
    };
    if (c == null) return null;
    if (m.getIgnoreCase()) {
      String re = c.asRegex();
      return new StringCondition(HeaderMatchConfig.Kind.REGEX, "(?iu)" + re);
    }
    return c;
  }

  // ------------------------------------------------------------------ actions

  /** The forward or split action of a route action, or null (issues reported). */
  private ActionConfig forward(Issues.Scope s, String p, RouteAction a) {
    Set<String> handled = new HashSet<>(Set.of("cluster", "weighted_clusters", "prefix_rewrite",
        "regex_rewrite", "host_rewrite_literal", "timeout", "retry_policy",
        "request_mirror_policies", "hash_policy", "priority", "max_stream_duration",
        "cluster_not_found_response_code"));
    Map<String, String> ignored = new HashMap<>(Map.of(
        "idle_timeout", "mesh4j bounds a request by its timeout only",
        "upgrade_configs", "connection upgrades are the HTTP client's",
        "include_vh_rate_limits", "rate limits are not translated",
        "early_data_policy", "connection-level setting"));
    Fields.walk(s, p, a, handled, ignored);
    if (a.getPriority() != RoutingPriority.DEFAULT) {
      s.ignore(join(p, "priority"), a.getPriority() + ": mesh4j has no route priorities");
    }
    if (a.hasMaxStreamDuration()) {
      var msd = a.getMaxStreamDuration();
      String mp = join(p, "max_stream_duration");
      Fields.walk(s, mp, msd, Set.of("max_stream_duration"), Map.of(
          "grpc_timeout_header_max", "mesh4j does not read grpc-timeout",
          "grpc_timeout_header_offset", "mesh4j does not read grpc-timeout"));
      if (msd.hasMaxStreamDuration() && !Protos.duration(msd.getMaxStreamDuration()).isZero()) {
        s.reject(join(mp, "max_stream_duration"), "not supported (use the route timeout)");
      }
    }
    switch (a.getClusterSpecifierCase()) {
      case CLUSTER -> {
        if (!inbound && !validateClusters && !clusterNames.containsKey(a.getCluster())) {
          int status = switch (a.getClusterNotFoundResponseCode()) {
            case NOT_FOUND -> 404;
            case INTERNAL_SERVER_ERROR -> 500;
            default -> 503;
          };
          s.ignore(join(p, "cluster"), "\"" + a.getCluster() + "\": no such cluster (yet); as in "
              + "Envoy, the route answers " + status + " until it exists");
          return new ActionConfig.Respond(status, "", Map.of());
        }
        String c = cluster(s, join(p, "cluster"), a.getCluster());
        return c == null ? null : new ActionConfig.Forward(c);
      }
      case WEIGHTED_CLUSTERS -> {
        return split(s, join(p, "weighted_clusters"), a.getWeightedClusters());
      }
      default -> {
        s.reject(p, "no cluster or weighted_clusters (cluster_header and cluster specifier "
            + "plugins are not supported)");
        return null;
      }
    }
  }

  private String cluster(Issues.Scope s, String p, String envoyName) {
    String name = clusterNames.get(envoyName);
    if (name == null && !inbound) {
      s.reject(p, "\"" + envoyName + "\": no such cluster");
    }
    return name == null ? (inbound ? envoyName : null) : name;
  }

  // Reads deprecated Envoy fields on purpose: control planes still send them.
  @SuppressWarnings("deprecation")
  private ActionConfig split(Issues.Scope s, String p, WeightedCluster w) {
    Fields.walk(s, p, w, Set.of("clusters", "total_weight"), Map.of());
    Map<String, Long> weights = new LinkedHashMap<>();
    long sum = 0;
    boolean ok = true;
    for (int i = 0; i < w.getClustersCount(); i++) {
      WeightedCluster.ClusterWeight cw = w.getClusters(i);
      String cp = index(p, "clusters", i);
      Fields.walk(s, cp, cw, Set.of("name", "weight"), Map.of());
      String c = cluster(s, join(cp, "name"), cw.getName());
      if (c == null) {
        ok = false;
        continue;
      }
      long weight = cw.hasWeight() ? Protos.uint32(cw.getWeight().getValue()) : 0;
      weights.merge(c, weight, Long::sum);
      sum += weight;
    }
    if (!ok) return null;
    if (w.hasTotalWeight() && Protos.uint32(w.getTotalWeight().getValue()) != sum) {
      s.reject(join(p, "total_weight"), w.getTotalWeight().getValue() + ": differs from the sum of "
          + "the weights, " + sum);
      return null;
    }
    if (sum == 0) {
      s.reject(p, "the weights sum to 0");
      return null;
    }
    long divisor = 0;
    for (long v : weights.values()) divisor = gcd(divisor, v);
    List<ActionConfig.WeightedCluster> list = new ArrayList<>();
    for (Map.Entry<String, Long> e : weights.entrySet()) {
      long v = e.getValue() / divisor;
      if (v > 10_000) {
        s.reject(p, "weights " + weights.values() + ": mesh4j split weights are 0..10000 (after "
            + "dividing by their greatest common divisor)");
        return null;
      }
      list.add(new ActionConfig.WeightedCluster(e.getKey(), (int) v, false));
    }
    return new ActionConfig.Split(list);
  }

  private static long gcd(long a, long b) {
    while (b != 0) {
      long t = a % b;
      a = b;
      b = t;
    }
    return a;
  }

  /** What an inbound route action may carry: it passes to the application. */
  private void inboundRouteAction(Issues.Scope s, String p, RouteAction a) {
    String pass = "inbound routes hand the request to the application";
    if (a.hasWeightedClusters()) {
      s.reject(join(p, "weighted_clusters"), "an inbound route passes to the application; it "
          + "cannot split");
    }
    if (!a.getPrefixRewrite().isEmpty()) s.reject(join(p, "prefix_rewrite"), pass + " unchanged");
    if (a.hasRegexRewrite()) s.reject(join(p, "regex_rewrite"), pass + " unchanged");
    if (a.hasHostRewriteLiteral()) s.reject(join(p, "host_rewrite_literal"), pass + " unchanged");
    if (a.getRequestMirrorPoliciesCount() > 0) {
      s.reject(join(p, "request_mirror_policies"), "not supported on inbound routes");
    }
    if (a.hasTimeout()) s.ignore(join(p, "timeout"), pass + "; mesh4j does not time it out");
    if (a.hasRetryPolicy()) s.ignore(join(p, "retry_policy"), pass + "; it is not retried");
    if (a.getHashPolicyCount() > 0) s.ignore(join(p, "hash_policy"), pass);
  }

  private static RewriteConfig rewrite(Issues.Scope s, String p, RouteAction a, MatchConfig match) {
    String prefix = null;
    String regex = null;
    String substitution = null;
    String host = null;
    if (!a.getPrefixRewrite().isEmpty()) {
      prefix = a.getPrefixRewrite();
      if (match.pathKind() == PathMatchKind.REGEX) {
        s.reject(join(p, "prefix_rewrite"), "not supported on a safe_regex route");
        prefix = null;
      } else if (!prefix.startsWith("/")) {
        s.reject(join(p, "prefix_rewrite"), "\"" + prefix + "\": mesh4j paths start with /");
        prefix = null;
      }
    }
    if (a.hasRegexRewrite()) {
      var rr = a.getRegexRewrite();
      String rp = join(p, "regex_rewrite");
      Fields.walk(s, rp, rr, Set.of("pattern", "substitution"), Map.of());
      regex = regex(s, join(rp, "pattern"), rr.getPattern());
      substitution = rr.getSubstitution();
      if (regex == null) substitution = null;
    }
    if (a.hasHostRewriteLiteral()) host = a.getHostRewriteLiteral();
    if (prefix == null && regex == null && host == null) return null;
    return new RewriteConfig(prefix, regex, substitution, host);
  }

  private RetryOverride retry(Issues.Scope s, String p, RetryPolicy r) {
    Fields.walk(s, p, r, Set.of("retry_on", "num_retries", "per_try_timeout",
        "retriable_status_codes", "retry_back_off", "retry_host_predicate",
        "host_selection_retry_max_attempts"), Map.of());
    Set<RetryOn> on = new LinkedHashSet<>();
    List<Integer> codes = new ArrayList<>();
    for (String raw : r.getRetryOn().split(",")) {
      String cond = raw.trim();
      if (cond.isEmpty()) continue;
      if (cond.equals("retriable-4xx")) {
        on.add(RetryOn.RETRIABLE_STATUS_CODES);
        codes.add(409); // Envoy's retriable-4xx is 409 only
        continue;
      }
      if (cond.equals("http3-post-connect-failure")) {
        s.ignore(join(p, "retry_on"), "http3-post-connect-failure: mesh4j does not speak HTTP/3");
        continue;
      }
      RetryOn o = RetryOn.fromConfigName(cond);
      if (o == null) {
        s.reject(join(p, "retry_on"), cond + ": " + Fields.NOT_SUPPORTED);
      } else {
        on.add(o);
      }
    }
    for (int code : r.getRetriableStatusCodesList()) {
      if (code < 100 || code > 599) {
        s.reject(join(p, "retriable_status_codes"), code + ": expected 100..599");
      } else if (!codes.contains(code)) {
        codes.add(code);
      }
    }
    if (!on.contains(RetryOn.RETRIABLE_STATUS_CODES) && !r.getRetriableStatusCodesList().isEmpty()) {
      s.ignore(join(p, "retriable_status_codes"), "has no effect: retry_on lacks "
          + "retriable-status-codes (as in Envoy)");
      codes.clear();
    }
    if (on.contains(RetryOn.RETRIABLE_STATUS_CODES) && codes.isEmpty()) {
      on.remove(RetryOn.RETRIABLE_STATUS_CODES); // Envoy: the condition alone retries nothing
    }
    for (int i = 0; i < r.getRetryHostPredicateCount(); i++) {
      var pred = r.getRetryHostPredicate(i);
      String pp = index(p, "retry_host_predicate", i);
      boolean previousHosts = pred.getName().equals("envoy.retry_host_predicates.previous_hosts")
          || (pred.hasTypedConfig() && Protos.typeName(pred.getTypedConfig())
              .endsWith("PreviousHostsPredicate"));
      if (!previousHosts) {
        s.reject(pp, "\"" + pred.getName() + "\": only previous_hosts is supported (mesh4j's "
            + "retries always avoid endpoints already tried)");
      }
    }
    if (r.getHostSelectionRetryMaxAttempts() != 0) {
      s.ignore(join(p, "host_selection_retry_max_attempts"), "mesh4j's pickers choose an untried "
          + "endpoint directly");
    }
    long retries = r.hasNumRetries() ? Protos.uint32(r.getNumRetries().getValue()) : 1;
    if (retries > 9) {
      s.reject(join(p, "num_retries"), retries + ": mesh4j allows at most 9 retries (10 attempts)");
      retries = 9;
    }
    int attempts = on.isEmpty() ? 1 : (int) retries + 1;
    Duration perTry = r.hasPerTryTimeout() ? Protos.duration(r.getPerTryTimeout()) : null;
    if (perTry != null && perTry.isZero()) perTry = null;
    Duration base = ENVOY_BACKOFF_BASE;
    Duration max = null;
    if (r.hasRetryBackOff()) {
      var b = r.getRetryBackOff();
      Fields.walk(s, join(p, "retry_back_off"), b, Set.of("base_interval", "max_interval"), Map.of());
      if (b.hasBaseInterval()) base = Protos.duration(b.getBaseInterval());
      if (b.hasMaxInterval()) max = Protos.duration(b.getMaxInterval());
      if (base.isZero()) base = Duration.ofMillis(1);
    }
    if (max == null) max = base.multipliedBy(10); // Envoy: 10 × base
    if (max.compareTo(Protos.MAX_DURATION) > 0) max = Protos.MAX_DURATION;
    if (max.compareTo(base) < 0) max = base;
    // Envoy retries every method alike and has no default policy: all fields explicit, the
    // budget left to the cluster.
    return new RetryOverride(attempts, on.isEmpty() ? RetryConfig.DEFAULT_RETRY_ON : on, codes,
        perTry, new RetryConfig.Backoff(base, max), null, false);
  }

  private MirrorConfig mirror(Issues.Scope s, String p,
      List<RouteAction.RequestMirrorPolicy> policies) {
    if (policies.size() > 1) {
      s.reject(p + "[1]", "mesh4j mirrors to one cluster per route");
    }
    RouteAction.RequestMirrorPolicy m = policies.get(0);
    String mp = p + "[0]";
    Fields.walk(s, mp, m, Set.of("cluster", "runtime_fraction"), Map.of(
        "trace_sampled", COSMETIC,
        "disable_shadow_host_suffix_append", "mesh4j sends the mirror with the request's own "
            + "authority"));
    if (!validateClusters && !clusterNames.containsKey(m.getCluster())) {
      s.ignore(join(mp, "cluster"), "\"" + m.getCluster() + "\": no such cluster (yet); as in "
          + "Envoy, nothing is mirrored until it exists");
      return null;
    }
    String cluster = cluster(s, join(mp, "cluster"), m.getCluster());
    if (cluster == null) return null;
    double percent = 100;
    if (m.hasRuntimeFraction()) {
      var rf = m.getRuntimeFraction();
      Fields.walk(s, join(mp, "runtime_fraction"), rf, Set.of("default_value"), Map.of(
          "runtime_key", "mesh4j has no runtime; the default value applies"));
      percent = Protos.percent(rf.getDefaultValue());
    }
    return new MirrorConfig(cluster, percent);
  }

  private void hashPolicy(Issues.Scope s, String p, RouteAction a, ActionConfig action) {
    if (a.getHashPolicyCount() == 0) return;
    for (int i = 1; i < a.getHashPolicyCount(); i++) {
      s.reject(index(p, "hash_policy", i), "mesh4j hashes one request attribute");
    }
    RouteAction.HashPolicy h = a.getHashPolicy(0);
    String hp = index(p, "hash_policy", 0);
    Fields.walk(s, hp, h, Set.of("header", "cookie", "connection_properties", "terminal"), Map.of());
    HashOnConfig on = switch (h.getPolicySpecifierCase()) {
      case HEADER -> {
        Fields.walk(s, join(hp, "header"), h.getHeader(), Set.of("header_name"), Map.of());
        yield new HashOnConfig(HashOnConfig.Kind.HEADER, Protos.lower(h.getHeader().getHeaderName()));
      }
      case COOKIE -> {
        Fields.walk(s, join(hp, "cookie"), h.getCookie(), Set.of("name"), Map.of());
        yield new HashOnConfig(HashOnConfig.Kind.COOKIE, h.getCookie().getName());
      }
      case CONNECTION_PROPERTIES -> {
        Fields.walk(s, join(hp, "connection_properties"), h.getConnectionProperties(),
            Set.of("source_ip"), Map.of());
        if (!h.getConnectionProperties().getSourceIp()) {
          s.reject(join(hp, "connection_properties"), "hashes nothing (source_ip is false)");
          yield null;
        }
        yield new HashOnConfig(HashOnConfig.Kind.SOURCE_IP, null);
      }
      default -> null; // query_parameter, filter_state: rejected by the walk
    };
    if (on == null) return;
    List<String> targets = new ArrayList<>();
    if (action instanceof ActionConfig.Forward f) targets.add(f.cluster());
    if (action instanceof ActionConfig.Split sp) {
      for (ActionConfig.WeightedCluster wc : sp.clusters()) targets.add(wc.cluster());
    }
    String where = s.type() + " " + s.name() + " " + hp;
    for (String cluster : targets) {
      HashOnConfig previous = hashOn.putIfAbsent(cluster, on);
      if (previous == null) {
        hashOnWhere.put(cluster, where);
      } else if (!previous.equals(on)) {
        s.reject(hp, "cluster " + cluster + " is hashed on " + describe(previous) + " by "
            + hashOnWhere.get(cluster) + "; mesh4j hashes a cluster on one attribute");
      }
    }
  }

  static String describe(HashOnConfig h) {
    return switch (h.kind()) {
      case HEADER -> "header " + h.name();
      case COOKIE -> "cookie " + h.name();
      case SOURCE_IP -> "the source IP";
    };
  }

  private static ActionConfig redirect(Issues.Scope s, String p, RedirectAction r, MatchConfig match) {
    Fields.walk(s, p, r, Set.of("https_redirect", "scheme_redirect", "host_redirect",
        "port_redirect", "path_redirect", "prefix_rewrite", "response_code", "strip_query"), Map.of());
    String scheme = null;
    if (r.hasHttpsRedirect() && r.getHttpsRedirect()) scheme = "https";
    if (r.hasSchemeRedirect()) scheme = Protos.lower(r.getSchemeRedirect());
    if (scheme != null && !scheme.equals("http") && !scheme.equals("https")) {
      s.reject(join(p, "scheme_redirect"), "\"" + scheme + "\": expected http or https");
      return null;
    }
    String host = r.getHostRedirect().isEmpty() ? null : r.getHostRedirect();
    Integer port = r.getPortRedirect() == 0 ? null : r.getPortRedirect();
    String path = r.hasPathRedirect() ? r.getPathRedirect() : null;
    String prefix = r.hasPrefixRewrite() ? r.getPrefixRewrite() : null;
    if (prefix != null && match.pathKind() == PathMatchKind.REGEX) {
      s.reject(join(p, "prefix_rewrite"), "not supported on a safe_regex route");
      return null;
    }
    int code = switch (r.getResponseCode()) {
      case MOVED_PERMANENTLY -> 301;
      case FOUND -> 302;
      case SEE_OTHER -> 303;
      case TEMPORARY_REDIRECT -> 307;
      case PERMANENT_REDIRECT -> 308;
      default -> 301;
    };
    if (scheme == null && host == null && port == null && path == null && prefix == null
        && !r.getStripQuery()) {
      s.reject(p, "changes nothing (mesh4j requires a redirect to change the URL)");
      return null;
    }
    return new ActionConfig.Redirect(scheme, host, port, path, prefix, r.getStripQuery(), code);
  }

  private static ActionConfig directResponse(Issues.Scope s, String p, Route r) {
    DirectResponseAction d = r.getDirectResponse();
    String dp = join(p, "direct_response");
    Fields.walk(s, dp, d, Set.of("status", "body"), Map.of());
    String body = "";
    if (d.hasBody()) {
      var b = d.getBody();
      Fields.walk(s, join(dp, "body"), b, Set.of("inline_string", "inline_bytes"), Map.of());
      body = switch (b.getSpecifierCase()) {
        case INLINE_STRING -> b.getInlineString();
        case INLINE_BYTES -> b.getInlineBytes().toString(StandardCharsets.UTF_8);
        default -> "";
      };
    }
    Map<String, String> headers = new LinkedHashMap<>();
    for (int i = 0; i < r.getResponseHeadersToAddCount(); i++) {
      HeaderValueOption o = r.getResponseHeadersToAdd(i);
      String hp = index(p, "response_headers_to_add", i);
      String value = headerValue(s, hp, o);
      if (value == null) continue;
      String key = o.getHeader().getKey();
      if (headers.keySet().stream().anyMatch(k -> k.equalsIgnoreCase(key))) {
        s.reject(hp, "header " + key + " set twice (a direct response has one value per header)");
        continue;
      }
      headers.put(key, value);
    }
    return new ActionConfig.Respond(d.getStatus(), body, headers);
  }

  // ------------------------------------------------------------------ headers

  /**
   * Request header changes of every level, in Envoy's order (route, virtual host, route
   * configuration; each removes, then adds) as one mesh4j remove-then-add.
   */
  // Reads deprecated Envoy fields on purpose: control planes still send them.
  @SuppressWarnings("deprecation")
  private static HeadersConfig headers(Issues.Scope s, List<Level> levels) {
    Map<String, String[]> add = new LinkedHashMap<>(); // lower name → {name, value}
    Set<String> remove = new LinkedHashSet<>();
    List<String> removeNames = new ArrayList<>();
    for (Level level : levels) {
      for (int i = 0; i < level.remove().size(); i++) {
        String n = level.remove().get(i);
        String ln = Protos.lower(n);
        if (add.containsKey(ln)) {
          s.reject(index(level.path(), "request_headers_to_remove", i),
              n + ": removes a header an inner level adds (mesh4j removes before every add)");
          continue;
        }
        if (remove.add(ln)) removeNames.add(n);
      }
      for (int i = 0; i < level.add().size(); i++) {
        HeaderValueOption o = level.add().get(i);
        String hp = index(level.path(), "request_headers_to_add", i);
        String value = headerValue(s, hp, o);
        if (value == null) continue;
        String n = o.getHeader().getKey();
        String ln = Protos.lower(n);
        boolean overwrite = o.hasAppend() ? !o.getAppend().getValue()
            : o.getAppendAction() == HeaderValueOption.HeaderAppendAction.OVERWRITE_IF_EXISTS_OR_ADD;
        if (!o.hasAppend()) {
          switch (o.getAppendAction()) {
            case APPEND_IF_EXISTS_OR_ADD, OVERWRITE_IF_EXISTS_OR_ADD -> { }
            default -> {
              s.reject(join(hp, "append_action"), o.getAppendAction() + ": " + Fields.NOT_SUPPORTED);
              continue;
            }
          }
        }
        if (overwrite) {
          if (remove.add(ln)) removeNames.add(n);
          add.put(ln, new String[] {n, value});
        } else if (add.containsKey(ln)) {
          s.reject(hp, "header " + n + " is added twice (mesh4j adds one value per header)");
        } else {
          add.put(ln, new String[] {n, value});
        }
      }
    }
    if (add.isEmpty() && removeNames.isEmpty()) return null;
    Map<String, String> adds = new LinkedHashMap<>();
    for (String[] e : add.values()) adds.put(e[0], e[1]);
    return new HeadersConfig(adds, removeNames);
  }

  /** The literal value of a header option, or null (issue reported, or an empty value Envoy skips). */
  private static String headerValue(Issues.Scope s, String p, HeaderValueOption o) {
    Fields.walk(s, p, o, Set.of("header", "append", "append_action", "keep_empty_value"), Map.of());
    var h = o.getHeader();
    Fields.walk(s, join(p, "header"), h, Set.of("key", "value", "raw_value"), Map.of());
    String v = h.getRawValue().isEmpty() ? h.getValue() : h.getRawValue().toString(StandardCharsets.UTF_8);
    StringBuilder literal = new StringBuilder(v.length());
    for (int i = 0; i < v.length(); i++) {
      char c = v.charAt(i);
      if (c == '%') {
        if (i + 1 < v.length() && v.charAt(i + 1) == '%') {
          literal.append('%');
          i++;
          continue;
        }
        s.reject(join(p, "header.value"), "\"" + Secrets.headerValue(h.getKey(), v)
            + "\": command operators (%...%) are not "
            + "supported; mesh4j adds literal values");
        return null;
      }
      literal.append(c);
    }
    if (literal.length() == 0 && !o.getKeepEmptyValue()) return null; // Envoy skips it
    return literal.toString();
  }

  // ------------------------------------------------------------------ fault

  /** The fault setting from a typed_per_filter_config map, or {@code inherited}. */
  FaultSetting faultFromConfigs(Issues.Scope s, String p, Map<String, Any> configs,
      ListenerContext listener, FaultSetting inherited) {
    FaultSetting result = inherited;
    for (Map.Entry<String, Any> e : new java.util.TreeMap<>(configs).entrySet()) {
      String fp = p + "[\"" + e.getKey() + "\"]";
      Any any = e.getValue();
      FilterConfig wrapper = Protos.unpack(any, FilterConfig.class);
      if (wrapper != null) {
        Fields.walk(s, fp, wrapper, Set.of("config", "disabled", "is_optional"), Map.of());
        if (wrapper.getDisabled()) {
          if (isFault(e.getKey(), wrapper.getConfig())) result = new FaultSetting(null, true);
          else s.ignore(fp, "disables a filter mesh4j does not run");
          continue;
        }
        if (!wrapper.hasConfig()) continue;
        any = wrapper.getConfig();
      }
      HTTPFault fault = Protos.unpack(any, HTTPFault.class);
      if (fault == null) {
        s.reject(fp, Protos.typeName(any) + ": " + Fields.NOT_SUPPORTED);
        continue;
      }
      if (!listener.faultFilter()) {
        s.ignore(fp, "the listener has no " + FAULT_FILTER + " filter, so Envoy ignores it too");
        continue;
      }
      FaultConfig f = fault(s, fp, fault);
      if (f != null) result = new FaultSetting(f, false);
    }
    return result;
  }

  private static boolean isFault(String key, Any config) {
    return key.equals(FAULT_FILTER) || config.is(HTTPFault.class);
  }

  /** An HTTPFault as a mesh4j fault, or null when it injects nothing. */
  static FaultConfig fault(Issues.Scope s, String p, HTTPFault f) {
    String runtime = "mesh4j has no runtime; the configured values apply";
    Fields.walk(s, p, f, Set.of("delay", "abort"), Map.of(
        "delay_percent_runtime", runtime,
        "abort_percent_runtime", runtime,
        "delay_duration_runtime", runtime,
        "abort_http_status_runtime", runtime,
        "max_active_faults_runtime", runtime,
        "response_rate_limit_percent_runtime", runtime,
        "abort_grpc_status_runtime", runtime,
        "disable_downstream_cluster_stats", COSMETIC,
        "filter_metadata", COSMETIC));
    FaultConfig.Delay delay = null;
    FaultConfig.Abort abort = null;
    if (f.hasDelay()) {
      var d = f.getDelay();
      String dp = join(p, "delay");
      Fields.walk(s, dp, d, Set.of("fixed_delay", "percentage"), Map.of());
      if (d.hasFixedDelay()) {
        Duration fixed = Protos.duration(d.getFixedDelay());
        double percent = d.hasPercentage() ? Protos.percent(d.getPercentage()) : 0;
        if (!fixed.isZero()) delay = new FaultConfig.Delay(fixed, percent);
      }
    }
    if (f.hasAbort()) {
      var a = f.getAbort();
      String ap = join(p, "abort");
      Fields.walk(s, ap, a, Set.of("http_status", "percentage"), Map.of());
      if (a.hasHttpStatus()) {
        if (a.getHttpStatus() < 200 || a.getHttpStatus() > 599) {
          s.reject(join(ap, "http_status"), a.getHttpStatus() + ": expected 200..599");
        } else {
          double percent = a.hasPercentage() ? Protos.percent(a.getPercentage()) : 0;
          abort = new FaultConfig.Abort(a.getHttpStatus(), percent);
        }
      }
    }
    return delay == null && abort == null ? null : new FaultConfig(delay, abort);
  }
}
